"""Flattening one captured payload into rows, for the payloads the vectorised CSV path does not
take (JSON, JSON Lines, CSV with quotes). Values stay text, as SageMaker's analyzer infers types
from text.

A row ("instance") is either *positional* (a list of values, named ``_c0, _c1, ...`` or by the
caller's names) or *keyed* (a flat object whose keys are column names).

Inputs (``endpointInput``):

- ``{"instances": [i0, i1, ...]}``: one row per instance (TensorFlow Serving's request format),
  where an instance is a list (positional), a flat object (keyed), ``{"features": [...]}``
  (positional: SageMaker's built-in algorithms' format) or a single value (one positional
  column).
- ``{"features": [...]}``: one positional row.
- any other object: one keyed row (a flat JSON record).
- a list of values: one positional row (like one CSV line); a list of lists or objects: one row
  per element.
- a single value: one row with one positional column.

Outputs (``endpointOutput``), where ``n`` is the number of input rows of the same record:

- ``{"predictions": [p0, p1, ...]}`` or a bare list: one output row per element (a value, list
  or object, as for instances), except that a list of values answering a single input row is one
  row of positional outputs (e.g. class probabilities).
- any other object (e.g. ``{"score": 0.3, "predicted_label": 1}``): one keyed row.
- a single value: one row with one positional column.

JSON Lines payloads (content type ``application/jsonlines``): each line is read by the rules
above and the rows are concatenated. Numbers keep their source text (``1.50`` stays ``"1.50"``),
booleans become ``"true"``/``"false"``, nested lists or objects inside a row become compact JSON
text, and JSON null is a missing value.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Union

Value = Union[str, None]
Row = Union[list[Value], dict[str, Value]]


class PayloadError(ValueError):
    """The payload cannot be read; the message says why."""


class _Num(str):
    """A JSON number, kept as its source text."""

    __slots__ = ()


def _reject_constant(name: str) -> object:
    raise PayloadError(f"{name} is not valid JSON")


_DECODER = json.JSONDecoder(parse_int=_Num, parse_float=_Num, parse_constant=_reject_constant)


def loads(text: str) -> object:
    try:
        return _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        raise PayloadError(f"JSON payload is not valid JSON: {exc.msg} at character {exc.pos + 1}") from exc
    except RecursionError as exc:
        raise PayloadError("JSON payload is nested too deeply") from exc


def _text(value: object) -> Value:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value  # also a _Num: a str, kept as it was written
    return _dump(value)


def _dump(value: object) -> str:
    """Compact JSON text of a nested value, numbers as they were written."""
    if isinstance(value, _Num):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ",".join(_dump(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _dump(v) for k, v in value.items()) + "}"
    raise PayloadError(f"unexpected JSON value {value!r}")  # pragma: no cover - json yields no other types


def _is_container(value: object) -> bool:
    return isinstance(value, list | dict)


def _row(value: object) -> Row:
    if isinstance(value, list):
        return [v if isinstance(v, str) else _text(v) for v in value]
    if isinstance(value, dict):
        features = value.get("features")
        if len(value) == 1 and isinstance(features, list):
            return [_text(v) for v in features]
        return {str(k): _text(v) for k, v in value.items()}
    return [_text(value)]


def _rows_of_list(items: list[object], what: str) -> list[Row]:
    kinds = {_is_container(v) for v in items}
    if kinds == {True, False}:
        raise PayloadError(f"{what} mixes rows (lists or objects) and single values")
    return [_row(v) for v in items]


def input_rows(doc: object) -> list[Row]:
    if isinstance(doc, dict):
        instances = doc.get("instances")
        if isinstance(instances, list):
            return _rows_of_list(instances, '"instances"')
        return [_row(doc)]
    if isinstance(doc, list):
        if all(not _is_container(v) for v in doc):
            return [[_text(v) for v in doc]] if doc else []
        return _rows_of_list(doc, "the list")
    return [_row(doc)]


def output_rows(doc: object, n_inputs: int) -> list[Row]:
    if isinstance(doc, dict):
        predictions = doc.get("predictions")
        if isinstance(predictions, list):
            return _per_input(predictions, n_inputs)
        return [_row(doc)]
    if isinstance(doc, list):
        return _per_input(doc, n_inputs)
    return [_row(doc)]


def _per_input(items: list[object], n_inputs: int) -> list[Row]:
    if n_inputs == 1 and items and all(not _is_container(v) for v in items):
        return [[_text(v) for v in items]]
    return _rows_of_list(items, "the predictions")


def json_rows(text: str, *, is_output: bool, n_inputs: int, json_lines: bool) -> list[Row]:
    """Rows of a JSON (or JSON Lines) payload."""
    docs = [loads(line) for line in text.splitlines() if line.strip()] if json_lines else [loads(text)]
    rows: list[Row] = []
    for doc in docs:
        rows.extend(output_rows(doc, 1 if json_lines else n_inputs) if is_output else input_rows(doc))
    return rows


def csv_rows(text: str) -> list[Row]:
    """Rows of a CSV payload with quoted fields (blank lines skipped, empty fields missing)."""
    try:
        parsed = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise PayloadError(f"CSV payload cannot be parsed: {exc}") from exc
    return [[v if v != "" else None for v in row] for row in parsed if row]
