"""Output folders: what a command may write where, staged and atomic.

One rule for every command that writes a folder (baselines and monitor runs): the folder must
be new, empty, or hold only files this kind of output writes (an earlier run of the same kind,
which the new one replaces). A folder holding anything else (a baseline's ``constraints.json``
beside a monitor's output, captured data, a user's files) is refused before any work is done,
so a run can never overwrite or delete a file it did not write. Files are written to a staging
folder inside the output folder and renamed into place only when all of them are written.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from driftline.errors import InvalidArgumentError

__all__ = ["OutputFolder", "finite_or_none", "write_json"]


def finite_or_none(x: float | None) -> float | None:
    """A number for a JSON document: ``None`` (``null``) for a missing or non-finite value, since
    JSON has no NaN or infinity."""
    return None if x is None or not math.isfinite(x) else float(x)


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (temporary file in the same folder, then rename), deterministically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(obj, f, indent=2, ensure_ascii=False, allow_nan=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _paths(inputs: Iterable[Any]) -> list[Path]:
    out = []
    for i in inputs:
        if isinstance(i, str | os.PathLike):
            try:
                out.append(Path(i).resolve())
            except (OSError, RuntimeError):
                continue
    return out


def _other_kind(folder: Path, what: str) -> str | None:
    """Data-quality and model-quality baselines share file names: the other kind's folder, told
    apart by its constraints.json, is not an earlier output of this kind."""
    if what not in ("baseline", "model-quality baseline"):
        return None
    try:
        doc = json.loads((folder / "constraints.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict):
        return None
    model_quality = any(k.endswith("_constraints") for k in doc)
    if what == "baseline" and model_quality:
        return "model-quality baseline"
    if what == "model-quality baseline" and "features" in doc and not model_quality:
        return "data-quality baseline"
    return None


class OutputFolder:
    """The folder ``out`` for an output of kind ``what`` (e.g. ``"monitor run"``) made of the
    files ``names``. Construction checks the folder (raises :class:`InvalidArgumentError`
    naming the path and the reason); :meth:`publish` writes the files atomically."""

    def __init__(self, out: str | os.PathLike[str], names: Collection[str], what: str, inputs: Iterable[Any] = (),
                 argument: str = "out") -> None:
        self.path = Path(out)
        self.names = frozenset(names)
        self.what = what
        where = f"{argument} {str(self.path)!r}"
        if self.path.exists() and not self.path.is_dir():
            raise InvalidArgumentError(f"{where} is a file, not a folder")
        resolved = self.path.resolve()
        for src in _paths(inputs):
            if resolved == src or (src.is_dir() and src in resolved.parents):
                raise InvalidArgumentError(f"{where} is inside the input {str(src)!r}: choose a folder of its own")
        if self.path.is_dir():
            try:
                entries = sorted(os.listdir(self.path))
            except OSError as e:
                raise InvalidArgumentError(f"{where} cannot be read: {e.strerror}") from None
            foreign = [e for e in entries if e not in self.names and not e.startswith(".staging-")]
            other = _other_kind(self.path, what)
            if not foreign and other:
                raise InvalidArgumentError(f"{where} holds a {other}, not a {what}: a {what} never replaces it")
            if foreign:
                shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise InvalidArgumentError(
                    f"{where} already holds files a {what} does not write ({shown}); a {what} writes only into a new, empty "
                    f"or earlier {what}'s folder, so it never overwrites or deletes another file")
        else:
            # created only when there is something to write (a command that fails leaves no empty
            # folder), but tried now, so a path that cannot be made is refused before any work
            made = [p for p in [self.path.absolute(), *self.path.absolute().parents] if not p.exists()]
            try:
                self.path.mkdir(parents=True)
            except FileExistsError:
                raise InvalidArgumentError(f"{where} cannot be created: a part of the path is a file") from None
            except NotADirectoryError:
                raise InvalidArgumentError(f"{where} cannot be created: a part of the path is a file") from None
            except OSError as e:
                raise InvalidArgumentError(f"{where} cannot be created: {e.strerror}") from None
            for p in made:  # deepest first
                p.rmdir()
            return
        if not os.access(self.path, os.W_OK | os.X_OK):
            raise InvalidArgumentError(f"{where} is not writable")

    def publish(self, files: Mapping[str, Any]) -> None:
        """Write ``files`` into the folder: name -> JSON document, or -> ``bytes`` written as they
        are (a CSV, say). A name may sit in a subfolder (``explanations_shap/out.csv``) whose name
        is one of the output's entries; such a subfolder is replaced as a whole. All files are
        staged first, then renamed into place; an earlier run's entries of this kind that this one
        does not write are removed (they would describe another run). If writing a file fails,
        nothing in the folder has changed."""
        top = {name.split("/", 1)[0] for name in files}
        unknown = top - self.names
        if unknown or any(".." in name.split("/") or name.startswith("/") for name in files):
            raise ValueError(f"not an output of a {self.what}: {sorted(files)}")  # a bug in the caller
        try:
            self.path.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise InvalidArgumentError(f"{self.path} cannot be created: {e.strerror}") from None
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.path))
        try:
            for name, doc in files.items():
                if isinstance(doc, bytes | bytearray):
                    _write_bytes(staging / name, bytes(doc))
                else:
                    write_json(staging / name, doc)
            for name in sorted(self.names - top):
                _remove(self.path / name)
            # the run's record last: when it is there, the files it describes are too
            for name in sorted(top, key=lambda n: (n == "monitoring_run.json", n)):
                target = self.path / name
                if (staging / name).is_dir():
                    _remove(target)  # an earlier run's subfolder of this name: replaced whole
                os.replace(staging / name, target)
        finally:
            shutil.rmtree(staging, ignore_errors=True)


def _write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _remove(path: Path) -> None:
    """Remove an entry an earlier output of the same kind wrote (a file or one of its subfolders)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
