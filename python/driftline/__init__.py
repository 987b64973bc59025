"""driftline: monitoring machine-learning models in production.

The statistics engine is Rust (``driftline._core``); :mod:`driftline.stats` is its Python face.
"""

from __future__ import annotations

from driftline import errors, stats
from driftline._core import __version__

__all__ = ["__version__", "errors", "stats"]
