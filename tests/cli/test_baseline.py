"""`driftline baseline`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from driftline.cli import main



def test_nested_json_lines_are_refused_naming_the_column(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = [json.dumps({"a": i, "tags": ["x", "y"], "meta": {"k": 1}}) for i in range(5)]
    (tmp_path / "nested.jsonl").write_text("\n".join(rows) + "\n")
    assert main(["baseline", "--data", str(tmp_path / "nested.jsonl"), "--out", str(tmp_path / "b")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and ("tags" in err[0] or "meta" in err[0]) and "nested.jsonl" in err[0], err
    assert not (tmp_path / "b").exists() or not list((tmp_path / "b").iterdir())
