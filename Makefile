# Two commands for a newcomer: `make demo` (install, load the demo, serve) and `make test`.
# With no DATABASE_URL both run on a PostgreSQL of the checkout's own in var/postgres, started on
# first use by the settings (config/localservices.py); with no REDIS_URL the demo runs Celery tasks
# in-process and the tests start a Redis of their own in var/redis. `make clean` stops both and
# removes var/ (the demo's data with it).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Python >= 3.12 (vietnam-provinces 2026.9.0 needs it): the first found on PATH or under pyenv.
PYTHON ?= $(shell for p in python3.13 python3.12 $$(ls -d $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.1[2-9]*/bin/python3 2>/dev/null); do \
	"$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v "$$p"; break; }; done)
HOST ?= 127.0.0.1:8000

.PHONY: install system-packages demo serve test lint typecheck pytest messages check-deploy bench bench-tree bench-entry bench-import load load-cpu scan bench-members clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Cần Python >= 3.12 (python3.12 trên PATH hoặc trong pyenv). Python >= 3.12 is required."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

# axe-core, pinned in package.json/package-lock.json, for the browser tests' accessibility audit
# (tests/browser/test_accessibility.py injects node_modules/axe-core/axe.min.js): from npm at
# install time, never from a CDN. Skipped when npm is missing outside `make test`.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm không có: bỏ qua axe-core (chỉ cần cho kiểm thử trình duyệt) / npm missing: axe-core skipped"; fi

system-packages:
	@bash bin/system-packages $(if $(filter test pytest,$(MAKECMDGOALS)),test,demo)

install: system-packages $(VENV)/.installed node_modules/.installed
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var --ignore=node_modules -v0

demo: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	$(BIN)/python manage.py load_demo
	@$(BIN)/python manage.py shell -v0 -c 'from django.db import connection as c; d = c.settings_dict; print("Dữ liệu / data:", d["HOST"] or "127.0.0.1", d["NAME"])'
	@echo "Cổng thông tin: http://$(HOST)/  (Ctrl+C để dừng)"
	$(BIN)/python manage.py runserver $(HOST)

serve: install
	$(BIN)/python manage.py runserver $(HOST)

# Refreshes locale/en/LC_MESSAGES/django.po from the code; tests/test_translations.py then
# fails on any string left untranslated.
messages: install
	$(BIN)/python manage.py makemessages -l en --no-location --ignore=.venv --ignore=var --ignore=node_modules -v0
	@# The creation date changes on every run; dropping it keeps the committed file stable.
	sed -i '/^"POT-Creation-Date:/d; /^"Report-Msgid-Bugs-To:/d' locale/en/LC_MESSAGES/django.po

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# --check: report, never rewrite. Two fixers for code older than Django 2 are skipped: with
	@# Vietnamese text in a file, null_boolean_field misplaces its edit and corrupts the file.
	git ls-files -z '*.py' | xargs -0 $(BIN)/django-upgrade --check --target-version 5.2 \
		--skip null_boolean_field --skip permalink

typecheck: install
	$(BIN)/mypy .

pytest: install
	$(BIN)/python manage.py makemigrations --check --dry-run -v0
	$(BIN)/pytest

check-deploy: install
	bash .ci/check-deploy

test: install lint typecheck messages pytest check-deploy

clean:
	@if [ -x $(BIN)/python ]; then $(BIN)/python -m config.localservices stop; fi
	rm -rf $(VENV) var node_modules .pytest_cache .mypy_cache .ruff_cache

# On demand, not in `make test`: the national-scale benchmark (dashboards, entry form,
# aggregates) in its own PostgreSQL database; `make bench BENCH_ARGS="--reuse --json"` re-times
# the dataset of an earlier run.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hoilhpn_bench
BENCH_ARGS ?=
bench: install
	@psql "$(dir $(BENCH_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$(notdir $(BENCH_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(BENCH_DATABASE_URL))postgres" -c 'CREATE DATABASE "$(notdir $(BENCH_DATABASE_URL))"'
	DATABASE_URL=$(BENCH_DATABASE_URL) CONN_MAX_AGE=60 $(BIN)/python manage.py migrate -v0
	@# The pages are timed with the production static storage, which needs its manifest.
	$(BIN)/python manage.py collectstatic --noinput -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) CONN_MAX_AGE=60 $(BIN)/python manage.py bench $(BENCH_ARGS)

# On demand, not in `make test`: national-scale tree figures on PostgreSQL (BENCH_DATABASE_URL).
bench-tree: install
	$(BIN)/python bench/tree.py

# On demand: entry form load/save and province aggregates on the demo data (PostgreSQL).
bench-entry: install
	$(BIN)/python bench/entry.py

# On demand: a 100,000-row legacy import (preview, commit, re-import) against a plain
# django-import-export resource, on PostgreSQL.
bench-import: install
	$(BIN)/python bench/legacy_import.py

# On demand, not in `make test`: the deadline day under load (bench/load/run.py). Locust, in a
# virtualenv of its own (var/locust), against gunicorn (config/gunicorn.py) + the checkout's
# PostgreSQL (database hoilhpn_load, the demo) + a Redis of its own + one Celery worker, in
# stages of users, then with a web worker and the Celery worker killed mid-run.
# `make load LOAD_ARGS="--stages 50,150,300 --seconds 90"`; a baseline from another checkout:
# `LOAD_ARGS="--code DIR --label baseline --gunicorn-args '--workers 4 --config python:config.gunicorn'"`.
LOAD_ARGS ?=
var/locust/bin/locust: bench/load/requirements.txt
	$(PYTHON) -m venv var/locust
	var/locust/bin/pip install --quiet -r bench/load/requirements.txt
	touch $@

load: install var/locust/bin/locust
	$(BIN)/python bench/load/run.py $(LOAD_ARGS)

# On demand: where the CPU goes per request (queries, cProfile) on the load database.
load-cpu: install
	$(BIN)/python bench/load/cpu.py $(LOAD_ARGS)

# On demand, not in `make test`: wapiti3 (pinned, its own virtualenv var/scan-venv) against the
# demo server on 127.0.0.1:$(SCAN_PORT), logged in as a demo commune officer, a few minutes at
# most; the report goes to var/scan/report.json (bin/scan).
SCAN_PORT ?= 8765
scan: install
	SCAN_PORT=$(SCAN_PORT) bash bin/scan

# On demand: the member register at national scale in a PostgreSQL database of its own
# (bench/members.py). MEMBERS_BENCH_ARGS="--members 2000000" loads members first; the default
# times the figures page (/hoi-vien/so-lieu/: monthly counts against the live count).
MEMBERS_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/hoilhpn_members
MEMBERS_BENCH_ARGS ?= --figures --rounds 3
bench-members: install
	@psql "$(dir $(MEMBERS_DATABASE_URL))postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$(notdir $(MEMBERS_DATABASE_URL))'" | grep -q 1 \
		|| psql "$(dir $(MEMBERS_DATABASE_URL))postgres" -c 'CREATE DATABASE "$(notdir $(MEMBERS_DATABASE_URL))"'
	DATABASE_URL=$(MEMBERS_DATABASE_URL) $(BIN)/python manage.py migrate -v0
	$(BIN)/python manage.py collectstatic --noinput -v0
	DATABASE_URL=$(MEMBERS_DATABASE_URL) nice -n 10 $(BIN)/python manage.py bench_members $(MEMBERS_BENCH_ARGS)
