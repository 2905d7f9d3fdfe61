# Every target sets itself up: a fresh clone needs only python3 (3.11+) and make. uv comes from PyPI (pinned)
# when it is not installed; the environment comes from the committed uv.lock.
PYTHON ?= python3
UV_VERSION := 0.13.9
UV_HOME := .uv
UV ?= $(shell command -v uv 2>/dev/null || echo $(UV_HOME)/bin/uv)
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
# Never download a Python: use the machine's python3. --frozen: install exactly the lock, never re-resolve it.
export UV_PYTHON_DOWNLOADS := never
SYNC := $(UV) sync --frozen --python $(PYTHON)

.PHONY: help setup setup-runtime test lint typecheck pytest quick plan bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(UV_HOME)/bin/uv:
	$(PYTHON) -m venv $(UV_HOME)
	$(UV_HOME)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# What the program, the pack and the command need: enough for `make plan`.
$(BIN)/.runtime: pyproject.toml uv.lock | $(UV)
	$(SYNC) --no-dev --inexact --quiet
	touch $@

# Everything: the runtime and the dev group (tests, lint, type check).
$(BIN)/.dev: pyproject.toml uv.lock | $(UV)
	$(SYNC) --quiet
	touch $@ $(BIN)/.runtime

setup: $(BIN)/.dev ## create .venv from uv.lock with everything the tests need

setup-runtime: $(BIN)/.runtime ## create .venv from uv.lock with only what pulumi, the pack and ghes-packages need (the pipeline)

test: lint typecheck pytest ## everything CI checks: ruff, mypy against the provider SDKs' type hints, pytest

lint: setup ## ruff
	$(BIN)/ruff check .

typecheck: setup ## mypy --strict on the program, components, policies and the ghes_packages package
	$(BIN)/mypy

pytest: setup ## the test suite on every core, idle workers taking queued tests (pytest exits 5, non-zero, when it collects no test)
	$(BIN)/pytest -n auto --dist worksteal

quick: setup ## the quick loop: every test but the end-to-end ones (sshd, moto server, subprocesses)
	$(BIN)/pytest -n auto --dist worksteal -m "not e2e"

plan: $(BIN)/.runtime ## offline plan of stack $(STACK): no cloud account, no Pulumi CLI
	$(BIN)/ghes-packages plan --stack $(STACK)

bench: setup ## benchmarks, as ratios to floors measured in the same run
	$(BIN)/python -m bench

clean: ## remove the virtualenv, the bootstrapped uv and caches
	rm -rf $(VENV) $(UV_HOME) .mypy_cache .pytest_cache .ruff_cache .hypothesis
