# Two commands: `make run` (set up and start the app) and `make test` (set up and test).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
API_PORT ?= 8000
# `make run API=1` also starts the HTTP API beside the app (same store: $ZONING_STORE or the
# embedded one; same on-disk cache).
API    ?=

.PHONY: run api test test-fast data bench lint clean help

help:
	@echo "make run   - create .venv, install requirements.txt, start the app on http://localhost:$(PORT)"
	@echo "             (make run API=1: and the HTTP API on http://localhost:$(API_PORT)/api/docs)"
	@echo "make api   - start only the HTTP API and OGC API - Features on http://localhost:$(API_PORT)"
	@echo "make test  - create .venv with test tools and run the whole test suite"
	@echo "make lint  - ruff and mypy (configured in pyproject.toml)"
	@echo "make data  - rebuild data/zones.gpkg from the files in data/ (deterministic)"
	@echo "make bench - province-scale benchmarks side by side with PostGIS"

$(VENV)/.installed: requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip "setuptools>=75" wheel
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Beside the server, ui.readiness waits for it and runs its readiness check once, so the zone
# store, rules and modules are loaded before the first visitor.
# With API=1 the API runs beside it (stopped when the app stops); its own readiness check is
# /api/health, answered once the store is open and the engine's indexes are built.
run: $(VENV)/.installed
	($(PY) -m ui.readiness $(PORT) >/dev/null 2>&1 &)
ifneq ($(API),)
	$(PY) -m zoning serve --port $(API_PORT) & api=$$!; trap "kill $$api" EXIT INT TERM; \
	$(PY) -m streamlit run serve.py --server.port $(PORT)
else
	$(PY) -m streamlit run serve.py --server.port $(PORT)
endif

api: $(VENV)/.installed
	$(PY) -m zoning serve --port $(API_PORT)

test: $(VENV)/.dev-installed
	$(PY) -m pytest

# ruff over the whole tree and mypy over the product's code, both configured in pyproject.toml.
# (`ruff format` is not enforced: most of the tree predates it.)
lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Everything except the real-browser tests.
test-fast: $(VENV)/.dev-installed
	$(PY) -m pytest -m "not e2e"

data: $(VENV)/.installed
	$(PY) -m zoning build-data

# PostGIS (the reference), chromium (map render), nginx + wrk (the exported map under load).
bench: $(VENV)/.dev-installed
	.ci/apt-install postgresql postgresql-postgis chromium nginx-light wrk
	$(PY) benchmarks/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .mypy_cache .ruff_cache
