# Every target sets itself up: a fresh clone needs only python3 (3.11+) and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev

.PHONY: help setup test lint typecheck pytest plan bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed ## create .venv and install the pinned dependencies

test: lint typecheck pytest ## everything CI checks: ruff, mypy against pulumi_aws's type hints, pytest

lint: setup ## ruff
	$(BIN)/ruff check .

typecheck: setup ## mypy --strict on the program, components, policies, settings and cli
	$(BIN)/mypy

pytest: setup ## the test suite (pytest exits non-zero, 5, when it collects no test)
	$(BIN)/pytest

plan: setup ## offline plan of stack $(STACK): no cloud account, no Pulumi CLI
	$(BIN)/python -m cli plan --stack $(STACK)

bench: setup ## benchmarks, as ratios to floors measured in the same run
	$(BIN)/python -m bench

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
