"""The model dashboard: a read-only web application over the monitoring service's execution
store (Starlette, Jinja2 templates with autoescape, inline SVG charts, no script).

:func:`create_app` builds the application from a service configuration; ``driftline dashboard``
serves it with uvicorn. See the README's "Dashboard and reports".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["create_app"]

if TYPE_CHECKING:
    from starlette.applications import Starlette


def create_app(*args: Any, **kwargs: Any) -> Starlette:
    from driftline.dashboard.app import create_app as _create

    return _create(*args, **kwargs)
