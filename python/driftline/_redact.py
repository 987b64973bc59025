"""Hiding the raw values of sensitive columns (a monitor's ``sensitive = [...]``): each value is
shown as a hashed label, ``#`` and the first 8 hex digits of its SHA-256. Used by the reports,
the dashboard and the scheduler (before a failure reason goes into the store); no dependency."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from typing import Any

__all__ = ["Redactor", "hashed", "redactor"]


def hashed(value: object) -> str:
    """The label a value of a sensitive column is shown as: ``#`` and the first 8 hex digits of
    its SHA-256."""
    return "#" + hashlib.sha256(str(value).encode("utf-8")).hexdigest()[:8]


def _categories(feature: dict[str, Any]) -> list[dict[str, Any]]:
    st = feature.get("string_statistics") or {}
    buckets = ((st.get("distribution") or {}).get("categorical") or {}).get("buckets") or []
    return [b for b in buckets if isinstance(b, dict)]


class Redactor:
    """Replaces the raw values of sensitive columns by their hashed labels in any text."""

    def __init__(self, sensitive: Iterable[str]) -> None:
        self.sensitive = frozenset(sensitive)
        self.values: set[str] = set()

    def label(self, feature: str, value: str) -> str:
        if feature in self.sensitive:
            self.values.add(value)
            return hashed(value)
        return value

    def learn(self, statistics: Any) -> None:
        for f in (statistics or {}).get("features", []) if isinstance(statistics, dict) else []:
            if isinstance(f, dict) and f.get("name") in self.sensitive:
                for b in _categories(f):
                    self.values.add(str(b.get("value")))

    def text(self, s: Any) -> str:
        out = "" if s is None else str(s)
        # longest first, so that a value containing another is replaced whole
        for v in sorted(self.values, key=len, reverse=True):
            if v:
                out = re.sub(r"(?<![\w])" + re.escape(v) + r"(?![\w])", hashed(v), out)
        return out


def redactor(sensitive: Iterable[str], *statistics: Any) -> Callable[[Any], str]:
    """A function that replaces, in a text, the raw values of the ``sensitive`` columns found in
    the given ``statistics.json`` documents by their hashed labels."""
    red = Redactor(sensitive)
    for doc in statistics:
        red.learn(doc)
    return red.text


