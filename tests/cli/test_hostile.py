"""Every CLI command over a corpus of hostile files and paths.

For each case: the exit code is one of the documented ones (0 done, 1 a monitor run Failed,
2 the command could not run, 3 violations with --fail-on-violations), nothing escapes as a
traceback, a command that could not run says why in one line on stderr, and no file outside the
command's own output folder is created, changed or removed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from driftline.cli import main

T0 = datetime(2026, 11, 2, 10, tzinfo=UTC)
WINDOW = ["--start", "2026-11-02T10:00Z", "--end", "2026-11-02T11:00Z"]


def _train(n: int, seed: int) -> str:
    rng = np.random.default_rng(seed)
    score = rng.uniform(0, 1, n).round(3)
    label = (rng.uniform(0, 1, n) < score).astype(int)
    rows = ["x,k,c,label,score"] + [
        f"{x:.4f},{k},{c},{y},{s}" for x, k, c, y, s in
        zip(rng.normal(size=n), rng.integers(0, 5, n), rng.choice(["a", "b", "ü"], n), label, score, strict=True)]
    return "\n".join(rows) + "\n"


def _capture(n: int) -> tuple[str, str]:
    rng = np.random.default_rng(3)
    cap, gt = [], []
    for i in range(n):
        t = (T0 + timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        meta = {"eventId": f"e{i}", "inferenceTime": t}
        cap.append(json.dumps({"captureData": {
            "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "encoding": "CSV",
                              "data": f"{rng.normal():.3f},{rng.integers(0, 5)},a"},
            "endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT", "encoding": "CSV",
                               "data": f"{rng.uniform():.3f}"}}, "eventMetadata": meta, "eventVersion": "0"}))
        gt.append(json.dumps({"groundTruthData": {"data": str(int(rng.integers(0, 2))), "encoding": "CSV"},
                              "eventMetadata": meta, "eventVersion": "0"}))
    return "\n".join(cap) + "\n", "\n".join(gt) + "\n"


# name -> file content (bytes or text); every data file is tried with every command
CORPUS: dict[str, bytes | str] = {
    "empty.csv": b"",
    "header_only.csv": "x,k,c,label,score\n",
    "ragged.csv": "x,k,c,label,score\n1,2,a,1,0.5\n1,2\n3,4,b,0,0.1,9,9\n",
    "all_nan.csv": "x,k,c,label,score\n" + "nan,NaN,,1,0.5\n" * 50,
    "inf.csv": "x,k,c,label,score\n" + "inf,-inf,a,0,0.2\n1.5,2,b,1,0.9\n" * 30,
    "huge.csv": "x,k,c,label,score\n" + "1.7976931348623157e308,-1.7e308,a,1,0.7\n-1.7e308,1e308,b,0,0.1\n" * 30,
    "tiny.csv": "x,k,c,label,score\n" + "5e-324,-2.2e-308,a,1,0.7\n1e-310,0,b,0,0.1\n" * 30,
    "mixed.csv": "x,k,c,label,score\n" + "1.5,2,a,1,0.5\ntext,3.5,7,yes,high\n" * 30,
    "nested.jsonl": "\n".join(json.dumps({"x": i, "k": [1, 2], "c": {"a": {"b": 1}}, "label": 1, "score": 0.5})
                              for i in range(20)) + "\n",
    "latin1.csv": "x,k,c,label,score\n".encode() + "1.0,2,café,1,0.5\n".encode("latin-1") * 20,
    "binary.csv": bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8)),
    "binary.parquet": b"PAR1" + bytes(range(256)) * 4,
    "truncated.jsonl": '{"x": 1, "k": 2, "c": "a", "label": 1, "score": 0.5}\n{"x": 2, "k": 3, "c": "b", "lab',
    "truncated_capture.jsonl": _capture(30)[0][:-200],
    "corrupt_capture.jsonl": _capture(10)[0] + '{"captureData": {"endpointInput": {"data": "!!", "encoding": "BASE64"}}, '
                             '"eventMetadata": {"eventId": "z", "inferenceTime": "2026-11-02T10:30:00Z"}}\n{not json\n',
    "unicode_names.csv": "ünï,日本,emoji🙂\n1,a,b\n2,c,d\n",
}


def _snapshot(root: Path, skip: Path | None) -> dict[str, str]:
    out = {}
    for p in sorted(root.rglob("*")):
        if skip is not None and (p == skip or skip in p.parents):
            continue
        if p.is_file():
            out[str(p.relative_to(root))] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[str(p.relative_to(root))] = "dir"
    return out


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A good training table, its baselines, a capture folder with ground truth, the corpus, and
    broken baselines."""
    root = tmp_path_factory.mktemp("hostile")
    (root / "train.csv").write_text(_train(600, 0))
    cap, gt = _capture(60)
    cap_dir = root / "capture" / "ep" / "v1" / "2026" / "11" / "02" / "10"
    cap_dir.mkdir(parents=True)
    (cap_dir / "data.jsonl").write_text(cap)
    gt_dir = root / "groundtruth" / "ep" / "2026" / "11" / "02" / "10"
    gt_dir.mkdir(parents=True)
    (gt_dir / "labels.jsonl").write_text(gt)
    # the capture carries 3 inputs and the output (first): a baseline of 4 unnamed columns
    rows = [line.split(",") for line in _train(600, 1).splitlines()[1:]]
    (root / "train3.csv").write_text("\n".join(",".join([r[4], *r[:3]]) for r in rows) + "\n")  # score first, as captured
    assert main(["baseline", "--data", str(root / "train3.csv"), "--no-header", "--out", str(root / "base")]) == 0
    assert main(["model-quality", "baseline", "--data", str(root / "train.csv"), "--problem-type", "BinaryClassification",
                 "--ground-truth-attribute", "label", "--probability-attribute", "score", "--out", str(root / "mqbase")]) == 0
    corpus = root / "corpus"
    corpus.mkdir()
    for name, content in CORPUS.items():
        (corpus / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    stats = json.loads((root / "base" / "statistics.json").read_text())
    cons = json.loads((root / "base" / "constraints.json").read_text())
    broken: dict[str, tuple[bytes | dict[str, object], bytes | dict[str, object]]] = {
        "binary_statistics": (bytes(range(256)), cons),
        "not_json": (b"{\"version\": 0.0, \"features\": [", cons),
        "contradicting": ({**stats, "features": stats["features"][:2]}, cons),
        "renamed": ({**stats, "features": [{**f, "name": f"other{i}"} for i, f in enumerate(stats["features"])]}, cons),
        "completeness_5": (stats, {**cons, "features": [{**cons["features"][0], "completeness": 5}, *cons["features"][1:]]}),
        "unknown_type": (stats, {**cons, "features": [{**cons["features"][0], "inferred_type": "Complex"}, *cons["features"][1:]]}),
        "threshold_high": (stats, {**cons, "monitoring_config": {**cons["monitoring_config"], "comparison_threshold": "high"}}),
        "threshold_negative": (stats, {**cons, "monitoring_config": {**cons["monitoring_config"], "comparison_threshold": -1}}),
        "duplicate_feature": (stats, {**cons, "features": [cons["features"][0], *cons["features"]]}),
    }
    for name, (s, c) in broken.items():
        d = root / "broken" / name
        d.mkdir(parents=True)
        (d / "statistics.json").write_bytes(s if isinstance(s, bytes) else json.dumps(s).encode())
        (d / "constraints.json").write_bytes(c if isinstance(c, bytes) else json.dumps(c).encode())
    (root / "broken" / "empty").mkdir()
    (root / "outs").mkdir()
    return root


_counter = iter(range(10**6))


def _check(world: Path, capsys: pytest.CaptureFixture[str], args: Callable[[Path], list[str]], out: Path | None = None,
           codes: tuple[int, ...] = (0, 1, 2, 3)) -> tuple[int, str, str]:
    """Run the CLI with ``args(out)``; check the exit code, stderr and that nothing outside ``out``
    changed."""
    out = out if out is not None else world / "outs" / f"o{next(_counter)}"
    before = _snapshot(world, out)
    capsys.readouterr()
    code = main(args(out))  # an exception escaping here is the traceback a user would see
    captured = capsys.readouterr()
    assert code in codes, (code, captured.out, captured.err)
    assert "Traceback" not in captured.err + captured.out
    if code == 2:
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and "error" in lines[0], captured.err
    after = _snapshot(world, out)
    assert after == before, "files outside the output folder changed"
    return code, captured.out, captured.err


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_every_command_over_every_bad_file(name: str, world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(world / "corpus" / name)
    _check(world, capsys, lambda o: ["baseline", "--data", data, "--out", str(o)])
    _check(world, capsys, lambda o: ["baseline", "--data", data, "--no-header", "--on-bad-record", "skip", "--out", str(o)])
    _check(world, capsys, lambda o: ["monitor", "--baseline", str(world / "base"), "--data", data, "--out", str(o), *WINDOW])
    _check(world, capsys, lambda o: ["monitor", "--baseline", str(world / "base"), "--data", data, "--no-header",
                                     "--on-bad-record", "skip", "--out", str(o)])
    _check(world, capsys, lambda o: ["model-quality", "baseline", "--data", data, "--problem-type", "BinaryClassification",
                                     "--ground-truth-attribute", "label", "--probability-attribute", "score", "--out", str(o)])
    _check(world, capsys, lambda o: ["model-quality", "baseline", "--data", data, "--problem-type", "Regression",
                                     "--ground-truth-attribute", "label", "--inference-attribute", "x", "--out", str(o)])
    _check(world, capsys, lambda o: ["model-quality", "monitor", "--baseline", str(world / "mqbase"), "--data", data,
                                     "--ground-truth", str(world / "groundtruth"), "--probability-attribute", "0",
                                     "--out", str(o), *WINDOW])
    _check(world, capsys, lambda o: ["model-quality", "monitor", "--baseline", str(world / "mqbase"), "--data", data,
                                     "--ground-truth", data, "--probability-attribute", "score", "--out", str(o)])


BROKEN = ["binary_statistics", "not_json", "contradicting", "renamed", "completeness_5", "unknown_type", "threshold_high",
          "threshold_negative", "duplicate_feature", "empty"]


@pytest.mark.parametrize("name", BROKEN)
def test_corrupt_and_contradicting_baselines_fail_the_run_naming_the_file(name: str, world: Path,
                                                                         capsys: pytest.CaptureFixture[str]) -> None:
    base = world / "broken" / name
    code, out, _ = _check(world, capsys, lambda o: ["monitor", "--baseline", str(base), "--data", str(world / "capture"),
                                                    "--out", str(o), *WINDOW], codes=(1,))
    assert out.startswith("Failed: ")
    assert "statistics.json" in out or "constraints.json" in out or "baseline" in out, out
    _check(world, capsys, lambda o: ["model-quality", "monitor", "--baseline", str(base), "--data", str(world / "capture"),
                                     "--ground-truth", str(world / "groundtruth"), "--probability-attribute", "0",
                                     "--out", str(o), *WINDOW], codes=(1, 2))


def test_clashing_and_unwritable_outputs_are_refused_and_nothing_is_touched(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cap = str(world / "capture")
    (world / "afile").write_text("keep me\n")
    clashes = {
        "the baseline": world / "base",
        "the model-quality baseline": world / "mqbase",
        "the data": world / "capture",
        "inside the data": world / "capture" / "ep",
        "an existing file": world / "afile",
        "below a file": world / "afile" / "sub",
        "a folder of other files": world / "corpus",
        "not creatable": Path("/proc/driftline-cannot-create"),
    }
    for what, out in clashes.items():
        runs = [
            ["monitor", "--baseline", str(world / "base"), "--data", cap, "--out", str(out), *WINDOW],
            ["model-quality", "monitor", "--baseline", str(world / "mqbase"), "--data", cap, "--ground-truth",
             str(world / "groundtruth"), "--probability-attribute", "0", "--out", str(out), *WINDOW],
            ["baseline", "--data", str(world / "train.csv"), "--out", str(out)],
            ["model-quality", "baseline", "--data", str(world / "train.csv"), "--problem-type", "BinaryClassification",
             "--ground-truth-attribute", "label", "--probability-attribute", "score", "--out", str(out)],
        ]
        for argv in runs:
            if what in ("the baseline",) and argv[0] == "baseline" or (what == "the model-quality baseline" and argv[:2] == ["model-quality", "baseline"]):
                continue  # writing a baseline over a baseline of its own kind replaces it: tested below
            before = _snapshot(world, None)
            code, _, err = _check(world, capsys, lambda o, a=argv: a, out=world / "never", codes=(2,))
            assert _snapshot(world, None) == before, (what, argv)
            assert str(out.name) in err or "out" in err, err
    for out in (world / "corpus", world / "afile"):
        _check(world, capsys, lambda o, a=out: ["demo", "--out", str(a)], out=world / "never", codes=(2,))


def test_a_baseline_rewritten_in_place_and_a_run_over_an_earlier_run(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = world / "outs" / "rebase"
    for _ in range(2):
        code, _, _ = _check(world, capsys, lambda o: ["baseline", "--data", str(world / "train3.csv"), "--no-header", "--out", str(o)],
                            out=target, codes=(0,))
    run = world / "outs" / "rerun"
    argv = ["monitor", "--baseline", str(world / "base"), "--data", str(world / "capture"), "--out", str(run), *WINDOW]
    assert main(argv) in (0, 3)
    assert sorted(p.name for p in run.iterdir())[-1] == "statistics.json"
    # a failed run over the earlier run's folder leaves only its own record, which says why
    bad = ["monitor", "--baseline", str(world / "base"), "--data", str(world / "capture"), "--out", str(run),
           "--start", "2020-01-01T00:00Z", "--end", "2020-01-01T01:00Z"]
    assert main(bad) == 1
    assert [p.name for p in run.iterdir()] == ["monitoring_run.json"]
    record = json.loads((run / "monitoring_run.json").read_text())
    assert list(record)[:2] == ["status", "reason"] and "no data" in record["reason"]


@pytest.mark.parametrize("argv", [
    ["monitor", "--baseline", "b", "--data", "d", "--out", "o", "--start", "yesterday"],
    ["monitor", "--baseline", "b", "--data", "d", "--out", "o", "--end", "2026-02-30"],
    ["monitor", "--baseline", "b", "--data", "d", "--out", "o", "--alpha", "2"],
    ["monitor", "--baseline", "b", "--data", "d", "--out", "o", "--alpha", "nan"],
    ["monitor", "--baseline", "b", "--data", "d", "--out", "o", "--batch-rows", "0"],
    ["baseline", "--data", "d", "--out", "o", "--batch-rows", "-5"],
    ["model-quality", "baseline", "--data", "d", "--out", "o", "--problem-type", "Regression", "--ground-truth-attribute", "y",
     "--inference-attribute", "p", "--bootstrap", "-1"],
    ["model-quality", "baseline", "--data", "d", "--out", "o", "--problem-type", "Regression", "--ground-truth-attribute", "y",
     "--inference-attribute", "p", "--slack", "inf"],
    ["model-quality", "monitor", "--baseline", "b", "--data", "d", "--out", "o", "--probability-threshold-attribute", "1.5"],
    ["model-quality", "monitor", "--baseline", "b", "--data", "d", "--out", "o", "--run-time", "soon"],
    ["model-quality", "baseline", "--data", "d", "--out", "o", "--problem-type", "Regression", "--ground-truth-attribute", "y"],
    ["demo", "--stats", "--rows", "3"],
])
def test_bad_flags_are_one_line_naming_the_flag(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    os.chdir(tmp_path)
    with pytest.raises(SystemExit) as e:
        code = main(argv)
        raise SystemExit(code)
    err = capsys.readouterr().err.strip().splitlines()
    assert e.value.code == 2 and len(err) == 1, err
    flag = argv[-2] if argv[-1] != "y" else "--inference-attribute"
    assert flag in err[0], err
    assert list(tmp_path.iterdir()) == []


def test_a_run_failed_by_bad_records_counts_them(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = str(world / "corpus" / "corrupt_capture.jsonl")
    for argv in (["monitor", "--baseline", str(world / "base")],
                 ["model-quality", "monitor", "--baseline", str(world / "mqbase"), "--ground-truth", str(world / "groundtruth"),
                  "--probability-attribute", "0"]):
        out = world / "outs" / f"bad{next(_counter)}"
        code, printed, _ = _check(world, capsys, lambda o, a=argv: [*a, "--data", data, "--out", str(o), *WINDOW], out=out, codes=(1,))
        record = json.loads((out / "monitoring_run.json").read_text())
        assert record["status"] == "Failed" and "2 bad records" in record["reason"], record
        assert record["bad_records"] == 2, record
        assert printed.startswith("Failed: ") and "--on-bad-record skip" in printed
