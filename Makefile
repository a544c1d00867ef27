# One command runs the product, one runs the tests; both set up .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: run test install migrate lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

migrate: install
	$(BIN)/python manage.py migrate --noinput

## make run: sandbox + web (127.0.0.1:8000) + worker + demo data; Ctrl-C stops all
run: migrate
	$(BIN)/python manage.py run_hub

## make test: the whole suite (SQLite and the ORM broker unless DATABASE_URL/Q2_REDIS_URL say else),
## in TEST_WORKERS parallel processes; PYTEST_ARGS="-n0 tests/x.py" runs one file in one process
TEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python bench/sandbox.py
	$(BIN)/python bench/orders.py
	$(BIN)/python bench/catalog.py
	$(BIN)/python bench/stock.py

clean:
	rm -rf $(VENV) var/*.sqlite3*
