# call-qa: `make demo` and `make test` do all set-up on a new machine.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The call-qa home (README "State"): the database, Prefect's home and the numba cache
# go under var/ of this checkout; call-qa derives PREFECT_HOME and NUMBA_CACHE_DIR.
export CALL_QA_HOME ?= $(CURDIR)/var

.PHONY: setup demo test test-fast lock clean

setup: $(STAMP)

$(STAMP): requirements/torch.txt requirements/lock.txt pyproject.toml
	./scripts/install-system-packages.sh
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "error: call-qa needs Python 3.11 (found %d.%d); set PYTHON=python3.11" % sys.version_info[:2])'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip==25.3
	# torch first, pinned, in its own call: an unpinned torch pulls a build pyannote cannot load
	$(PY) -m pip install -q -r requirements/torch.txt
	$(PY) -m pip install -q -r requirements/lock.txt
	$(PY) -m pip install -q --no-deps -e .
	$(PY) scripts/check_install.py
	touch $(STAMP)

# Runs the main job on the bundled sample calls with the embedded defaults
# (offline models, SQLite in var/call_qa.sqlite3, the call-qa home) and prints the table of calls.
demo: setup
	$(VENV)/bin/call-qa process sample_audio --out var/demo
	@echo "per-call JSON: var/demo/   database: var/call_qa.sqlite3"

test: setup
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest -m "not slow"

# Re-resolve requirements/lock.txt from requirements/base.in (needs the registry).
lock:
	rm -rf var/lockenv && $(PYTHON) -m venv var/lockenv
	var/lockenv/bin/pip install -q -r requirements/torch.txt && var/lockenv/bin/pip install -q -r requirements/base.in
	var/lockenv/bin/pip freeze > requirements/lock.txt

clean:
	rm -rf var
