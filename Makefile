# learncity — two commands: `make demo` and `make test`.
# Only python3.12 (or newer), git, make and the machine's PostgreSQL are assumed; everything else is bootstrapped.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# A working Python >= 3.12: on PATH, or in pyenv's versions folder.
PYTHON ?= $(shell for p in python3.13 python3.12 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.12*/bin/python3.12; do \
  if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$p; break; fi; done)
TOOLS := .tools
UV := $(TOOLS)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)
# The demo keeps its database, keys and uploads in the checkout (learncity itself defaults to ~/.local/share/learncity).
export LEARNCITY_DATA_DIR ?= $(CURDIR)/data
RUN := $(UV) run --frozen
APT_PACKAGES := chromium fonts-wqy-microhei poppler-utils gettext wrk

.PHONY: help demo test install system-deps lint test-sqlite test-postgres serve bench clean

help:
	@echo "make demo   install everything, build the demo city (Fuzhou) into SQLite and serve it at http://127.0.0.1:8000 (PORT=8001 for another port)"
	@echo "make test   run the whole test suite (lint, import contracts, SQLite, PostgreSQL, browser)"

$(UV):
	@test -n "$(PYTHON)" || { echo "error: no Python >= 3.12 found (tried python3.13, python3.12 and pyenv's versions)"; exit 1; }
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

.venv/.synced: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --all-groups
	@touch $@

install: .venv/.synced system-deps

# Debian packages the browser tests, the PDFs and the benchmarks need (a Chinese font, Chromium, pdftoppm, msgfmt, wrk).
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get -o DPkg::Lock::Timeout=300 update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get \
	    -o DPkg::Lock::Timeout=300 install -y -qq $$missing >/dev/null; \
	fi

# The port the demo and serve listen on: `make demo PORT=8001` when 8000 is taken.
PORT ?= 8000
demo: install
	$(RUN) learncity demo --port $(PORT)

serve: install
	$(RUN) learncity serve --port $(PORT)

lint: .venv/.synced
	$(RUN) ruff check src tests bench
	$(RUN) lint-imports

# The whole suite: lint and import contracts, then every test on SQLite, then on PostgreSQL when it is reachable.
# Tests run on TEST_WORKERS processes (pytest-xdist; one a core by default), each with its own databases and data
# folder; the browser tests all go to one worker (their group), which starts the one demo server they share.
TEST_WORKERS ?= auto
XDIST := -n $(TEST_WORKERS) --dist loadgroup
test: install lint
	$(RUN) pytest $(XDIST)
	@$(MAKE) --no-print-directory test-postgres

test-postgres: .venv/.synced
	@bash scripts/with-postgres.sh $(RUN) pytest $(XDIST) -m "not e2e"

bench: install
	$(RUN) learncity bench all

clean:
	rm -rf .venv $(TOOLS) data .pytest_cache
