# kindline: `make run` serves the demo operator; `make test` passes every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEBIAN_TEST_PACKAGES := chromium fonts-noto-cjk kannel kannel-extras espeak-ng

.PHONY: run test setup setup-test system-test-deps bench bench-usage bench-workorders clean migration

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)

run: setup
	$(BIN)/kindline run

# Debian packages the browser, Kannel and spoken-prompt tests need, installed only when missing.
system-test-deps:
	@missing=""; for p in $(DEBIAN_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

# Two workers (one per core); a test file stays on one worker, so its module fixtures load once.
PYTEST_ARGS ?= -n 2 --dist loadfile

test: setup system-test-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/pytest $(PYTEST_ARGS)

bench: setup
	$(BIN)/python bench/run.py

# Usage rating (issue 3): 10M records / 1M lines column-wise, 200k records one by one.
# Smaller: make bench-usage USAGE_ARGS="--lines 100000 --records 1000000"
bench-usage: setup
	$(BIN)/python bench/usage.py $(USAGE_ARGS)

# Work-order SLA (issue 4): a million open work orders in PostgreSQL, the sweep, two workers firing.
bench-workorders: setup
	$(BIN)/python bench/workorders.py $(WORKORDER_ARGS)

# Generate a migration after changing models: make migration m="what changed"
migration: setup
	$(BIN)/python -m kindline.core.migrate revision "$(m)"

clean:
	rm -rf $(VENV) var .pytest_cache
