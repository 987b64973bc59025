"""A compact, versioned, pickle-free serialisation of :class:`~driftline.profile.Profile`.

This is how a Spark task's partial profile travels to the driver (one binary cell per
partition), and it works anywhere else a profile has to cross a process boundary.

Layout (all integers little-endian)::

    b"DLPROF"            magic, 6 bytes
    u8                   format version (FORMAT_VERSION)
    u32                  length H of the header
    H bytes              zlib-compressed UTF-8 JSON header (counts, types, categories, ...)
    ...                  binary blobs the header points to by (offset, length), offsets
                         counted from the end of the header:
                         - moments: the core's Moments state as float64 (exact, no text round trip)
                         - kll: KllSketch.to_bytes() (the core's own versioned, checksummed form)
                         - kmv: the k-minimum-values hashes as uint64

Everything round-trips exactly: counts, float state bit for bit, categories, sketch bytes.
Nothing is unpickled, so bytes from an untrusted place can at worst fail to parse
(:class:`~driftline.errors.InvalidInputError`).
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

import numpy as np

from driftline._core import Moments
from driftline.errors import InvalidInputError
from driftline.profile import TYPE_NAMES, ColumnProfile, Profile
from driftline.stats import KllSketch

__all__ = ["FORMAT_VERSION", "MAGIC", "column_from_dict", "column_to_dict", "profile_from_bytes", "profile_to_bytes"]

MAGIC = b"DLPROF"
FORMAT_VERSION = 1
_PREFIX = struct.Struct("<6sBI")


class _Blobs:
    """Binary blobs appended after the header, addressed by (offset, length)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0

    def add(self, data: bytes) -> list[int]:
        ref = [self.size, len(data)]
        self.parts.append(data)
        self.size += len(data)
        return ref


def column_to_dict(col: ColumnProfile, blobs: _Blobs) -> dict[str, Any]:
    """One column's header entry; its binary parts go to ``blobs``."""
    entry: dict[str, Any] = {
        "name": col.name,
        "null": col.num_null,
        "nan": col.num_nan,
        "inf": col.num_inf,
        "types": [col.type_counts[t] for t in TYPE_NAMES],
        "cats": [list(col.category_counts), list(col.category_counts.values())],
        "nonfinite": [list(col.nonfinite_text), list(col.nonfinite_text.values())],
        "exact": col.categories_exact,
        "cap": col.category_cap,
        "k": col.kll_k,
        "c": col.kll_c,
        "kmv": blobs.add(np.ascontiguousarray(col.kmv, dtype="<u8").tobytes()),
    }
    if col.moments is not None:
        entry["moments"] = blobs.add(np.asarray(col.moments.to_state(), dtype="<f8").tobytes())
    if col.kll is not None:
        entry["kll"] = blobs.add(col.kll.to_bytes())
    return entry


def _blob(body: memoryview, ref: Any, what: str) -> memoryview:
    if not (isinstance(ref, list) and len(ref) == 2 and all(isinstance(v, int) and v >= 0 for v in ref)) or ref[0] + ref[1] > len(body):
        raise InvalidInputError(f"profile bytes: {what} points outside the data")
    return body[ref[0] : ref[0] + ref[1]]


def column_from_dict(entry: dict[str, Any], body: memoryview) -> ColumnProfile:
    """The column a header entry describes (its blobs read from ``body``)."""
    name = entry["name"]
    col = ColumnProfile(name, num_null=int(entry["null"]), num_nan=int(entry["nan"]), num_inf=int(entry["inf"]),
                        category_cap=int(entry["cap"]), kll_k=int(entry["k"]), kll_c=float(entry["c"]))
    types = entry["types"]
    if len(types) != len(TYPE_NAMES):
        raise InvalidInputError(f"profile bytes: column {name!r} has {len(types)} type counts, expected {len(TYPE_NAMES)}")
    col.type_counts = {t: int(v) for t, v in zip(TYPE_NAMES, types, strict=True)}
    keys, counts = entry["cats"]
    col.category_counts = {str(k): int(v) for k, v in zip(keys, counts, strict=True)}
    keys, counts = entry["nonfinite"]
    col.nonfinite_text = {str(k): int(v) for k, v in zip(keys, counts, strict=True)}
    col.categories_exact = bool(entry["exact"])
    kmv = _blob(body, entry["kmv"], f"column {name!r} kmv")
    if len(kmv) % 8:
        raise InvalidInputError(f"profile bytes: column {name!r} kmv is not a whole number of uint64")
    col.kmv = np.frombuffer(kmv, dtype="<u8").astype(np.uint64)
    if "moments" in entry:
        state = np.frombuffer(_blob(body, entry["moments"], f"column {name!r} moments"), dtype="<f8")
        col.moments = Moments.from_state([float(v) for v in state])
    if "kll" in entry:
        col.kll = KllSketch.from_bytes(bytes(_blob(body, entry["kll"], f"column {name!r} kll")))
    return col


def profile_to_bytes(profile: Profile, *, level: int = 1) -> bytes:
    """The profile as bytes (``level``: zlib level of the header; the blobs are stored as they are)."""
    blobs = _Blobs()
    header = {
        "item_count": profile.item_count,
        "bad_records": profile.bad_records,
        "kll_k": profile.kll_k,
        "kll_c": profile.kll_c,
        "category_cap": profile.category_cap,
        "columns": [column_to_dict(c, blobs) for c in profile.columns.values()],
    }
    packed = zlib.compress(json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8"), level)
    return b"".join([_PREFIX.pack(MAGIC, FORMAT_VERSION, len(packed)), packed, *blobs.parts])


def profile_from_bytes(data: bytes | bytearray | memoryview) -> Profile:
    """The profile :func:`profile_to_bytes` wrote. Raises :class:`InvalidInputError` on bytes that
    are not a driftline profile or come from a newer format version."""
    view = memoryview(data)
    if len(view) < _PREFIX.size:
        raise InvalidInputError(f"profile bytes: {len(view)} bytes is too short to be a driftline profile")
    magic, version, size = _PREFIX.unpack_from(view)
    if magic != MAGIC:
        raise InvalidInputError("profile bytes: not a driftline profile (bad magic)")
    if version != FORMAT_VERSION:
        raise InvalidInputError(f"profile bytes: format version {version}, this driftline reads version {FORMAT_VERSION}")
    start = _PREFIX.size
    if start + size > len(view):
        raise InvalidInputError("profile bytes: truncated header")
    try:
        header = json.loads(zlib.decompress(view[start : start + size]).decode("utf-8"))
        body = view[start + size :]
        p = Profile(item_count=int(header["item_count"]), kll_k=int(header["kll_k"]), kll_c=float(header["kll_c"]),
                    category_cap=int(header["category_cap"]), bad_records=int(header["bad_records"]))
        for entry in header["columns"]:
            col = column_from_dict(entry, body)
            p.columns[col.name] = col
    except InvalidInputError:
        raise
    except (zlib.error, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as e:
        raise InvalidInputError(f"profile bytes: corrupt ({type(e).__name__}: {e})") from None
    return p
