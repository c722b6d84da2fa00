# LiveVerify: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in mails point at the server `make run` starts, unless SITE_URL is set in the environment.
SITE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test install lock lint format bench clean system-packages

run: install
	$(BIN)/python manage.py migrate --noinput
	SITE_URL='$(SITE_URL)' $(BIN)/python manage.py load_demo
	@echo "LiveVerify is at http://$(HOST):$(PORT)/ (Ctrl-C stops it)"
	SITE_URL='$(SITE_URL)' $(BIN)/uvicorn config.asgi:application --host $(HOST) --port $(PORT) --ws-per-message-deflate false --log-level warning

test: install system-packages
	$(BIN)/pytest

install: $(VENV)/.installed node_modules/.installed locale/.compiled

$(VENV)/.installed: requirements.lock requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	touch $@

# The locks pin every transitive dependency with its hashes, resolved from the hand-edited
# requirements*.txt. pip-tools runs from a throwaway virtualenv so it never enters .venv; pins
# already in a lock are kept unless an input asks for another version.
PIP_TOOLS := pip-tools==7.7.0
LOCK_FLAGS := --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-find-links --no-emit-index-url

lock:
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(PYTHON) -m venv "$$tmp" && \
	"$$tmp/bin/pip" install --quiet --disable-pip-version-check $(PIP_TOOLS) && \
	export CUSTOM_COMPILE_COMMAND='make lock' && \
	"$$tmp/bin/pip-compile" $(LOCK_FLAGS) --output-file=requirements.lock requirements.txt && \
	"$$tmp/bin/pip-compile" $(LOCK_FLAGS) --output-file=requirements-dev.lock requirements-dev.txt

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

locale/.compiled: $(wildcard locale/*/LC_MESSAGES/django.po) $(VENV)/.installed
	@command -v msgfmt >/dev/null || scripts/apt-install gettext msgfmt
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=node_modules -v0
	touch $@

# Browser tests drive Debian's Chromium (Playwright's own download cannot be used here);
# the TURN tests run a real coturn.
system-packages:
	@command -v chromium >/dev/null || scripts/apt-install chromium chromium
	@command -v turnserver >/dev/null || scripts/apt-install coturn turnserver

lint: node_modules/.installed
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python manage.py makemigrations --check --dry-run
	node_modules/.bin/eslint --max-warnings 0 static/ eslint.config.js

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py load_demo >/dev/null
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules staticfiles locale/.compiled db.sqlite3 .test-db-*.sqlite3*
