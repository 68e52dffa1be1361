# Set-up is part of every target: a fresh clone needs only `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint unit bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/naromeet-bot run $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint unit

bench: $(STAMP)
	$(BIN)/python benchmarks/audio.py
	$(BIN)/python benchmarks/storage.py
	$(BIN)/python benchmarks/latency.py
	$(BIN)/python benchmarks/relay.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
