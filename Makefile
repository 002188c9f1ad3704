# Postwell developer commands. `make run` and `make test` are all a fresh
# machine needs: each creates .venv and installs the locked requirements first
# (with uv, by hash): `make run` only what running needs, `make test` the rest.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
HOST ?= 127.0.0.1
PORT ?= 8000
# requirements/*.txt are compiled from requirements/*.in by `make lock`.
LOCK := $(UV) pip compile --quiet --generate-hashes --universal --python-version 3.11 \
	--custom-compile-command "make lock"

.PHONY: install install-run run test test-postgres lint format migrate seed openapi bench lock clean

$(UV): requirements/uv.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements/uv.txt
	touch $@

## What running needs (requirements/prod.txt).
install-run: $(VENV)/.installed-run

$(VENV)/.installed-run: $(UV) requirements/prod.txt
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/prod.txt
	touch $@

## Everything: running, tests, lint (requirements/dev.txt).
install: $(VENV)/.installed

$(VENV)/.installed: $(UV) requirements/dev.txt
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/dev.txt
	touch $@ $(VENV)/.installed-run

## Recompile the locks after editing requirements/*.in (versions already locked
## stay; `make lock UPGRADE="--upgrade-package flask"` moves one package).
lock: $(UV)
	cd requirements && for name in uv base prod dev; do \
		../$(LOCK) $(UPGRADE) $$name.in -o $$name.txt || exit 1; done

## Serve on http://$(HOST):$(PORT) (SQLite by default), migrations applied first.
run: install-run
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

migrate: install-run
	$(BIN)/flask --app wsgi db upgrade

seed: install-run
	$(BIN)/flask --app wsgi seed --users 100 --posts 2000

openapi: install-run
	$(BIN)/flask --app wsgi openapi write --format=json openapi.json

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .coverage htmlcov
