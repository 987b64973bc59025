"""driftline.io.read_table / iter_batches: CSV (header or not), Parquet, JSON Lines and in-memory
tables; bad lines reported with file and line; bounded batches that add up to the whole table."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from driftline.errors import BadRecordError, InvalidArgumentError, InvalidInputError
from driftline.io import Batches, iter_batches, read_table
from driftline.io import tables as tables_module


@pytest.fixture
def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few dozen bytes, so small files cross many block boundaries."""
    monkeypatch.setattr(tables_module, "_MIN_BLOCK", 16)
    monkeypatch.setattr(tables_module, "_BYTES_PER_ROW_GUESS", 4)


# ---------------------------------------------------------------------------------------------
# CSV


def test_csv_with_header_reads_text(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text('a,b,c\r\n1,2.5,x\r\n\r\n4,,"y,z"\r\n7,"8","say ""hi"""\r\n')
    table = read_table(f)
    assert table.frame.columns == ["a", "b", "c"]
    assert table.frame.dtypes == [pl.String] * 3
    assert table.frame.rows() == [("1", "2.5", "x"), ("4", None, "y,z"), ("7", "8", 'say "hi"')]
    assert not table.bad_records and table.files == [str(f)]


def test_csv_without_header_names_columns_like_spark(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("0.9,1,a\n0.1,2,b\n")
    table = read_table(f, has_header=False)
    assert table.frame.columns == ["_c0", "_c1", "_c2"]
    assert table.frame.rows() == [("0.9", "1", "a"), ("0.1", "2", "b")]


def test_csv_types_inferred_when_asked(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text("i,f,s\n1,1.5,a\n2,,b\n3,1e3,3\n")
    frame = read_table(f, columns_as_strings=False).frame
    assert frame.schema == pl.Schema({"i": pl.Int64, "f": pl.Float64, "s": pl.String})
    assert frame["f"].to_list() == [1.5, None, 1000.0]


def test_csv_bad_lines_have_file_and_line(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_text('a,b\n1,2\n3\n"multi\nline",4\n5,6,7\n8,9\n')
    with pytest.raises(BadRecordError) as err:
        read_table(f)
    assert f"{f} line 3 (field_count): 1 field where the header ({f} line 1) has 2" in str(err.value)
    report = err.value.report
    assert [(r.line, r.kind) for r in report.records] == [(3, "field_count"), (6, "field_count")]
    table = read_table(f, on_bad_record="skip")
    assert table.frame.rows() == [("1", "2"), ("multi\nline", "4"), ("8", "9")]
    assert table.bad_records == report


def test_csv_header_problems(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y\n1,2\n")
    (tmp_path / "b.csv").write_text("x,z\n3,4\n")
    (tmp_path / "c.csv").write_text("x,x\n5,6\n")
    (tmp_path / "d.csv").write_text(",y\n7,8\n")
    with pytest.raises(BadRecordError, match=r"b.csv line 1 \(schema\)"):
        read_table(tmp_path)
    table = read_table(tmp_path, on_bad_record="skip")
    assert table.frame.rows() == [("1", "2")]
    assert [(Path(r.file).name, r.kind) for r in table.bad_records.records] == [("b.csv", "schema"), ("c.csv", "schema"), ("d.csv", "schema")]
    assert read_table(tmp_path / "d.csv").frame.columns == ["_c0", "y"]


def test_csv_not_utf8_line(tmp_path: Path) -> None:
    f = tmp_path / "t.csv"
    f.write_bytes(b"a\n1\n\xff\n2\n")
    table = read_table(f, on_bad_record="skip")
    assert table.frame["a"].to_list() == ["1", "2"]
    assert [(r.line, r.kind) for r in table.bad_records.records] == [(3, "payload")]


def test_empty_and_header_only_csv(tmp_path: Path) -> None:
    (tmp_path / "h.csv").write_text("a,b\n")
    assert read_table(tmp_path / "h.csv").frame.schema == pl.Schema({"a": pl.String, "b": pl.String})
    (tmp_path / "e.csv").write_text("")
    assert read_table(tmp_path / "e.csv").frame.height == 0


def test_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "2.csv").write_text("a\n3\n")
    (tmp_path / "1.csv").write_text("a\n1\n2\n")
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / "notes.txt").write_text("x")
    table = read_table(tmp_path)
    assert table.frame["a"].to_list() == ["1", "2", "3"]
    assert [Path(p).name for p in table.files] == ["1.csv", "2.csv"]
    listed = read_table([tmp_path / "sub" / "2.csv", str(tmp_path / "1.csv")])
    assert listed.frame["a"].to_list() == ["3", "1", "2"]
    with pytest.raises(InvalidInputError, match=r"notes.txt from its suffix: name it .csv, .parquet \(.pq\) or .jsonl"):
        read_table(tmp_path / "notes.txt")
    assert read_table(tmp_path / "notes.txt", format="csv", has_header=False).frame["_c0"].to_list() == ["x"]
    with pytest.raises(InvalidInputError):
        read_table(tmp_path / "missing.csv")
    with pytest.raises(InvalidArgumentError):
        read_table(tmp_path, format="xml")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError):
        read_table(42)


# ---------------------------------------------------------------------------------------------
# Parquet, JSON Lines, memory


def test_parquet(tmp_path: Path) -> None:
    frame = pl.DataFrame({"x": [1, 2, 3], "s": ["a", None, "c"]})
    frame.write_parquet(tmp_path / "t.parquet")
    assert read_table(tmp_path / "t.parquet").frame.equals(frame)
    assert read_table(tmp_path / "t.parquet", columns_as_strings=True).frame["x"].to_list() == ["1", "2", "3"]
    (tmp_path / "bad.parquet").write_bytes(b"not parquet")
    with pytest.raises(InvalidInputError, match="bad.parquet"):
        read_table(tmp_path / "bad.parquet")


def test_jsonl(tmp_path: Path) -> None:
    f = tmp_path / "t.jsonl"
    f.write_text('{"a": 1, "b": "x"}\n{"a": 2\n\n[1, 2]\n{"a": NaN}\n{"a": 3.5, "c": true}\n')
    with pytest.raises(BadRecordError, match=r"t.jsonl line 2 \(json\): truncated JSON"):
        read_table(f)
    table = read_table(f, on_bad_record="skip")
    assert table.frame.rows() == [(1.0, "x", None), (3.5, None, True)]
    assert [(r.line, r.kind) for r in table.bad_records.records] == [(2, "json"), (4, "schema"), (5, "json")]
    strings = read_table(f, on_bad_record="skip", columns_as_strings=True).frame
    assert strings["a"].to_list() == ["1.0", "3.5"]


def test_in_memory_tables() -> None:
    expected = pl.DataFrame({"a": [1, 2], "b": ["x", "y"]})
    for source in (expected, expected.lazy(), pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}), pa.table({"a": [1, 2], "b": ["x", "y"]})):
        table = read_table(source)
        assert table.frame.equals(expected), type(source)
        assert not table.bad_records and table.files == []
    assert read_table(expected, columns_as_strings=True).frame["a"].to_list() == ["1", "2"]


# ---------------------------------------------------------------------------------------------
# Batches


def test_batches_add_up_to_the_table(tmp_path: Path, small_blocks: None) -> None:
    f = tmp_path / "t.csv"
    rows = [f'{i},"v{i},\n{i}"' if i % 7 == 0 else f"{i},v{i}" for i in range(100)]
    f.write_text("n,v\n" + "\n".join(rows) + "\n")
    batches = iter_batches(f, batch_rows=8)
    assert isinstance(batches, Batches)
    sizes = []
    frames = []
    for batch in batches:
        sizes.append(batch.height)
        frames.append(batch)
    assert sizes == [8] * 12 + [4]
    whole = pl.concat(frames)
    assert whole.equals(read_table(f).frame)
    assert whole["n"].to_list() == [str(i) for i in range(100)]
    assert whole["v"][7] == "v7,\n7"


def test_batches_report_bad_lines_across_blocks(tmp_path: Path, small_blocks: None) -> None:
    f = tmp_path / "t.csv"
    lines = ["a,b"] + [f"{i},{i}" if i % 10 else f"{i}" for i in range(1, 60)]
    f.write_text("\n".join(lines) + "\n")
    batches = iter_batches(f, batch_rows=5, on_bad_record="skip")
    total = sum(b.height for b in batches)
    expected_lines = [i + 1 for i in range(1, 60) if i % 10 == 0]
    assert total == 59 - len(expected_lines)
    assert [r.line for r in batches.bad_records.records] == expected_lines
    failing = iter_batches(f, batch_rows=5)
    with pytest.raises(BadRecordError) as err:
        for _ in failing:
            pass
    assert err.value.report.total == len(expected_lines)


def test_batches_keep_first_batch_types(tmp_path: Path, small_blocks: None) -> None:
    f = tmp_path / "t.csv"
    f.write_text("a\n" + "\n".join(str(i) for i in range(30)) + "\n")
    assert {b.schema["a"] for b in iter_batches(f, batch_rows=4, columns_as_strings=False)} == {pl.Int64}
    f.write_text("a\n" + "\n".join(str(i) for i in range(30)) + "\nx\n")
    with pytest.raises(InvalidInputError, match="does not fit"):
        list(iter_batches(f, batch_rows=4, columns_as_strings=False))


def test_batches_of_other_sources(tmp_path: Path, small_blocks: None) -> None:
    frame = pl.DataFrame({"x": list(range(23))})
    frame.write_parquet(tmp_path / "t.parquet", row_group_size=5)
    assert [b.height for b in iter_batches(tmp_path / "t.parquet", batch_rows=10)] == [10, 10, 3]
    frame.write_ndjson(tmp_path / "t.jsonl")
    jsonl = list(iter_batches(tmp_path / "t.jsonl", batch_rows=10))
    assert [b.height for b in jsonl] == [10, 10, 3] and pl.concat(jsonl).equals(frame)
    assert [b.height for b in iter_batches(frame.lazy(), batch_rows=10)] == [10, 10, 3]
    assert [b.height for b in iter_batches(frame, batch_rows=10)] == [10, 10, 3]
    with pytest.raises(InvalidArgumentError):
        iter_batches(frame, batch_rows=0)


# ---------------------------------------------------------------------------------------------
# Property: any table written by the csv module, with bad lines mixed in, reads back exactly


cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), min_size=1, max_size=8)


@given(
    st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=30),
    st.lists(st.integers(0, 30), max_size=5),
    st.booleans(),
)
@settings(max_examples=60)
def test_csv_round_trip_with_bad_lines(rows: list[list[str]], bad_at: list[int], small: bool) -> None:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["a", "b", "c"])
    line = 2
    expected_bad = []
    for i, row in enumerate(rows):
        for _ in range(bad_at.count(i)):
            buf.write("only,two\n")
            expected_bad.append(line)
            line += 1
        before = buf.tell()
        writer.writerow(row)
        line += buf.getvalue()[before:].count("\n")
    with tempfile.TemporaryDirectory() as d:
        f = Path(d) / "t.csv"
        f.write_text(buf.getvalue(), encoding="utf-8")
        if small:
            old = (tables_module._MIN_BLOCK, tables_module._BYTES_PER_ROW_GUESS)
            tables_module._MIN_BLOCK, tables_module._BYTES_PER_ROW_GUESS = 16, 4
        try:
            table = read_table(f, on_bad_record="skip") if not small else None
            batches = iter_batches(f, batch_rows=7, on_bad_record="skip")
            batched = pl.concat(list(batches))
        finally:
            if small:
                tables_module._MIN_BLOCK, tables_module._BYTES_PER_ROW_GUESS = old
    expected = [tuple(r) for r in rows]
    assert batched.rows() == expected
    assert [r.line for r in batches.bad_records.records] == expected_bad
    if table is not None:
        assert table.frame.rows() == expected
        assert [r.line for r in table.bad_records.records] == expected_bad


# -- messages a CLI user can act on; arguments that are not tables ---------------------------------


def test_mixed_formats_say_what_to_do_without_python(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("a\n1\n")
    (tmp_path / "b.jsonl").write_text('{"a": 1}\n')
    with pytest.raises(InvalidInputError, match=r"several formats \['csv', 'jsonl'\]: one read takes one format, so put each format in a folder"):
        read_table(tmp_path)
    assert read_table(tmp_path, format="jsonl").frame["a"].to_list() == [1]


@pytest.mark.parametrize("source, message", [({"a": [1]}, "cannot read a dict"), ([1, 2], "a list holding a int"), (["a.csv", 3], "a list holding a int")])
def test_sources_that_are_not_tables_or_paths(source: object, message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        read_table(source)


# -- JSON Lines with lists or objects: refused, naming the column, file and line ---------------------


@pytest.mark.parametrize(
    "lines, message",
    [
        (['{"a": 1, "b": {"x": 1}}', '{"a": 2, "b": {"x": 2}}'], r"nested.jsonl: line 1: column 'b' holds an object; .* flat JSON"),
        (['{"a": 1, "b": null}', '{"a": 2, "b": [1, 2]}'], r"nested.jsonl: line 2: column 'b' holds a list"),
        (['{"a": 1, "b": 3}', '{"a": 2, "b": [3]}'], r"nested.jsonl: line 2: column 'b' holds a list"),
        (['{"a": 1, "b": "x"}', '{"a": 2, "b": {"y": 1}}'], r"nested.jsonl: line 2: column 'b' holds an object"),
    ],
)
def test_json_lines_with_lists_or_objects_are_refused(tmp_path: Path, lines: list[str], message: str) -> None:
    from driftline.data_quality.baseline import suggest_baseline
    from driftline.io import iter_batches

    path = tmp_path / "nested.jsonl"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(InvalidInputError, match=message):
        read_table(path)
    with pytest.raises(InvalidInputError, match=message):
        list(iter_batches(path, batch_rows=1))
    with pytest.raises(InvalidInputError, match=message):
        suggest_baseline(path)


def test_a_later_block_with_lists_is_refused_too(tmp_path: Path) -> None:
    from driftline.io import iter_batches

    path = tmp_path / "late.jsonl"
    rows = ['{"a": %d, "b": "x"}' % i for i in range(20_000)] + ['{"a": 1, "b": ["x"]}']
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(InvalidInputError, match=r"late.jsonl: line 20001: column 'b' holds a list"):
        list(iter_batches(path, batch_rows=1000))


def test_in_memory_tables_with_nested_columns_are_refused() -> None:
    from driftline.data_quality.baseline import suggest_baseline
    from driftline.profile import Profile

    frame = pl.DataFrame({"a": [1, 2], "b": [[1, 2], [3]], "c": [{"x": 1}, {"x": 2}]})
    with pytest.raises(InvalidInputError, match=r"the table: column 'b' holds lists"):
        read_table(frame)
    with pytest.raises(InvalidInputError, match=r"the table: column 'b' holds lists"):
        suggest_baseline(frame)
    with pytest.raises(InvalidInputError, match=r"column 'c' holds Struct"):
        Profile.of(frame.select("a", "c"))


def test_a_monitor_of_a_nested_json_lines_table_fails_naming_the_column(tmp_path: Path) -> None:
    from driftline.data_quality.baseline import suggest_baseline
    from driftline.data_quality.monitor import run_monitor

    baseline = suggest_baseline(pl.DataFrame({"a": ["1", "2"], "b": ["x", "y"]}))
    path = tmp_path / "window.jsonl"
    path.write_text('{"a": 1, "b": "x"}\n{"a": 2, "b": ["x"]}\n')
    run = run_monitor(baseline, path)
    assert run.status == "Failed"
    assert "window.jsonl: line 2: column 'b' holds a list" in run.reason and "internal error" not in run.reason


def test_argument_messages_name_the_cli_flags(tmp_path: Path) -> None:
    from driftline.io import iter_batches, read_capture

    with pytest.raises(InvalidArgumentError, match=r"`batch_rows` \(--batch-rows\) must be a positive integer"):
        iter_batches(tmp_path, batch_rows=0)
    with pytest.raises(InvalidArgumentError, match=r"`on_bad_record` \(--on-bad-record\) must be 'fail' or 'skip'"):
        read_table(tmp_path, on_bad_record="ignore")  # type: ignore[arg-type]
    with pytest.raises(InvalidArgumentError, match=r"`output_columns_position` \(--output-columns-position\)"):
        read_capture(tmp_path, output_columns_position="MIDDLE")  # type: ignore[arg-type]
