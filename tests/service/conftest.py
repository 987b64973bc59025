"""Fixtures for the service tests: a fresh store per test on each backend.

SQLite always runs. PostgreSQL runs when ``DRIFTLINE_TEST_POSTGRES_URL`` names a database (CI's
.ci/run starts a throwaway server); each test gets its own schema, dropped afterwards. Without the
URL those cases are skipped, unless ``CI_REQUIRE_POSTGRES=1``, where they fail."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from driftline.service.store import Store

PG_ENV = "DRIFTLINE_TEST_POSTGRES_URL"
# Read once and taken out of the environment: commands the action tests start check that they
# get exactly the DRIFTLINE_* variables of their event, and must not inherit this one.
PG_URL = os.environ.pop(PG_ENV, "").strip()


def _with_option(url: str, option: str) -> str:
    return url + ("&" if "?" in url else "?") + option


def _postgres_url_or_skip() -> str:
    url = PG_URL
    required = os.environ.get("CI_REQUIRE_POSTGRES") == "1"
    if not url:
        msg = f"PostgreSQL store tests need {PG_ENV}=postgresql://... (set by .ci/run)"
        if required:
            pytest.fail(f"CI_REQUIRE_POSTGRES=1 but {PG_ENV} is not set: {msg}")
        pytest.skip(msg)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        if required:
            pytest.fail("CI_REQUIRE_POSTGRES=1 but psycopg is not installed (pip install 'psycopg[binary]')")
        pytest.skip("psycopg is not installed (pip install 'psycopg[binary]')")
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Where a fresh, empty store lives: a SQLite file path or a PostgreSQL URL whose search_path
    is a schema of this test's own."""
    if request.param == "sqlite":
        yield str(tmp_path / "db" / "driftline.db")
        return
    import psycopg

    base = _postgres_url_or_skip()
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield _with_option(base, f"options=-csearch_path%3D{schema}")
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


@pytest.fixture
def store(target: str) -> Iterator[Store]:
    with Store.open(target) as s:
        yield s


@pytest.fixture
def open_store(target: str) -> Iterator[Callable[[], Store]]:
    """Opens more stores on the same database (each its own connection), closed at teardown."""
    opened: list[Store] = []

    def make() -> Store:
        s = Store.open(target)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()
