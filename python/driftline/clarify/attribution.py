"""The parts of SageMaker Clarify's analysis configuration the attribution monitor reads.

A Clarify ``analysis_config.json`` works as it is: ``headers`` (the dataset's columns),
``label`` (the target column, never explained), ``methods.shap``: ``baseline`` (background
rows, a list of lists or a file path), ``num_samples``, ``agg_method`` (``mean_abs`` (default),
``median``, ``mean_sq``), ``seed``, ``use_logit``, ``save_local_shap_values``, ``num_clusters``
(k-means background size when there is no ``baseline``), and ``predictor.label_headers`` (names
of the model's outputs). Unknown fields are ignored. The bias fields of the same file (label
values, facets, methods) are read by :mod:`driftline.clarify.config`; an explainability-only
configuration needs none of them.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from driftline.errors import InvalidInputError

__all__ = ["AGG_METHODS", "AggMethod", "AttributionConfig", "load_config"]

AggMethod = Literal["mean_abs", "median", "mean_sq"]
AGG_METHODS: tuple[AggMethod, ...] = ("mean_abs", "median", "mean_sq")


@dataclass
class AttributionConfig:
    headers: list[str] | None = None
    label: str | None = None
    baseline: list[list[Any]] | str | None = None
    num_samples: int | None = None
    agg_method: AggMethod = "mean_abs"
    seed: int = 0
    use_logit: bool = False
    save_local_shap_values: bool = False
    num_clusters: int | None = None
    label_headers: list[str] | None = None
    source: str = "the analysis config"
    base_dir: Path = field(default_factory=Path)

    def features(self, columns: list[str]) -> list[str]:
        """The features to explain: ``headers`` without the label, else the data's columns
        without the label."""
        names = self.headers if self.headers is not None else columns
        return [n for n in names if n != self.label]

    def labels(self, n_outputs: int) -> list[str]:
        """Names of the model's outputs: ``predictor.label_headers`` when they match, else
        ``label0``, ``label1``, ... as Clarify writes them."""
        if self.label_headers is not None and len(self.label_headers) == n_outputs:
            return list(self.label_headers)
        return [f"label{i}" for i in range(n_outputs)]


def _fail(source: str, field_: str, msg: str) -> InvalidInputError:
    return InvalidInputError(f"{source}: {field_} {msg}")


def load_config(config: str | os.PathLike[str] | dict[str, Any] | AttributionConfig | None) -> AttributionConfig:
    """Read the attribution fields of a Clarify analysis configuration (a JSON file, or the parsed
    dict). Bad fields are :class:`InvalidInputError` naming the file and the field."""
    if isinstance(config, AttributionConfig):
        return config
    if config is None:
        return AttributionConfig()
    base = Path()
    if isinstance(config, dict):
        doc, source = config, "the analysis config"
    else:
        path = Path(config)
        source, base = str(path), path.parent
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidInputError(f"the analysis config {source} does not exist") from None
        except (OSError, ValueError) as e:
            raise InvalidInputError(f"the analysis config {source} is not readable JSON: {e}") from None
    if not isinstance(doc, dict):
        raise InvalidInputError(f"{source}: must be a JSON object")
    out = AttributionConfig(source=source, base_dir=base)
    headers = doc.get("headers")
    if headers is not None:
        if not (isinstance(headers, list) and all(isinstance(h, str) for h in headers)):
            raise _fail(source, "headers", "must be a list of column names")
        out.headers = list(headers)
    label = doc.get("label")
    if label is not None:
        if isinstance(label, int) and not isinstance(label, bool) and out.headers is not None and 0 <= label < len(out.headers):
            label = out.headers[label]
        if not isinstance(label, str):
            raise _fail(source, "label", "must be a column name (or an index into headers)")
        out.label = label
    methods = doc.get("methods") or {}
    if not isinstance(methods, dict):
        raise _fail(source, "methods", "must be a JSON object")
    shap = methods.get("shap") or {}
    if not isinstance(shap, dict):
        raise _fail(source, "methods.shap", "must be a JSON object")
    bl = shap.get("baseline")
    if bl is not None:
        if isinstance(bl, str):
            out.baseline = bl
        elif isinstance(bl, list) and bl and all(isinstance(r, list) for r in bl):
            out.baseline = [list(r) for r in bl]
        else:
            raise _fail(source, "methods.shap.baseline", "must be a list of rows (lists) or a file path")
    for name in ("num_samples", "seed", "num_clusters"):
        v = shap.get(name)
        if v is None:
            continue
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        if not isinstance(v, int) or isinstance(v, bool) or v < (0 if name == "seed" else 1):
            raise _fail(source, f"methods.shap.{name}", f"must be a {'non-negative' if name == 'seed' else 'positive'} whole number, got {v!r}")
        setattr(out, name, v)
    agg = shap.get("agg_method", "mean_abs")
    if agg not in AGG_METHODS:
        raise _fail(source, "methods.shap.agg_method", f"must be one of {', '.join(AGG_METHODS)}, got {agg!r}")
    out.agg_method = cast(AggMethod, agg)
    for name in ("use_logit", "save_local_shap_values"):
        v = shap.get(name, False)
        if not isinstance(v, bool):
            raise _fail(source, f"methods.shap.{name}", f"must be true or false, got {v!r}")
        setattr(out, name, v)
    predictor = doc.get("predictor") or {}
    if isinstance(predictor, dict) and isinstance(predictor.get("label_headers"), list):
        out.label_headers = [str(h) for h in predictor["label_headers"]]
    return out

