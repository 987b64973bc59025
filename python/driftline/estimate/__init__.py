"""Performance estimated before labels arrive: confidence-based performance estimation for
binary classifiers (:class:`CBPE`, :mod:`driftline.estimate.cbpe`) and direct loss estimation for
regression (:class:`DLE`, :mod:`driftline.estimate.dle`), both returning :class:`Estimate`."""

from __future__ import annotations

from driftline.estimate._common import Estimate
from driftline.estimate.cbpe import CBPE
from driftline.estimate.dle import DLE

__all__ = ["CBPE", "DLE", "Estimate"]
