# Two commands set everything up: `make bench` and `make test`. Each creates .venv on first
# use and reinstalls only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: bench test lint report bench-pytest clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# The main job: every scenario on the small dataset, SQLite, sizes 1..1000.
bench: $(STAMP)
	$(BIN)/querybench run --dataset small --out reports/latest

# The same registry through pytest-benchmark; its JSON feeds `querybench report`.
bench-pytest: $(STAMP)
	$(BIN)/pytest bench/test_scenarios.py --benchmark-json=reports/bench.json -p no:cacheprovider

report: $(STAMP)
	$(BIN)/querybench report reports/latest/results.json -o reports/latest/report.html

# Two workers (xdist); coverage with branches, its floor in pyproject.toml.
test: $(STAMP)
	$(BIN)/pytest -n 2 --cov --cov-report=term

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .querybench-cache reports/latest .coverage
