# Detail Desk: make install | run | test-deps | test | lint | bench
# Runs as root on a fresh Debian machine with Python 3.11 and Node/npm (registries only).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PYTEST := $(PY) -m pytest
PYTEST_WORKERS ?= 2
PORT ?= 5000
LOCALSTRIPE_PORT ?= $(shell echo $$(($(PORT) + 1)))

# Debian packages the tests need: Chromium for the browser tests (Playwright drives it; never
# `playwright install`), PostgreSQL 15 for the second test run, fonts for readable screenshots.
APT_PACKAGES := chromium postgresql fonts-liberation fonts-dejavu-core
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
NPM_STAMP := node_modules/.detail-desk-installed

.PHONY: help install run test-deps apt-deps npm-deps test test-sqlite test-postgres lint bench clean

help:
	@echo "make install     virtualenv + pip install -e .[dev] (again only when pyproject.toml changes)"
	@echo "make run         migrate, seed demo data, serve on http://127.0.0.1:$(PORT)/ (PORT=...)"
	@echo "make test-deps   apt: $(APT_PACKAGES); npm ci (pinned htmx and axe-core for the browser tests)"
	@echo "make test        whole suite on SQLite, then the database tests again on PostgreSQL"
	@echo "make lint        ruff check ."
	@echo "make bench       run benchmarks/*.py"

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $@

# Local development settings (a generated dev secret, SQLite under instance/) unless set already.
# htmx is served from this machine when npm is there (the same pinned file and integrity hash as the
# CDN's), so the live quote works offline too; without npm, pages load it from the CDN.
HTMX_LOCAL := portal/static/vendor/htmx.min.js
run: export DETAIL_DESK_ENV ?= development
run: install
	@if [ -z "$${HTMX_URL:-}" ] && command -v npm >/dev/null; then \
	  $(MAKE) --no-print-directory npm-deps && mkdir -p $(dir $(HTMX_LOCAL)) && \
	  cp node_modules/htmx.org/dist/htmx.min.js $(HTMX_LOCAL); fi
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	@# Payments: with no STRIPE_SECRET_KEY set, localstripe (the local Stripe stand-in) runs beside the
	@# portal on 127.0.0.1, keeps its objects in instance/localstripe.pickle, and signs webhooks to
	@# /stripe/webhook; it stops with the portal. Set real keys (and no STRIPE_API_BASE) to use Stripe.
	@if [ -z "$${HTMX_URL:-}" ] && [ -f $(HTMX_LOCAL) ]; then \
	  export HTMX_URL=/static/vendor/htmx.min.js HTMX_SRI="$$($(PY) -c 'from portal.config import HTMX_SRI; print(HTMX_SRI)')"; \
	fi; \
	if [ -z "$${STRIPE_SECRET_KEY:-}" ]; then \
	  mkdir -p instance; rm -f instance/localstripe.port; \
	  export STRIPE_SECRET_KEY=sk_test_detaildesk_local STRIPE_PUBLISHABLE_KEY=pk_test_detaildesk_local \
	    STRIPE_WEBHOOK_SECRET="whsec_$$($(PY) -c 'import secrets; print(secrets.token_hex(16))')"; \
	  $(PY) -m portal.payments.local_stripe --port $(LOCALSTRIPE_PORT) --port-file instance/localstripe.port \
	    --state instance/localstripe.pickle --webhook http://127.0.0.1:$(PORT)/stripe/webhook \
	    --webhook-secret "$$STRIPE_WEBHOOK_SECRET" > instance/localstripe.log 2>&1 & ls_pid=$$!; \
	  trap 'kill $$ls_pid 2>/dev/null' EXIT INT TERM; \
	  for _ in $$(seq 100); do [ -s instance/localstripe.port ] && break; sleep 0.1; done; \
	  [ -s instance/localstripe.port ] || { echo "localstripe did not start: see instance/localstripe.log"; exit 1; }; \
	  ls_url="http://127.0.0.1:$$(cat instance/localstripe.port)"; \
	  export STRIPE_API_BASE="$$ls_url" STRIPE_JS_URL="$$ls_url/js.stripe.com/v3/"; \
	  echo; echo "Test payments: localstripe at $$ls_url. Cards: 4242 4242 4242 4242 pays, 4000 0000 0000 0341 is declined,"; \
	  echo "4000 0025 0000 3155 asks for 3-D Secure (any future expiry, any CVC)."; \
	fi; \
	echo; echo "Open http://127.0.0.1:$(PORT)/"; \
	FLASK_DEBUG=0 $(FLASK) run --host 127.0.0.1 --port $(PORT) --no-reload

test-deps: install apt-deps npm-deps

# apt-get only runs when a package is missing (dpkg-query, not just dpkg -s: a removed package
# with config files left still "exists" for dpkg -s).
apt-deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q '^install ok installed$$' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "apt-get install$$missing"; \
	  $(SUDO) apt-get update -qq; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

npm-deps: $(NPM_STAMP)

# npm ci installs exactly the lockfile (htmx.org, the same version as the app's HTMX_URL; axe-core,
# which the browser tests run on every page state);
# skipped while node_modules is newer than package.json and the lockfile.
$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# Two runs. The first is everything on SQLite (the conftest's default), Chromium included.
# The second sets DETAIL_DESK_TEST_DB=postgresql so the conftest points `app` at the pg_server
# fixture's database, and leaves out what never touches a database: tests/pricing (pure code)
# and the `browser` tests (the same pages already ran against SQLite).
# pytest's exit 5 ("no tests collected") fails the target like any other non-zero exit.
test: test-deps
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgres

test-sqlite:
	$(PYTEST) -n $(PYTEST_WORKERS)

test-postgres:
	DETAIL_DESK_TEST_DB=postgresql $(PYTEST) -n $(PYTEST_WORKERS) -m "not browser" --ignore=tests/pricing

lint: install
	$(VENV)/bin/ruff check .

bench: install
	@shopt -s nullglob; files=(benchmarks/*.py); \
	if [ $${#files[@]} -eq 0 ]; then echo "no benchmarks/*.py"; exit 0; fi; \
	for f in "$${files[@]}"; do echo "== $$f"; $(PY) "$$f"; done

clean:
	rm -rf tests/artifacts .pytest_cache
