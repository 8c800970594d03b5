# Quick start: `make demo` (install + run the main job on the bundled sample), `make test` (install + tests).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test check bench clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/veille demo

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

check: $(VENV)/.installed-test
	$(BIN)/ruff format --check veille tests benchmarks
	$(BIN)/ruff check veille tests benchmarks
	$(BIN)/mypy veille
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) veille.db veille.db-wal veille.db-shm
