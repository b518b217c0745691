# Two commands for a newcomer: `make demo` and `make test`. Everything else is for developers.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint typecheck unit demo schemas bench clean

# Re-installs only when pyproject.toml changed since the last install.
install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy --strict reconciler

unit: install
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
