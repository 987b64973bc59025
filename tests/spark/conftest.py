"""One local Spark session for the whole test session (``local[2]``, UI off, small shuffles).

The Spark tests skip with the reason when pyspark or Java is missing, unless
``CI_REQUIRE_SPARK=1`` (set by ``.ci/run``), where they fail instead.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest


def _missing() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install pyspark; make test installs it)"
    java = shutil.which("java", path=os.path.join(os.environ["JAVA_HOME"], "bin")) if os.environ.get("JAVA_HOME") else None
    java = java or shutil.which("java")
    if java is None:
        return "Java is not installed (Spark needs Java 17+: apt-get install openjdk-17-jre-headless)"
    try:
        subprocess.run([java, "-version"], check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as e:
        return f"`java -version` fails ({e})"
    return None


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    why = _missing()
    if why is not None:
        if os.environ.get("CI_REQUIRE_SPARK") == "1":
            pytest.fail(f"CI_REQUIRE_SPARK=1 but {why}")
        pytest.skip(why)
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the tasks import this driftline
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]").appName("driftline-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.default.parallelism", "4")
        .config("spark.driver.memory", "1g")
        # several Arrow batches per partition, so the tasks' batch loop is exercised
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "2000")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
