"""Line-level reading shared by the capture and table readers: numbered lines (invalid UTF-8
reported, not fatal), blocks of whole lines for streaming, and JSON decoding that finds the bad
lines without parsing the good ones in Python."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from driftline.errors import InvalidInputError

# (index in the input, kind, message) of a line that could not be used.
LineFault = tuple[int, str, str]


def read_numbered_lines(data: str | Path | bytes, first_line: int = 1) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """Lines of a file or buffer as a frame ``{"line": Int64 (1-based), "text": String}``, with
    the trailing ``\\r`` of CRLF files removed, plus ``(line, message)`` for lines that are not
    UTF-8 (they are left out of the frame)."""
    try:
        frame = pl.read_lines(data, name="text", row_index_name="line", row_index_offset=first_line)
    except pl.exceptions.ComputeError as exc:
        if "utf8" not in str(exc).lower() and "utf-8" not in str(exc).lower():
            raise
        return _read_lines_lossy(data, first_line)
    except OSError as exc:
        raise InvalidInputError(f"cannot read {data!s}: {exc}") from exc
    frame = frame.with_columns(pl.col("line").cast(pl.Int64), pl.col("text").str.strip_suffix("\r"))
    return frame, []


def _read_lines_lossy(data: str | Path | bytes, first_line: int) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    # Only reached when some line is not UTF-8: a Python pass to say which lines.
    raw = data if isinstance(data, bytes) else Path(data).read_bytes()
    parts = raw.split(b"\n")
    if parts and parts[-1] == b"":
        parts.pop()
    lines: list[int] = []
    texts: list[str] = []
    bad: list[tuple[int, str]] = []
    for i, part in enumerate(parts, start=first_line):
        try:
            texts.append(part.decode("utf-8").removesuffix("\r"))
            lines.append(i)
        except UnicodeDecodeError as exc:
            bad.append((i, f"not UTF-8 text (byte {exc.start + 1} of the line)"))
    frame = pl.DataFrame({"line": lines, "text": texts}, schema={"line": pl.Int64, "text": pl.String})
    return frame, bad


def iter_line_blocks(path: str | Path, block_bytes: int, quote: bytes | None = None) -> Iterator[tuple[int, bytes]]:
    """Yield ``(number of the block's first line, block)``; each block is whole lines, about
    ``block_bytes`` long. With ``quote``, a block never ends inside a quoted field (the count of
    quote characters before the cut is even, which also holds for doubled ``""`` escapes)."""
    line = 1
    buffer = b""
    with open(path, "rb") as fh:
        while True:
            chunk = fh.read(block_bytes)
            if not chunk:
                break
            buffer += chunk
            cut = _cut(buffer, quote)
            if cut <= 0:
                continue
            block, buffer = buffer[:cut], buffer[cut:]
            yield line, block
            line += block.count(b"\n")
    if buffer:
        yield line, buffer


def _cut(buffer: bytes, quote: bytes | None) -> int:
    """Length of the longest prefix of whole lines that does not end inside a quoted field."""
    end = buffer.rfind(b"\n")
    if end < 0 or quote is None:
        return end + 1
    quotes = buffer.count(quote, 0, end)
    while quotes % 2:
        prev = buffer.rfind(b"\n", 0, end)
        if prev < 0:
            return 0
        quotes -= buffer.count(quote, prev, end)
        end = prev
    return end + 1


def decode_json_lines(texts: pl.Series, dtype: pl.DataType) -> tuple[pl.Series, list[LineFault]]:
    """``texts.str.json_decode(dtype)``, with the lines that fail (invalid JSON, or JSON whose
    shape does not fit ``dtype``) set to null and returned as faults.

    Polars decodes all lines in Rust; one bad line fails the whole call, so a failing range is
    cut in 16 and only the failing parts are decoded again (about 1.1 extra passes over the input
    for one bad line); failing ranges of at most 64 lines are checked line by line, with Python's
    parser telling truncated JSON from a wrong shape.
    """
    faults: list[LineFault] = []
    pieces = _decode_range(texts, dtype, 0, faults)
    faults.sort()
    # One chunk: Polars 2.1 can panic evaluating when/then over a struct column of several chunks.
    return (pl.concat(pieces).rechunk() if pieces else pl.Series(texts.name, [], dtype=dtype)), faults


_SMALL = 64
_PARTS = 16


def _decode_range(texts: pl.Series, dtype: pl.DataType, offset: int, faults: list[LineFault]) -> list[pl.Series]:
    try:
        return [texts.str.json_decode(dtype)]
    except pl.exceptions.PolarsError as exc:
        if len(texts) > _SMALL:
            step = -(-len(texts) // _PARTS)
            pieces: list[pl.Series] = []
            for start in range(0, len(texts), step):
                pieces.extend(_decode_range(texts[start : start + step], dtype, offset + start, faults))
            return pieces
        return _decode_small(texts, dtype, offset, faults, str(exc).splitlines()[0])


def _decode_small(texts: pl.Series, dtype: pl.DataType, offset: int, faults: list[LineFault], error: str) -> list[pl.Series]:
    # Lines Python's parser rejects are faults at once; the others are decoded together, and one
    # by one only if that still fails (a JSON object of the wrong shape).
    values = texts.to_list()
    python_faults = {i: json_fault(text) for i, text in enumerate(values)}
    ok = pl.Series([python_faults[i] is None for i in range(len(values))])
    faults.extend((offset + i, *fault) for i, fault in python_faults.items() if fault is not None)
    try:
        decoded = texts.filter(ok).str.json_decode(dtype)
        it = iter(decoded)
        return [pl.Series(texts.name, [next(it) if keep else None for keep in ok], dtype=dtype)]
    except pl.exceptions.PolarsError:
        pass
    pieces: list[pl.Series] = []
    for i, text in enumerate(values):
        one = texts[i : i + 1]
        if python_faults[i] is None:
            try:
                pieces.append(one.str.json_decode(dtype))
                continue
            except pl.exceptions.PolarsError as exc:
                error = str(exc).splitlines()[0]
            faults.append((offset + i, *classify_json_line(text, error)))
        pieces.append(pl.Series(texts.name, [None], dtype=dtype))
    return pieces


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def json_fault(text: str) -> tuple[str, str] | None:
    """``(kind, message)`` when a line is not a JSON object: ``json`` when it is not JSON at all
    (truncated, invalid, NaN), ``schema`` when it is JSON but not an object; None for an object."""
    try:
        value = json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        truncated = exc.pos >= len(text.rstrip()) or exc.msg.startswith("Unterminated string")
        what = "truncated JSON" if truncated else "invalid JSON"
        return "json", f"{what}: {exc.msg} at column {exc.colno}"
    except (ValueError, RecursionError) as exc:
        return "json", f"invalid JSON: {exc}"
    if not isinstance(value, dict):
        return "schema", f"a JSON {_json_type(value)}, not a JSON object"
    return None


def classify_json_line(text: str, decoder_error: str = "") -> tuple[str, str]:
    """``(kind, message)`` for a line a JSON decoder rejected."""
    fault = json_fault(text)
    if fault is not None:
        return fault
    detail = f" ({decoder_error})" if decoder_error else ""
    return "schema", f"JSON object whose fields have unexpected types{detail}"


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if value is None:
        return "null"
    return "number"
