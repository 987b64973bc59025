"""The run lifecycle every monitor shares (driftline.runs): how a body's end becomes a status,
what a failure keeps, and what is written."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from driftline._outputs import OutputFolder
from driftline.errors import BadRecordError, InvalidArgumentError, InvalidInputError
from driftline.io.records import BadRecord, BadRecords
from driftline.runs import KeepPartialResults, Run, execute

FILES = ("result.json", "monitoring_run.json")


@dataclass
class _Run(Run):
    result: dict[str, Any] = field(default_factory=dict)

    def discard(self) -> None:
        self.result = {}

    def output_files(self) -> dict[str, Any]:
        return {} if self.status == "Failed" else {"result.json": self.result}

    def summary(self) -> dict[str, Any]:
        return {**super().summary(), "bad_records": self.bad_records, "kept": bool(self.result)}


def _record(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "monitoring_run.json").read_text())  # type: ignore[no-any-return]


def test_a_body_that_ends_well_completes_and_writes_its_files(tmp_path: Path) -> None:
    run = _Run()

    def body() -> None:
        run.result = {"x": 1}
        run.violations = ["v"]

    execute(run, OutputFolder(tmp_path / "o", FILES, "test run"), body)
    assert run.status == "CompletedWithViolations" and run.reason == "Job completed successfully with 1 violations."
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["monitoring_run.json", "result.json"]
    assert list(_record(tmp_path / "o"))[:2] == ["status", "reason"]


def test_bad_input_fails_with_its_reason_and_a_bug_is_named_internal(tmp_path: Path) -> None:
    for error, reason in ((InvalidInputError("column 'a' is empty"), "column 'a' is empty"),
                          (KeyError("oops"), "internal error: KeyError: 'oops'")):
        run = _Run()

        def body(e: Exception = error) -> None:
            run.result = {"partial": True}
            run.violations = ["v"]
            raise e

        out = tmp_path / type(error).__name__
        execute(run, OutputFolder(out, FILES, "test run"), body)
        assert run.status == "Failed" and run.reason == reason
        assert run.result == {} and run.violations == []  # a failed run reports nothing it computed
        assert [p.name for p in out.iterdir()] == ["monitoring_run.json"]


def test_bad_records_are_counted_when_the_read_fails() -> None:
    first = BadRecord(file="f.jsonl", line=3, kind="json", message="truncated")
    report = BadRecords(total=2, counts={**BadRecords().counts, "json": 2}, records=(first,), files=1)
    run = _Run()

    def body() -> None:
        raise BadRecordError(report)

    execute(run, None, body)
    assert run.status == "Failed" and run.bad_records == 2 and "2 bad records" in run.reason


def test_keep_partial_results_fails_but_keeps_what_was_computed() -> None:
    run = _Run()

    def body() -> None:
        run.result = {"estimate": 0.4}
        raise KeepPartialResults("no labels yet")

    execute(run, None, body)
    assert run.status == "Failed" and run.reason == "no labels yet" and run.result == {"estimate": 0.4}


def test_outputs_that_cannot_be_written_fail_the_run_and_leave_only_its_record(tmp_path: Path) -> None:
    run = _Run()

    def body() -> None:
        run.result = {"x": float("nan")}  # JSON has no NaN: writing it fails

    execute(run, OutputFolder(tmp_path / "o", FILES, "test run"), body)
    assert run.status == "Failed" and run.reason.startswith("writing the outputs failed: ")
    assert [p.name for p in (tmp_path / "o").iterdir()] == ["monitoring_run.json"]
    assert _record(tmp_path / "o")["status"] == "Failed"


def test_an_unknown_file_is_a_bug_in_the_monitor(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not an output"):
        OutputFolder(tmp_path / "o", FILES, "test run").publish({"other.json": {}})


def test_a_subfolder_entry_is_written_raw_and_replaced_whole(tmp_path: Path) -> None:
    names = ("a.json", "sub")
    out = tmp_path / "o"
    OutputFolder(out, names, "test run").publish({"a.json": {"x": 1}, "sub/one.csv": b"x\n1\n", "sub/two.csv": b"y\n"})
    assert (out / "sub/one.csv").read_bytes() == b"x\n1\n" and (out / "sub/two.csv").read_bytes() == b"y\n"
    # the next run's subfolder replaces the earlier one whole: no stale file inside it
    OutputFolder(out, names, "test run").publish({"a.json": {"x": 2}, "sub/one.csv": b"x\n2\n"})
    assert sorted(p.name for p in (out / "sub").iterdir()) == ["one.csv"]
    # a run that does not write it removes it; nothing else is left behind (no staging folder)
    OutputFolder(out, names, "test run").publish({"a.json": {"x": 3}})
    assert sorted(p.name for p in out.iterdir()) == ["a.json"]
    # a name outside the output's entries, or climbing out of it, is a bug in the caller
    for bad in ("other/one.csv", "sub/../../escape.csv", "/abs.csv"):
        with pytest.raises(ValueError, match="not an output"):
            OutputFolder(out, names, "test run").publish({bad: b""})
    assert sorted(p.name for p in out.iterdir()) == ["a.json"] and not (tmp_path / "escape.csv").exists()
    # a user's file in the folder is still refused before any work
    (out / "mine.txt").write_text("keep")
    with pytest.raises(InvalidArgumentError, match="mine.txt"):
        OutputFolder(out, names, "test run")
