"""Fixtures for the dashboard tests: the demo's store (generated once per session), a store and
run folder full of HTML/script payloads, the dashboard served by uvicorn in a thread, and a
headless Chromium driven by Selenium (Debian's chromium + chromium-driver).

The browser tests skip when chromium or chromedriver is absent, unless ``CI_REQUIRE_BROWSER=1``
(set by .ci/run), where they fail."""

from __future__ import annotations

import json
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from driftline.service.config import Config, load_config

CHROMIUM = os.environ.get("DRIFTLINE_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("DRIFTLINE_CHROMEDRIVER", "/usr/bin/chromedriver")

# Payloads: each would change the page's title or set window.__pwned if it ever ran.
XSS_SCRIPT = "<script>document.title='pwned';window.__pwned=1</script>"
XSS_IMG = "<img src=x onerror=\"document.title='pwned';window.__pwned=2\">"
XSS_SVG = "<svg onload=\"window.__pwned=3\">"
PAYLOAD_MONITOR = f"dq {XSS_SCRIPT}"
PAYLOAD_MODEL = f"model {XSS_IMG}"
PAYLOAD_FEATURE = f"feat {XSS_SCRIPT}"
PAYLOAD_CATEGORY = f"cat {XSS_IMG}"
PAYLOAD_REASON = f"failed because {XSS_SVG}"
SECRET_CATEGORY = "patient-4711-hiv-positive"  # a raw value of a sensitive column: must never show
SENSITIVE_REASON = "bad record: region 'west' is not allowed here"  # a failure reason quoting a baseline value of it


@dataclass
class Demo:
    root: Path
    config_path: Path
    config: Config


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """``driftline demo``'s folder (72 hourly executions, the alert InAlert on day two)."""
    from driftline.demo import run_scenario

    root = tmp_path_factory.mktemp("dashboard-demo") / "demo"
    run_scenario(root, progress=False)
    path = root / "service" / "monitors.toml"
    return Demo(root, path, load_config(path))


@pytest.fixture(scope="session")
def payload(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    """A store, a baseline and a run whose model, monitor, alert, feature, category and failure
    reason are HTML/script payloads, with one sensitive column (``region``): the baseline is
    suggested from a training table and the run monitors a captured table through the real
    pipeline, so the payloads reach statistics.json, drift.json and the violations' descriptions
    the way user data would."""
    import numpy as np
    import polars as pl

    from driftline.data_quality.baseline import suggest_baseline
    from driftline.data_quality.monitor import run_monitor
    from driftline.service.store import Store

    root = tmp_path_factory.mktemp("dashboard-payload")
    rng = np.random.default_rng(12)
    n, m = 500, 200
    train = pl.DataFrame({"age": rng.normal(40, 10, n), PAYLOAD_FEATURE: rng.normal(0, 1, n),
                          "channel": rng.choice(["web", "app"], n), "region": rng.choice(["east", "west"], n)})
    capture = pl.DataFrame({"age": rng.normal(40, 10, m), PAYLOAD_FEATURE: rng.normal(2, 1, m),
                            "channel": rng.choice(["web", PAYLOAD_CATEGORY], m),
                            "region": rng.choice(["east", SECRET_CATEGORY], m)})
    baseline = suggest_baseline(train)
    baseline.write(root / "baseline")
    run = root / "runs" / "x"
    result = run_monitor(baseline, capture, start="2026-11-02T15:00Z", end="2026-11-02T16:00Z", out=run)
    assert result.status == "CompletedWithViolations"
    assert SECRET_CATEGORY in (run / "constraint_violations.json").read_text()  # the raw value the report must hide

    toml = root / "monitors.toml"
    toml.write_text(
        "[store]\npath = \"payload.db\"\n\n[[monitors]]\n"
        f"name = {json.dumps(PAYLOAD_MONITOR)}\nmodel = {json.dumps(PAYLOAD_MODEL)}\n"
        "type = \"data-quality\"\nbaseline = \"baseline\"\ndata = \"capture\"\nschedule = \"hourly\"\n"
        "start = \"2026-11-02T00:00Z\"\nsensitive = [\"region\"]\n\n[[monitors.alerts]]\n"
        f"name = {json.dumps('alert ' + XSS_SCRIPT)}\n", encoding="utf-8")
    config = load_config(toml)
    start = datetime(2026, 11, 2, 15, tzinfo=UTC)
    hour = timedelta(hours=1)
    with Store.open(config.store.target) as store:
        e = store.claim(PAYLOAD_MONITOR, PAYLOAD_MODEL, start, start + hour, start + hour, "t", 60.0, start + hour)
        assert e is not None
        store.finish(e.id, "t", "CompletedWithViolations", PAYLOAD_REASON, str(run), 5, start + hour,
                     {f"feature_baseline_drift_{PAYLOAD_FEATURE}": 0.4, "feature_baseline_drift_age": 0.02, "violations": 5.0})
        store.set_alert_state(PAYLOAD_MONITOR, "alert " + XSS_SCRIPT, "InAlert", "OK", start + hour, PAYLOAD_REASON, e.id)
        store.add_audit(start + hour, PAYLOAD_MONITOR, "alert " + XSS_SCRIPT, f"act {XSS_IMG}", "command",
                        XSS_SCRIPT, "InAlert", "ok", PAYLOAD_REASON, False)
        f = store.claim(PAYLOAD_MONITOR, PAYLOAD_MODEL, start + hour, start + 2 * hour, start + 2 * hour, "t", 60.0, start + 2 * hour)
        assert f is not None
        store.finish(f.id, "t", "Failed", PAYLOAD_REASON, "", 0, start + 2 * hour, {})
        g = store.claim(PAYLOAD_MONITOR, PAYLOAD_MODEL, start + 2 * hour, start + 3 * hour, start + 3 * hour, "t", 60.0,
                        start + 3 * hour)
        assert g is not None
        store.finish(g.id, "t", "Failed", SENSITIVE_REASON, "", 0, start + 3 * hour, {})
    return Demo(root, toml, config)


# ---------------------------------------------------------------------------------------- server
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, app: Any) -> None:
        import uvicorn

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the dashboard did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture(scope="session")
def demo_server(demo: Demo) -> Iterator[Server]:
    from driftline.dashboard import create_app

    with Server(create_app(demo.config)) as s:
        yield s


@pytest.fixture(scope="session")
def payload_server(payload: Demo) -> Iterator[Server]:
    from driftline.dashboard import create_app

    with Server(create_app(payload.config)) as s:
        yield s


# --------------------------------------------------------------------------------------- browser
def _browser_missing() -> str | None:
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not Path(p).is_file()]
    if missing:
        return f"headless browser tests need Debian's chromium and chromium-driver ({', '.join(missing)} not found; apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "headless browser tests need selenium (pip install selenium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    why = _browser_missing()
    if why is not None:
        if os.environ.get("CI_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CI_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--no-first-run", "--disable-extensions", "--disable-background-networking", "--disable-sync"):
        opts.add_argument(arg)
    # an explicit driver path: Selenium Manager never runs (nothing is downloaded)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the browser tests save their screenshots (a pytest temporary folder, outside the repo)."""
    return tmp_path_factory.mktemp("dashboard-screenshots")
