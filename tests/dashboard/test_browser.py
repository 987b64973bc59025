"""The dashboard and the report in a real browser: headless Chromium (Debian's package) driven by
Selenium through chromedriver. Screenshots go to a pytest temporary folder (see the ``shots``
fixture); they are printed at the end of each test with ``-s``."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest

from driftline.dashboard._templates import hashed
from driftline.report import write_report

from .conftest import (PAYLOAD_CATEGORY, PAYLOAD_FEATURE, PAYLOAD_MODEL, PAYLOAD_MONITOR, PAYLOAD_REASON, SECRET_CATEGORY, Demo,
                       Server)

pytestmark = pytest.mark.browser


def _by(kind: str) -> Any:
    from selenium.webdriver.common.by import By

    return getattr(By, kind)


def _not_pwned(browser: Any, title: str) -> None:
    assert browser.execute_script("return window.__pwned === undefined"), "an injected script ran"
    assert browser.title != "pwned" and title in browser.title


def _shot(browser: Any, shots: Path, name: str) -> None:
    browser.save_screenshot(str(shots / f"{name}.png"))
    assert (shots / f"{name}.png").stat().st_size > 1000


def test_click_from_the_overview_to_the_execution_that_raised_the_alert(browser: Any, demo_server: Server, shots: Path) -> None:
    browser.get(demo_server.url + "/")
    _not_pwned(browser, "All models")
    assert "credit-risk" in browser.find_element(_by("ID"), "models").text
    assert "missing: attribution drift" in browser.page_source
    _shot(browser, shots, "1-overview")
    # click 1: the model
    browser.find_element(_by("CSS_SELECTOR"), "a.model-link").click()
    assert browser.current_url.endswith("/models/credit-risk")
    assert "3 of the last 3 executions had violations" in browser.find_element(_by("ID"), "alert-history").text
    assert "notify" in browser.find_element(_by("ID"), "actions").text
    _shot(browser, shots, "2-model")
    # click 2: the monitor
    browser.find_element(_by("CSS_SELECTOR"), '#monitors a.monitor-link[href="/monitors/credit-data-quality"]').click()
    assert browser.current_url.endswith("/monitors/credit-data-quality")
    assert browser.find_element(_by("ID"), "heatmap").is_displayed()
    _shot(browser, shots, "3-monitor")
    # click 3: the execution the InAlert change names
    browser.find_element(_by("CSS_SELECTOR"), 'a.alert-execution[data-state="InAlert"]').click()
    text = browser.find_element(_by("TAG_NAME"), "body").text
    assert "2026-11-02 02:00" in text and "CompletedWithViolations" in text
    violations = browser.find_element(_by("ID"), "violations").text
    for check in ("baseline_drift_check", "completeness_check", "data_type_check", "categorical_values_check"):
        assert check in violations
    assert "kiosk" in violations  # why: the new category
    assert browser.find_element(_by("ID"), "drift").is_displayed()
    _shot(browser, shots, "4-execution")
    _not_pwned(browser, "Execution")


def test_every_page_loads(browser: Any, demo_server: Server, shots: Path) -> None:
    for path, title in (("/?sort=violations&order=desc", "All models"), ("/models/credit-risk", "Model credit-risk"),
                        ("/monitors/credit-data-quality?n=24", "Monitor credit-data-quality"), ("/executions/1", "Execution 1"),
                        ("/executions/999999", "404")):
        browser.get(demo_server.url + path)
        _not_pwned(browser, title)
    assert "no such execution" in browser.page_source


def test_payloads_show_as_text_and_never_run(browser: Any, payload_server: Server, shots: Path) -> None:
    pages = [("/", "All models"), ("/models/" + quote(PAYLOAD_MODEL, safe=""), "Model"),
             ("/monitors/" + quote(PAYLOAD_MONITOR, safe=""), "Monitor"), ("/executions/1", "Execution 1")]
    texts = []
    for i, (path, title) in enumerate(pages):
        browser.get(payload_server.url + path)
        _not_pwned(browser, title)
        assert not browser.find_elements(_by("CSS_SELECTOR"), "main script, main img, main iframe")
        texts.append(browser.find_element(_by("TAG_NAME"), "body").text)
        _shot(browser, shots, f"payload-{i}")
    assert PAYLOAD_MODEL in texts[0] and PAYLOAD_MONITOR in texts[0]
    assert PAYLOAD_REASON in texts[2] and "alert <script>" in texts[2]
    assert PAYLOAD_FEATURE in texts[3] and PAYLOAD_REASON in texts[3]
    # the feature name inside an SVG chart is text too
    svg_text = " ".join(t.get_attribute("textContent") or "" for t in browser.find_elements(_by("CSS_SELECTOR"), "svg text"))
    assert PAYLOAD_FEATURE in browser.page_source.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') or PAYLOAD_FEATURE in svg_text
    assert PAYLOAD_CATEGORY[:21] in svg_text
    assert SECRET_CATEGORY not in browser.page_source and hashed(SECRET_CATEGORY) in svg_text


def test_report_opens_from_disk_offline(browser: Any, demo: Demo, payload: Demo, tmp_path: Path, shots: Path) -> None:
    run = demo.root / "service" / "runs" / "credit-data-quality" / "2026-11-02T15-00-00Z"
    report = tmp_path / "report.html"
    write_report(run, report, baseline=demo.root / "baseline")
    payload_report = tmp_path / "payload-report.html"
    write_report(payload.root / "runs" / "x", payload_report, baseline=payload.root / "baseline", sensitive=["region"])
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.emulateNetworkConditions",
                            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    try:
        browser.get(report.as_uri())
        _not_pwned(browser, "driftline report")
        body = browser.find_element(_by("TAG_NAME"), "body").text
        assert "Distributions per feature" in body and "Drift" in body and "categorical_values_check" in body
        charts = browser.find_elements(_by("CSS_SELECTOR"), "#features svg")
        assert len(charts) >= 7 and all(c.size["width"] > 100 for c in charts)
        # every resource the page loaded is the file itself
        entries = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
        assert entries == []
        _shot(browser, shots, "report-offline")
        browser.get(payload_report.as_uri())
        _not_pwned(browser, "driftline report")
        assert PAYLOAD_FEATURE in browser.find_element(_by("TAG_NAME"), "body").text
        assert SECRET_CATEGORY not in browser.page_source
        _shot(browser, shots, "report-payload")
    finally:
        browser.execute_cdp_cmd("Network.emulateNetworkConditions",
                                {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1})
    print(f"screenshots: {shots}")
