"""Turn pytest-benchmark JSON files into the Markdown tables of BENCHMARKS.md.

Usage: python benches/report.py threads1.json [threads2.json ...]
Each group's rows are the implementations side by side (min of the rounds); the ratio column is
each implementation's min time over driftline's in the same group and run.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict


def _key(b: dict) -> tuple[str, str]:
    """(group label, implementation): the `impl` parameter names the implementation, the other
    parameters (size, k, shape...) complete the group so rows compare like with like."""
    params = dict(b.get("params") or {})
    impl = str(params.pop("impl", b["name"]))
    extra = ", ".join(f"{k}={v}" for k, v in params.items())
    return (f"{b['group']} ({extra})" if extra else b["group"] or b["name"]), impl


def table(path: str) -> str:
    doc = json.load(open(path))
    groups: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for b in doc["benchmarks"]:
        group, impl = _key(b)
        groups[group].append((impl, b["stats"]["min"]))
    lines = ["| group | implementation | min time | ratio to driftline |", "|---|---|---|---|"]
    for group in sorted(groups):
        rows = sorted(groups[group], key=lambda r: r[1])
        ours = next((t for impl, t in rows if impl == "driftline"), None)
        for impl, t in rows:
            ratio = f"{t / ours:.2f}x" if ours else ""
            lines.append(f"| {group} | {impl} | {_fmt(t)} | {ratio} |")
    return "\n".join(lines)


def _fmt(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} µs"


if __name__ == "__main__":
    print("\n\n".join(table(p) for p in sys.argv[1:]))
