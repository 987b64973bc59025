"""The dashboard's pages, routes and rules through Starlette's TestClient (no browser)."""

from __future__ import annotations

import logging
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from starlette.testclient import TestClient

from driftline.cli import main
from driftline.dashboard import create_app
from driftline.dashboard._templates import hashed
from driftline.service.config import ConfigError, load_config

from .conftest import PAYLOAD_CATEGORY, PAYLOAD_FEATURE, PAYLOAD_MODEL, PAYLOAD_MONITOR, SECRET_CATEGORY, Demo

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def client(demo: Demo) -> Iterator[TestClient]:
    with TestClient(create_app(demo.config)) as c:
        yield c


def _alert_execution(client: TestClient) -> int:
    page = client.get("/monitors/credit-data-quality").text
    m = re.search(r'class="alert-execution" data-state="InAlert" href="/executions/(\d+)"', page)
    assert m, "the monitor page links the InAlert change to its execution"
    return int(m.group(1))


def test_overview_shows_every_monitor_type_and_the_alert(client: TestClient) -> None:
    r = client.get("/")
    assert r.status_code == 200
    html = r.text
    assert "credit-risk" in html and 'href="/models/credit-risk"' in html
    for label in ("data quality", "model quality", "bias drift", "attribution drift"):
        assert label in html
    # the alert went back to OK on day three; the statuses and the flags show
    assert 'class="badge OK"' in html and 'class="badge None"' in html
    assert "missing: attribution drift" in html  # the demo schedules data quality, model quality and bias
    assert 'class="badge InAlert"' in html  # model quality: day two's windows, labelled a day later
    assert "traffic_requests" in html and "host_cpu_percent" in html
    assert r.headers["content-security-policy"].startswith("default-src 'none'")
    assert "<script" not in html


def test_links_lead_from_the_overview_to_the_execution_that_raised_the_alert(client: TestClient) -> None:
    overview = client.get("/").text
    assert 'href="/models/credit-risk"' in overview
    model = client.get("/models/credit-risk").text
    assert 'href="/monitors/credit-data-quality"' in model
    eid = _alert_execution(client)
    page = client.get(f"/executions/{eid}").text
    assert "2026-11-02 02:00" in page  # the window of the third hour with violations on day two
    assert "CompletedWithViolations" in page
    for check in ("baseline_drift_check", "completeness_check", "data_type_check", "categorical_values_check"):
        assert check in page
    assert 'href="/monitors/credit-data-quality"' in page and 'href="/models/credit-risk"' in page


def test_model_page(client: TestClient) -> None:
    html = client.get("/models/credit-risk").text
    assert "hourly" in html and "OK &rarr; <span class=\"badge InAlert\">" in html
    assert "InAlert" in html and "3 of the last 3 executions had violations" in html
    assert "notify" in html and "log-alert" in html and "webhook" in html  # the actions the alert started
    assert "traffic_requests" in html and "<svg" in html
    # the A/B test scheduled beside the monitors: its last look's decision, from its abtest.json
    ab = html.split('id="abtests"', 1)[1].split("</table>", 1)[0]
    assert 'href="/monitors/credit-abtest"' in ab and "variant_better" in ab and "challenger" in ab and ">ok<" in ab


def test_monitor_page_heat_map_and_violations(client: TestClient) -> None:
    html = client.get("/monitors/credit-data-quality").text
    assert 'id="heatmap"' in html and html.count('<a href="/executions/') >= 72
    assert "feature _c2" in html and "feature_baseline_drift__c2" in html
    section = html.split('id="violations"', 1)[1].split("</table>", 1)[0]
    assert section.count('class="badge CompletedWithViolations"') == 24
    assert client.get("/monitors/credit-data-quality?n=5").status_code == 200
    assert client.get("/monitors/credit-data-quality?n=abc").status_code == 200


def test_execution_report_download(client: TestClient) -> None:
    eid = _alert_execution(client)
    r = client.get(f"/executions/{eid}/report.html")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert "<!DOCTYPE html>" in r.text and "baseline" in r.text


@pytest.mark.parametrize("path", [
    "/../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/executions/..%2f..%2fetc%2fpasswd", "/executions/%2e%2e",
    "/executions//etc/passwd", "/etc/passwd", "//etc/passwd", "/static/../../etc/passwd", "/executions/1/../../../etc/passwd",
    "/executions/999999", "/models/no-such-model", "/monitors/..%2F..%2Fetc%2Fpasswd", "/monitors//etc/passwd",
    "/executions/1/statistics.json", "/executions/1/..%2fstatistics.json",
])
def test_no_request_path_reaches_the_filesystem(client: TestClient, path: str) -> None:
    r = client.get(path)
    assert r.status_code == 404, path
    assert "root:" not in r.text and '"features"' not in r.text


def test_read_only(client: TestClient, demo: Demo) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        assert client.request(method, "/").status_code == 405
        assert client.request(method, "/executions/1").status_code == 405
    store = client.app.state.store  # type: ignore[attr-defined]
    with pytest.raises(sqlite3.OperationalError):
        store._conn.execute("DELETE FROM executions")


def test_every_access_is_logged_without_the_query(demo: Demo, caplog: pytest.LogCaptureFixture) -> None:
    with TestClient(create_app(demo.config, token="s3cret")) as c, caplog.at_level(logging.INFO, "driftline.dashboard.access"):
        c.get("/", headers={"Authorization": "Bearer s3cret"})
        c.get("/nothing-here", headers={"Authorization": "Bearer s3cret"})
        c.get("/?token=s3cret", follow_redirects=False)
    lines = [r.getMessage() for r in caplog.records if r.name == "driftline.dashboard.access"]
    assert lines[0].startswith("GET / 200 ") and lines[1].startswith("GET /nothing-here 404 ")
    assert lines[2].startswith("GET / 303 ")
    assert all("s3cret" not in line for line in lines)


def test_token(demo: Demo) -> None:
    with TestClient(create_app(demo.config, token="s3cret")) as c:
        assert c.get("/").status_code == 401
        assert c.get("/", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/?token=wrong").status_code == 401
        assert c.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
        r = c.get("/models/credit-risk?token=s3cret&x=1", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/models/credit-risk?x=1"
        assert "HttpOnly" in r.headers["set-cookie"] and "s3cret" not in r.headers["set-cookie"]
        assert c.get("/models/credit-risk").status_code == 200  # the cookie now
        c.cookies.clear()
        assert c.get("/models/credit-risk").status_code == 401


def test_cli_refuses_a_public_host_without_token(demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", "--config", str(demo.config_path), "--host", "0.0.0.0"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--token" in err


def test_overview_sort_filter_paginate(demo: Demo, tmp_path: Path) -> None:
    text = demo.config_path.read_text()
    extra = "".join(
        f'\n[[monitors]]\nname = "m{i:02d}"\nmodel = "model-{i:02d}"\ntype = "data-quality"\nbaseline = "../baseline"\n'
        f'data = "../data/capture"\nschedule = "hourly"\nstart = "2026-11-01T00:00Z"\n' for i in range(12))
    cfg = demo.config_path.parent / "many.toml"
    cfg.write_text(text + extra)
    with TestClient(create_app(load_config(cfg))) as c:
        page = c.get("/?per_page=5&sort=model&order=asc").text
        models = re.findall(r'class="model-link" href="/models/([^"]+)"', page)
        assert models == ["credit-risk", "model-00", "model-01", "model-02", "model-03"]
        assert "page 1 of 3" in page and "next" in page
        page3 = c.get("/?per_page=5&sort=model&order=asc&page=3").text
        assert re.findall(r'class="model-link" href="/models/([^"]+)"', page3) == ["model-09", "model-10", "model-11"]
        desc = c.get("/?per_page=5&sort=model&order=desc").text
        assert re.findall(r'class="model-link" href="/models/([^"]+)"', desc)[0] == "model-11"
        inactive = c.get("/?status=Inactive").text
        assert "credit-risk" not in re.findall(r'class="model-link" href="/models/([^"]+)"', inactive)
        assert "13 models" in c.get("/").text and "12 models" in inactive
        assert re.findall(r'class="model-link" href="/models/([^"]+)"', c.get("/?q=CREDIT").text) == ["credit-risk"]
        assert c.get("/?page=999&per_page=abc&sort=bogus").status_code == 200


def test_payloads_are_escaped(payload: Demo) -> None:
    with TestClient(create_app(payload.config)) as c:
        pages = [c.get("/").text, c.get("/models/" + quote(PAYLOAD_MODEL, safe="")).text,
                 c.get("/monitors/" + quote(PAYLOAD_MONITOR, safe="")).text, c.get("/executions/1").text]
    for html in pages:
        assert "<script>" not in html and "<img src=x" not in html and "<svg onload" not in html
        assert "&lt;script&gt;" in html
    assert "feat &lt;script&gt;" in pages[3]  # feature name in the tables and the SVG text
    assert "cat &lt;img src=x" in pages[3]  # a category value (cut at 22 characters in the chart)


def test_sensitive_values_never_show(payload: Demo) -> None:
    with TestClient(create_app(payload.config)) as c:
        html = c.get("/executions/1").text + c.get("/executions/1/report.html").text
    assert SECRET_CATEGORY not in html
    assert hashed(SECRET_CATEGORY) in html
    assert hashed("east") in html  # the other values of the sensitive column are hashed too
    with TestClient(create_app(payload.config)) as c:
        monitor = c.get("/monitors/" + quote(PAYLOAD_MONITOR, safe="")).text
        failed = c.get("/executions/3").text
    for page in (monitor, failed):  # a stored failure reason quoting a value of the sensitive column
        assert "west" not in page and f"region &#39;{hashed('west')}&#39; is not allowed" in page


def test_config_sensitive_field(tmp_path: Path, demo: Demo) -> None:
    text = demo.config_path.read_text().replace('type = "data-quality"', 'type = "data-quality"\nsensitive = ["_c5", "_c6"]')
    p = demo.config_path.parent / "sensitive.toml"
    p.write_text(text)
    assert load_config(p).monitors[0].sensitive == ("_c5", "_c6")
    assert demo.config.monitors[0].sensitive == ()
    bad = demo.config_path.parent / "bad.toml"
    bad.write_text(text.replace('sensitive = ["_c5", "_c6"]', "sensitive = [1]"))
    with pytest.raises(ConfigError, match="sensitive"):
        load_config(bad)
