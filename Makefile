# Postwell developer commands. `make run` and `make test` are all a fresh
# machine needs: each creates .venv and installs the pinned requirements first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test test-postgres lint format migrate seed openapi bench clean

install: $(VENV)/.installed

$(VENV)/.installed: requirements/base.txt requirements/prod.txt requirements/dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

## Serve on http://$(HOST):$(PORT) (SQLite by default), migrations applied first.
run: install
	$(BIN)/flask --app wsgi db upgrade
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py wsgi:app

## The test suite (SQLite, in-process cache; DATABASE_URL / REDIS_URL switch backends).
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

## The same suite against the local PostgreSQL and Redis.
test-postgres: install
	DATABASE_URL=$${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/test} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(BIN)/flask --app wsgi db upgrade

seed: install
	$(BIN)/flask --app wsgi seed --users 100 --posts 2000

openapi: install
	$(BIN)/flask --app wsgi openapi write --format=json openapi.json

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
