# Two commands: `make run` (set up and start the app) and `make test` (set up and test).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test test-fast data bench lint clean help

help:
	@echo "make run   - create .venv, install requirements.txt, start the app on http://localhost:$(PORT)"
	@echo "make test  - create .venv with test tools and run the whole test suite"
	@echo "make data  - rebuild data/zones.gpkg from the files in data/ (deterministic)"
	@echo "make bench - province-scale benchmarks side by side with PostGIS"

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

run: $(VENV)/.installed
	$(PY) -m streamlit run app.py --server.port $(PORT)

test: $(VENV)/.dev-installed
	$(PY) -m pytest

# Everything except the real-browser tests.
test-fast: $(VENV)/.dev-installed
	$(PY) -m pytest -m "not e2e"

data: $(VENV)/.installed
	$(PY) -m zoning build-data

bench: $(VENV)/.dev-installed
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
