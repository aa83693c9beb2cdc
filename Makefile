# The front door. `make help` lists the targets; each target documents itself with a `## ` line.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
RAW ?= data/raw
PROCESSED ?= data/processed
YEARS ?= 2021-2025
AS_OF ?=
export AS_OF  # read by the recipes as "$$AS_OF" (never pasted into the shell's command text); helpers checks it

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

## List the targets
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-zA-Z_-]+:/{if(doc){split($$1,t,":"); printf "  make %-15s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

## Create .venv and install the project with its dependencies (done by every target that needs it)
install: $(STAMP)

## Install the Debian packages reports and tests need, when missing: fonts-noto-cjk (CJK font), chromium (browser test), libreoffice-writer-nogui (the Word edition's TOC page numbers)
install-system:
	@missing=""; \
	[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || missing="$$missing fonts-noto-cjk"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v soffice >/dev/null 2>&1 || missing="$$missing libreoffice-writer-nogui"; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" -eq 0 ] || sudo="sudo"; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing >/dev/null; \
	fi

## Write the synthetic sample extracts into data/raw, only if it holds no data yet
sample-data: $(STAMP)
	$(PY) -m helpers sample-data --out $(RAW) --if-empty

## Run the whole pipeline on data/raw (sample data if empty): the stages, the workbook, every report 2021–2025, the index (AS_OF=YYYY-MM-DD: the data cut-off)
report: sample-data install-system
	$(PY) -m helpers clean --raw-dir $(RAW) --out $(PROCESSED) --if-changed $${AS_OF:+--as-of "$$AS_OF"}
	$(PY) -m helpers evaluate --processed $(PROCESSED) --reports reports $${AS_OF:+--as-of "$$AS_OF"}
	$(PY) -m helpers run --processed $(PROCESSED) --reports reports --years $(YEARS) --areas all --formats html,pdf,docx \
	  $${AS_OF:+--as-of "$$AS_OF"}

## Run the whole test suite (what CI runs) on every core (pytest-xdist), the 15 slowest steps listed at the end
test: $(STAMP) install-system
	$(PY) -m pytest -q --durations=15

## Run the tests that need no kernel, PDF, LibreOffice, browser or subprocess (-m "not e2e"): the everyday loop
test-fast: $(STAMP) install-system
	$(PY) -m pytest -q -m "not e2e" --durations=15

## Time `make test`'s suite against commit 0cf6791's, back to back (BASE=a checkout of it; slow: ~15 min)
bench-tests: $(STAMP)
	$(PY) benchmarks/bench_tests.py $${BASE:+--base "$$BASE"}

## Check style: ruff, and that notebooks carry no outputs
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/nbstripout --verify notebooks/*.ipynb

## Run the benchmarks (ratios against naive baselines and commit 0cf6791, measured in the same run)
bench: $(STAMP)
	$(PY) benchmarks/bench.py
	$(PY) benchmarks/bench_reports.py
	$(PY) benchmarks/bench_runner.py
	$(PY) benchmarks/bench_base.py

## Regenerate the stages-and-datasets diagram and tables of docs/pipeline.md from the code and the catalog
docs: $(STAMP)
	$(PY) -m helpers.pipeline.diagram docs/pipeline.md

## Open JupyterLab on the project's kernel
lab: $(STAMP)
	$(PY) -m ipykernel install --sys-prefix --name heyuan-ip --display-name "Heyuan IP (.venv)" >/dev/null
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks

## Install the git hooks (ruff, nbstripout) for contributors
hooks: $(STAMP)
	$(VENV)/bin/pre-commit install

## Remove generated data and reports (data/raw is kept)
clean:
	rm -rf $(PROCESSED)/* reports/* .cache
	@touch $(PROCESSED)/.gitkeep reports/.gitkeep

.PHONY: help install install-system sample-data report test test-fast bench-tests lint bench docs lab hooks clean
