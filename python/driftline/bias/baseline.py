"""``suggest_bias_baseline``: Clarify's ``analysis.json`` of a baseline table, and the
``constraints.json`` the bias monitor compares windows against.

SageMaker's bias-drift monitor uses the baseline job's ``analysis.json`` as its constraints
(``../shared/research/sagemaker_model_monitor.md`` §5.2): ``constraints.json`` is the same
document with ``"version": "1.0"``; each metric's baseline value is the bound a window's value
may not be worse than (farther from the parity point: 0, or 1 for DI).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from driftline._outputs import OutputFolder
from driftline.bias.report import BiasAnalysis, analyze, to_frame
from driftline.clarify.config import AnalysisConfig, load_analysis_config
from driftline.errors import InvalidInputError
from driftline.formats.clarify import AnalysisDoc

__all__ = ["BASELINE_FILES", "BiasBaseline", "load_bias_baseline", "read_table_or_frame", "suggest_bias_baseline"]

BASELINE_FILES = ("analysis.json", "constraints.json")


@dataclass
class BiasBaseline:
    """A bias baseline: its analysis (``analysis.json``) and constraints (``constraints.json``)."""

    analysis: AnalysisDoc
    constraints: AnalysisDoc
    rows: int = 0

    def write(self, out: str | Path, inputs: list[Any] | None = None) -> list[str]:
        OutputFolder(out, BASELINE_FILES, "bias baseline", inputs=inputs or [], argument="out (--out)").publish(
            {"analysis.json": self.analysis, "constraints.json": self.constraints})
        return list(BASELINE_FILES)


def read_table_or_frame(data: Any, has_header: bool = True) -> tuple[Any, str]:
    """A Polars frame from a table path or an in-memory table, and its name for messages."""
    if isinstance(data, str | Path):
        from driftline.io import read_table

        return read_table(data, has_header=has_header).frame, f"data {str(data)!r}"
    return to_frame(data), "the data"


def _config(config: str | Path | AnalysisConfig) -> AnalysisConfig:
    return config if isinstance(config, AnalysisConfig) else load_analysis_config(config)


def suggest_bias_baseline(data: Any, config: str | Path | AnalysisConfig, *, out: str | Path | None = None,
                          has_header: bool = True) -> BiasBaseline:
    """Compute Clarify's bias metrics of ``data`` (a table path: CSV, Parquet, JSON Lines; or a
    Polars / pandas frame holding the label, the facets and, for post-training metrics, the
    predicted label or probability column named in ``config``: an analysis configuration file or
    :class:`~driftline.clarify.AnalysisConfig`). Writes ``analysis.json`` and ``constraints.json``
    to ``out`` when given. Bad configuration or a missing column raises
    :class:`~driftline.errors.InvalidInputError`; a metric undefined for the data is null with
    its reason."""
    cfg = _config(config)
    folder = None if out is None else OutputFolder(out, BASELINE_FILES, "bias baseline", inputs=[data, config] if isinstance(data, str | Path) else [config], argument="out (--out)")
    frame, source = read_table_or_frame(data, has_header)
    analysis: BiasAnalysis = analyze(frame, cfg, source=source)
    doc = analysis.to_json()
    base = BiasBaseline(doc, AnalysisDoc(version="1.0", **doc), analysis.rows)
    if folder is not None:
        folder.publish({"analysis.json": base.analysis, "constraints.json": base.constraints})
    return base


def load_bias_baseline(path: str | Path) -> BiasBaseline:
    """A bias baseline folder (``constraints.json``, else ``analysis.json``) or file."""
    p = Path(path)
    file = p / "constraints.json" if (p / "constraints.json").exists() else p / "analysis.json" if p.is_dir() else p
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except OSError as e:
        raise InvalidInputError(f"bias baseline {str(file)!r} cannot be read: {e.strerror or e}") from None
    except ValueError as e:
        raise InvalidInputError(f"bias baseline {str(file)!r} is not JSON: {e}") from None
    if not isinstance(doc, dict) or not any(k in doc for k in ("pre_training_bias_metrics", "post_training_bias_metrics")):
        raise InvalidInputError(f"bias baseline {str(file)!r} has neither 'pre_training_bias_metrics' nor 'post_training_bias_metrics'")
    for stage in ("pre_training_bias_metrics", "post_training_bias_metrics"):
        if stage in doc and not isinstance(doc[stage].get("facets") if isinstance(doc[stage], dict) else None, dict):
            raise InvalidInputError(f"bias baseline {str(file)!r}: field '{stage}.facets' must be an object")
    return BiasBaseline(doc, doc)  # type: ignore[arg-type]
