# Two commands for a newcomer: `make serve` and `make test` (both install what they need).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin

$(BIN)/customer-center: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $@

.PHONY: install serve test lint bench
install: $(BIN)/customer-center

serve: install
	$(BIN)/customer-center serve

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

bench: install
	$(BIN)/python -m bench.run
