# driftline: `make demo` and `make test` work on a fresh machine (Rust + Python 3.11+ + pip).
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.deps-installed
export CARGO_TERM_COLOR ?= never

.PHONY: demo test build test-rust test-python stubtest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "maturin>=1.9,<2" numpy polars pyarrow pytest pytest-benchmark hypothesis scipy scikit-learn pandas mypy datasketches "psycopg[binary]>=3.1" "prometheus-client>=0.20" croniter "smclarify==0.5" "shap==0.51.*" starlette jinja2 uvicorn httpx selenium statsmodels matplotlib pyspark
	touch $(STAMP)

# Build the extension (fast-release profile) and install the package in editable mode.
build: $(STAMP)
	$(VENV)/bin/maturin develop --quiet

demo: build
	$(VENV)/bin/driftline demo

test-rust:
	cargo test -p driftline-core --quiet

stubtest: build
	$(PY) -m mypy.stubtest driftline._core --allowlist .stubtest-allowlist
	$(PY) -m mypy

test-python: build
	$(PY) -m pytest -q

test: test-rust stubtest test-python

# Benchmarks: driftline beside scipy / numpy / datasketches, see BENCHMARKS.md.
bench: build
	$(PY) -m pytest benches --benchmark-enable --benchmark-only -m "not slow or slow" \
	  --benchmark-columns=min,median,mean,rounds --benchmark-group-by=group

clean:
	rm -rf $(VENV) target demo-output
