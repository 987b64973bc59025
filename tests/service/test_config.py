"""The service's TOML configuration: a valid file loads with its defaults, and every kind of
mistake is refused with the file, the line and the field in the message."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from driftline.service.config import ConfigError, load_config

UTC = timezone.utc

GOOD = """\
[store]
path = "state/driftline.db"
keep_days = 30

[[monitors]]
name = "credit-data-quality"
model = "credit-risk"
type = "data-quality"
baseline = "baseline/"
data = "capture/"
schedule = "hourly"
start = "2026-11-01T00:00Z"

[monitors.options]
on_bad_record = "skip"

[[monitors.alerts]]
name = "violations"
datapoints_to_alert = 2
evaluation_period = 3

[[monitors.alerts]]
name = "age-drift"
metric = "feature_baseline_drift_age"
op = ">="
threshold = 0.2

[[monitors.actions]]
kind = "webhook"
url = "http://127.0.0.1:9/hook"

[[monitors.actions]]
kind = "command"
on = ["InAlert", "OK"]
command = ["echo", "{monitor}", "{state}"]
alerts = ["violations"]

[[monitors]]
name = "credit-model-quality"
model = "credit-risk"
type = "model-quality"
baseline = "mq-baseline/"
data = "capture/"
ground_truth = "labels/"
schedule = "cron(0 0/6 ? * * *)"
start = "2026-11-01T00:00Z"
start_offset = "-P1D"
end_offset = "-PT18H"
out = "mq/{window_start}"
"""


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "monitors.toml"
    p.write_text(text, encoding="utf-8")
    return p


def test_a_valid_file_loads_with_its_defaults(tmp_path: Path) -> None:
    c = load_config(write(tmp_path, GOOD))
    assert c.store.target == str(tmp_path / "state" / "driftline.db") and c.store.keep_days == 30
    dq, mq = c.monitors
    assert (dq.name, dq.model, dq.type) == ("credit-data-quality", "credit-risk", "data-quality")
    assert dq.baseline == tmp_path / "baseline" and dq.options == {"on_bad_record": "skip"}
    assert dq.start == datetime(2026, 11, 1, tzinfo=UTC)
    assert dq.start_offset == -timedelta(hours=1) and dq.end_offset == timedelta(0)  # the schedule's period by default
    t = datetime(2026, 11, 1, 5, tzinfo=UTC)
    assert dq.window(t) == (datetime(2026, 11, 1, 4, tzinfo=UTC), t)
    assert dq.out_folder(t) == tmp_path / "runs" / "credit-data-quality" / "2026-11-01T04-00-00Z"
    assert [a.name for a in dq.alerts] == ["violations", "age-drift"]
    assert dq.alerts[0].rule == "violations" and dq.alerts[0].datapoints_to_alert == 2
    assert dq.alerts[1].rule == "threshold" and dq.alerts[1].op == ">=" and dq.alerts[1].evaluation_period == 1
    hook, cmd = dq.actions
    assert hook.kind == "webhook" and hook.on == ("InAlert",) and hook.retries == 3
    assert cmd.command == ("echo", "{monitor}", "{state}") and cmd.on == ("InAlert", "OK") and cmd.alerts == ("violations",)
    assert mq.ground_truth == tmp_path / "labels" and mq.window(datetime(2026, 11, 2, tzinfo=UTC)) == (
        datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 1, 6, tzinfo=UTC))
    assert c.monitor("credit-model-quality") is mq
    with pytest.raises(ConfigError, match="no monitor named 'x'"):
        c.monitor("x")


def test_a_postgres_url_and_the_default_store(tmp_path: Path) -> None:
    c = load_config(write(tmp_path, GOOD.replace('path = "state/driftline.db"', 'url = "postgresql://u@db/monitoring"')))
    assert c.store.target == "postgresql://u@db/monitoring"
    c = load_config(write(tmp_path, GOOD.replace('path = "state/driftline.db"\n', "")))
    assert c.store.target == str(tmp_path / "driftline.db")


def _line_of(text: str, needle: str, after: str | None = None) -> int:
    lines = text.splitlines()
    start = 0 if after is None else next(i for i, line in enumerate(lines) if after in line)
    return next(i for i, line in enumerate(lines) if i >= start and needle in line) + 1


@pytest.mark.parametrize("old, new, field, words", [
    ('schedule = "hourly"', 'schedule = "hourlyy"', "monitors[1] ('credit-data-quality').schedule", "unknown schedule"),
    ('type = "data-quality"', 'type = "bias-drift"', "monitors[1] ('credit-data-quality').type", "unknown monitor type"),
    ('start = "2026-11-01T00:00Z"\n\n[monitors.options]', 'start = "yesterday"\n\n[monitors.options]', "monitors[1] ('credit-data-quality').start",
     "ISO-8601"),
    ('on_bad_record = "skip"', 'on_bad_recrd = "skip"', "monitors[1] ('credit-data-quality').options.on_bad_recrd", "not an option"),
    ('datapoints_to_alert = 2', 'datapoints_to_alert = 5', "alerts[1].datapoints_to_alert", "between 1 and evaluation_period"),
    ('op = ">="', 'op = "=>"', "alerts[2].op", "must be one of"),
    ('url = "http://127.0.0.1:9/hook"', 'url = "ftp://x"', "actions[1].url", "http:// or https://"),
    ('command = ["echo", "{monitor}", "{state}"]', 'command = "echo {monitor}"', "actions[2].command", "must be a list"),
    ('alerts = ["violations"]', 'alerts = ["nope"]', "actions[2].alerts", "no alert named 'nope'"),
    ('end_offset = "-PT18H"', 'end_offset = "-P2D"', "monitors[2] ('credit-model-quality').end_offset", "empty"),
    ('out = "mq/{window_start}"', 'out = "mq/{window}"', "monitors[2] ('credit-model-quality').out", "unknown placeholder"),
    ('out = "mq/{window_start}"', 'out = "mq/latest"', "monitors[2] ('credit-model-quality').out", "its own folder"),
    ('keep_days = 30', 'keep_days = -1', "store.keep_days", "positive"),
])
def test_mistakes_name_the_file_line_and_field(tmp_path: Path, old: str, new: str, field: str, words: str) -> None:
    assert old in GOOD
    text = GOOD.replace(old, new, 1)
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_config(path)
    msg = str(e.value)
    first = new.splitlines()[0]
    assert msg.startswith(f"{path}:{_line_of(text, first)}: "), msg
    assert field in msg and words in msg, msg


def test_file_level_mistakes(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match=r"monitors.toml:2: not valid TOML"):
        load_config(write(tmp_path, "[store]\npath = \n"))
    with pytest.raises(ConfigError, match="describes no monitor"):
        load_config(write(tmp_path, "[store]\npath = 'x.db'\n"))
    dup = GOOD.replace('name = "credit-model-quality"', 'name = "credit-data-quality"')
    with pytest.raises(ConfigError, match=r"monitors\[2\]\.name: 'credit-data-quality' is also the name of monitors\[1\]"):
        load_config(write(tmp_path, dup))
    gt = GOOD.replace('ground_truth = "labels/"\n', "")
    with pytest.raises(ConfigError, match="needs ground_truth"):
        load_config(write(tmp_path, gt))
    with pytest.raises(ConfigError, match="unknown field"):
        load_config(write(tmp_path, GOOD.replace("[store]", "[store]\ncolour = 'red'")))


def test_unicode_and_odd_names_make_safe_folders(tmp_path: Path) -> None:
    text = GOOD.replace('name = "credit-data-quality"', 'name = "kredit/prüfung ✓"').replace('out = "mq/{window_start}"', 'out = "mq/{monitor}/{window_start}"')
    c = load_config(write(tmp_path, text))
    folder = c.monitors[0].out_folder(datetime(2026, 11, 1, 1, tzinfo=UTC))
    assert folder.parent.name == "kredit_prüfung ✓" and folder.parent.parent == tmp_path / "runs"
