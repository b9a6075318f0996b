# CoStandard — one place for each command. A newcomer needs only `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8501

.PHONY: run test test-fast e2e load reliability bench lint migrate seed clean screenshots

$(STAMP): requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 not found (set PYTHON=...)"; exit 2; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

## run: create .venv, install, migrate, seed the demo into an empty database, serve on :8501
run: $(STAMP)
	$(PY) manage.py init-db
	$(PY) manage.py seed-demo --if-empty
	$(PY) -m streamlit run app.py --server.headless true --server.port $(PORT)

## test: the whole suite (SQLite and PostgreSQL; browser tests when Chromium is installed)
test: $(STAMP)
	$(PY) -m pytest

## test-fast: service tests only
test-fast: $(STAMP)
	$(PY) -m pytest -m "not browser and not apptest"

## e2e: only the Chromium browser tests
e2e: $(STAMP)
	$(PY) -m pytest -m browser

## load: the concurrency check at full size (LOAD_WORKERS processes for LOAD_SECONDS against PostgreSQL),
## then LOAD_WORKERS users (4 in Chromium, the rest over Streamlit's websocket protocol) on two app servers for
## LOAD_SECONDS (tests/test_load_browser.py)
LOAD_WORKERS ?= 20
LOAD_SECONDS ?= 60
# mean think time between one user's actions (s): people read a page before the next click
LOAD_THINK ?= 10
## load: also FAULT_REPEATS SIGKILLs per operation (import, restore, standard save) and database
FAULT_REPEATS ?= 10
load: $(STAMP)
	COSTANDARD_LOAD_WORKERS=$(LOAD_WORKERS) COSTANDARD_LOAD_SECONDS=$(LOAD_SECONDS) COSTANDARD_LOAD_THINK=$(LOAD_THINK) \
		COSTANDARD_FAULT_REPEATS=$(FAULT_REPEATS) \
		$(PY) -m pytest tests/test_concurrency_load.py tests/test_faults.py tests/test_load_browser.py -m load -s

## reliability: run the fault, hostile-input, permission and load checks; rewrite docs/RELIABILITY.md
reliability: $(STAMP)
	$(PY) tools/reliability.py --fault-repeats $(FAULT_REPEATS) --load-workers $(LOAD_WORKERS) \
		--load-seconds $(LOAD_SECONDS) --load-think $(LOAD_THINK)

bench: $(STAMP)
	$(PY) -m bench

## lint: ruff (configuration in pyproject.toml); fails on any violation, CI runs it
lint: $(STAMP)
	$(PY) -m ruff check .

migrate: $(STAMP)
	$(PY) manage.py migrate

seed: $(STAMP)
	$(PY) manage.py seed-demo

clean:
	rm -rf $(VENV) var .pytest_cache

## screenshots: refresh docs/screenshots with Chromium (needs `apt-get install chromium fonts-noto-cjk`)
screenshots: $(STAMP)
	$(PY) tools/screenshots.py
