# Two commands on a fresh clone: `make demo` runs lead-router, `make test` runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo route test lint bench install clean screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("lead-router needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# examples/nextjs: its TypeScript compiler and Node types, from the npm registry
NEXTJS := examples/nextjs/node_modules/.package-lock.json
$(NEXTJS): examples/nextjs/package-lock.json
	npm ci --prefix examples/nextjs --no-audit --no-fund

install: $(STAMP) $(NEXTJS)

# The main job: embedded Temporal + Web UI + worker, the sample leads routed; Ctrl-C stops.
demo: $(STAMP)
	$(BIN)/lead-router up --demo

# The routing engine alone on the sample leads (the last sample line is invalid on purpose).
route: $(STAMP)
	$(BIN)/lead-router route domain/data/leads.jsonl || test $$? -eq 1

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# The app-database tests also run on PostgreSQL: scripts/ensure-postgres.sh starts one
# (installing it from Debian's packages if it can) and prints its URL. The console's
# browser tests drive Debian's chromium: scripts/ensure-chromium.sh installs it the same way.
test: lint $(NEXTJS)
	LEAD_ROUTER_TEST_POSTGRES_URL="$$(scripts/ensure-postgres.sh)" \
	LEAD_ROUTER_TEST_CHROMIUM="$$(scripts/ensure-chromium.sh)" $(BIN)/python -m pytest

# The console's screenshots in docs/console (the README shows them), from the browser tests.
screenshots: $(STAMP)
	LEAD_ROUTER_SCREENSHOTS=docs/console LEAD_ROUTER_TEST_CHROMIUM="$$(scripts/ensure-chromium.sh)" \
	$(BIN)/python -m pytest -q tests/starter/console/test_browser.py

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .lead-router .pytest_cache .mypy_cache .ruff_cache examples/nextjs/node_modules examples/nextjs/dist
