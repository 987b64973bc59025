"""The Jinja2 environment of the dashboard and the reports: the package's ``templates`` folder,
autoescape always on (every value from data is escaped unless it is an SVG the chart helpers
built, which escape their own text)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader

from driftline._redact import hashed

__all__ = ["CSP", "css", "environment", "hashed"]

TEMPLATES = Path(__file__).resolve().parent / "templates"

# No script at all, nothing from the network: styles inline, images only as data: URIs.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"


def _url(value: object) -> str:
    return quote(str(value), safe="")


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["url"] = _url
    env.filters["num"] = _num
    return env


def _num(value: object, digits: int = 4) -> str:
    if value is None:
        return "\u2013"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        a = abs(value)
        if a != 0 and (a >= 1e6 or a < 1e-3):
            return f"{value:.3g}"
        return f"{value:.{digits}g}"
    return str(value)


@lru_cache(maxsize=1)
def _css() -> str:
    return (TEMPLATES / "style.css").read_text(encoding="utf-8")


def css() -> str:
    return _css()

