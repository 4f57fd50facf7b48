# parley: `make demo` and `make test` are the two commands a new user needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: demo test lint unit bench fuzz crash soak install clean chromium

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "parley needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/parley demo

# Both cores: the suite is mostly CPU-bound Python (PYTEST_ARGS="-n 0" runs it in one process).
test: lint chromium
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

# The browser tests drive Debian's Chromium: installed here where this may (as root,
# with apt); elsewhere they skip, saying why.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "no /usr/bin/chromium, and no apt as root to install it: the browser tests will skip"; \
	  fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest tests/unit $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python bench/import.py
	$(BIN)/python bench/name_forms.py
	$(BIN)/python bench/matching.py
	$(BIN)/python bench/planner.py
	$(BIN)/python bench/ledger.py
	$(BIN)/python bench/handover.py
	$(BIN)/python bench/api.py

# Longer runs than `make test` gives them.
fuzz: $(STAMP)
	$(BIN)/python bench/fuzz.py 60
	$(BIN)/python bench/hostile.py

crash: $(STAMP)
	$(BIN)/python bench/crash.py --kills 200 --record

soak: $(STAMP)
	$(BIN)/python bench/soak.py --minutes 10 --record

clean:
	rm -rf $(VENV) demo build dist test-output .mypy_cache .ruff_cache .pytest_cache
