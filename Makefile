# Customer Success Dashboard: set-up, run and test.
#
#   make run     set up, create the SQLite database, seed demo data once, and
#                serve the dashboard on http://127.0.0.1:8050
#   make test    set up (venv, Debian chromium) and run the whole suite headless
#
# Override on the command line: make run PORT=8060, make test PYTEST_ARGS='-k sm001'.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8050
PYTEST_ARGS ?=
# Options of benchmarks/bench_pipeline.py, e.g. make bench BENCH_ARGS='--clients 10000 --skip-views'.
BENCH_ARGS ?=
# dash[testing]'s pytest plugin; Chrome's own flags are in tests/browser/conftest.py.
BROWSER_ARGS := --headless --webdriver Chrome

BOOTSTRAP_VERSION := 5.3.9
BOOTSTRAP_ICONS_VERSION := 1.13.2
VENDOR_DIR := assets/1-vendor

.PHONY: help venv chromium test run lint bench clean distclean vendor-assets

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

venv: $(STAMP) ## create .venv and install the project with its test extras

# Reinstalls only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	  || { echo "make: Python 3.11 or newer is needed; set PYTHON=/path/to/python3.11" >&2; exit 1; }
	@if [ ! -x $(BIN)/python ]; then \
	  echo "Creating $(VENV) ..."; \
	  $(PYTHON) -m venv $(VENV) \
	    || { echo "make: '$(PYTHON) -m venv' failed (on Debian: apt-get install python3-venv)" >&2; exit 1; }; \
	fi
	@echo "Installing the project and its test extras into $(VENV) ..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

chromium: ## install Debian's chromium and chromium-driver when missing
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	command -v apt-get >/dev/null \
	  || { echo "make: chromium and chromedriver are missing and apt-get is not available" >&2; exit 1; }; \
	sudo=""; if [ "$$(id -u)" -ne 0 ]; then sudo="sudo"; fi; \
	echo "Installing Debian's chromium and chromium-driver ..."; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver

test: venv chromium ## run the whole suite (unit and headless browser tests)
	@rc=0; $(BIN)/python -m pytest $(BROWSER_ARGS) $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests (exit code 5): failing" >&2; fi; \
	exit $$rc

run: venv ## set up, seed demo data once, and serve on http://127.0.0.1:8050 (HOST, PORT)
	@mkdir -p instance
	$(BIN)/csd init-db
	$(BIN)/csd seed-demo --if-empty --sync-folder instance/sync-drop
	$(BIN)/csd demo-admin
	CSD_SCHEDULER="$${CSD_SCHEDULER:-on}" $(BIN)/csd serve --host $(HOST) --port $(PORT)

lint: venv ## ruff: lint and formatting check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: venv ## print the scoring, then the pipeline benchmark figures (BENCH_ARGS)
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_pipeline.py $(BENCH_ARGS)

clean: ## remove caches and build output (keeps .venv and instance/)
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
	rm -rf .pytest_cache .ruff_cache .hypothesis build dist *.egg-info

distclean: clean ## also remove .venv (instance/ holds data and is never removed)
	rm -rf $(VENV)

vendor-assets: ## fetch Bootstrap and bootstrap-icons again from the npm registry
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	( cd "$$tmp" && npm pack --silent bootstrap@$(BOOTSTRAP_VERSION) bootstrap-icons@$(BOOTSTRAP_ICONS_VERSION) >/dev/null ); \
	mkdir -p "$$tmp/bs" "$$tmp/bi" $(VENDOR_DIR)/bootstrap $(VENDOR_DIR)/bootstrap-icons/fonts; \
	tar -xzf "$$tmp/bootstrap-$(BOOTSTRAP_VERSION).tgz" -C "$$tmp/bs"; \
	tar -xzf "$$tmp/bootstrap-icons-$(BOOTSTRAP_ICONS_VERSION).tgz" -C "$$tmp/bi"; \
	cp "$$tmp"/bs/package/dist/css/bootstrap.min.css{,.map} "$$tmp/bs/package/LICENSE" $(VENDOR_DIR)/bootstrap/; \
	cp "$$tmp/bi/package/font/bootstrap-icons.min.css" "$$tmp/bi/package/LICENSE" $(VENDOR_DIR)/bootstrap-icons/; \
	cp "$$tmp"/bi/package/font/fonts/bootstrap-icons.woff{,2} $(VENDOR_DIR)/bootstrap-icons/fonts/; \
	echo "Vendored bootstrap $(BOOTSTRAP_VERSION) and bootstrap-icons $(BOOTSTRAP_ICONS_VERSION) into $(VENDOR_DIR)"
