# Resettle: `make run` (embedded SQLite demo) and `make test` (whole suite on PostgreSQL + Redis).
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test venv deps test-deps services lint bench worker beat frontend migrate clean e2e audit db-app-role

$(BIN)/python:
	@command -v $(PY) >/dev/null || PY=python3; $${PY:-$(PY)} -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.deps: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e . 2>/dev/null || $(BIN)/pip install -q "$$(pwd)"
	@touch $@

$(VENV)/.test-deps: pyproject.toml $(VENV)/.deps
	$(BIN)/pip install -q -e ".[test]"
	@touch $@

deps: $(VENV)/.deps
test-deps: $(VENV)/.test-deps

## run: the embedded default: SQLite, eager Celery, demo data, logins printed
run: deps
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --no-input -v0
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Resettle is running at http://127.0.0.1:$(PORT)/  (sign in with a login above; Ctrl+C stops it)"
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

## services: make sure PostgreSQL and Redis answer on 127.0.0.1 (start them if not)
services:
	@bash scripts/ensure-services.sh

## test: everything the suite needs (apt packages too), then the whole suite on PostgreSQL and Redis
test: test-deps services
	@bash scripts/ensure-apt.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -c pyproject.toml -r agencies audit casework consent core config custody employers referrals reporting
	$(BIN)/python manage.py makemigrations --check --dry-run -v0 --settings=config.test_settings
	$(BIN)/pytest -p no:cacheprovider --create-db $(PYTEST_ARGS)

## audit: known vulnerabilities in the installed dependencies (pip-audit). Needs the internet, so it is a
## manual step before a release on a connected machine, not part of `make test` (see SECURITY.md).
audit: test-deps
	$(BIN)/pip install -q "pip-audit>=2.7,<3"
	$(BIN)/pip-audit --skip-editable --desc on $(AUDIT_ARGS)

## db-app-role: as the owner (DATABASE_URL of the role that runs migrate), create or update the
## application's role APP_ROLE (password from DATABASE_APP_PASSWORD): every table, but the audit table
## SELECT and INSERT only. Run after every migrate; the app then connects as APP_ROLE (SECURITY.md).
APP_ROLE ?= resettle_app
db-app-role: deps
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py db_app_role $(APP_ROLE)

e2e: test-deps services
	@bash scripts/ensure-apt.sh
	$(BIN)/pytest -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

lint: test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

worker: deps
	$(BIN)/celery -A config worker -l info

beat: deps
	$(BIN)/celery -A config beat -l info

bench: test-deps services
	$(BIN)/python -m tests.perf.bench $(BENCH_ARGS)

## frontend: rebuild static/govuk from the pinned govuk-frontend npm package (needs Node; output is committed)
frontend:
	cd frontend && npm ci --no-audit --no-fund && node build.mjs

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
