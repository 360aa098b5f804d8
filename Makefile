# Two commands do everything: `make run` (the product on this machine, no server needed) and
# `make test` (the whole suite against real PostgreSQL and Redis).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# npm packages the tests load into pages (axe-core): installed from package-lock.json.
NODE_INSTALLED := node_modules/.installed
PORT ?= 8000
export PORT

.PHONY: run test lint format prodlike messages migrate demo clean

$(INSTALLED): requirements/dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements/dev.lock
	touch $@

## Only where node is installed: without it the accessibility tests skip, saying why.
$(NODE_INSTALLED): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else \
		echo "npm is not installed: the axe-core accessibility tests will be skipped." >&2; \
	fi

migrate: $(INSTALLED)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

demo: migrate
	$(BIN)/python manage.py seed_demo

## The embedded default: SQLite, filesystem broker, database cache, console email, SMS outbox.
run: demo
	@echo ""
	@echo "  Voice of the customer is starting on http://127.0.0.1:$(PORT)/"
	@echo "  Demo login: demo@example.com / demo   (organization: demo)"
	@echo "  Ctrl-C stops the web server, the worker and beat."
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho -f Procfile.dev start

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(INSTALLED)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(INSTALLED) $(NODE_INSTALLED)
	scripts/ensure-services
	$(MAKE) lint
	DJANGO_SETTINGS_MODULE=vocapp.settings.test $(BIN)/python manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=vocapp.settings.test $(BIN)/python manage.py spectacular \
		--validate --fail-on-warn --file /dev/null
	$(BIN)/python -m pytest

## Production settings, natively: gunicorn, worker and beat (what docker-compose.yml runs).
PRODLIKE_ENV = DJANGO_SETTINGS_MODULE=vocapp.settings.prod \
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/vocapp_prodlike} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/2} \
	SECRET_KEY=$${SECRET_KEY:-prodlike-$$(hostname)-not-for-the-internet} \
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$(PORT)} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-127.0.0.1,localhost}

prodlike: $(INSTALLED)
	scripts/ensure-services
	psql -h 127.0.0.1 -U postgres -tc "SELECT 1 FROM pg_database WHERE datname='vocapp_prodlike'" \
		| grep -q 1 || createdb -h 127.0.0.1 -U postgres vocapp_prodlike
	$(PRODLIKE_ENV) $(BIN)/python manage.py migrate --noinput
	$(PRODLIKE_ENV) $(BIN)/python manage.py collectstatic --noinput
	@echo "  Production settings on http://127.0.0.1:$(PORT)/ (create a user with create_organization)"
	$(PRODLIKE_ENV) PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/honcho -f Procfile start

## Extract the strings to translate into locale/fr, and compile them. static/js has no gettext
## calls (its confirmation messages come from data-confirm attributes that templates translate), so there
## is no djangojs domain; add one with its own --ignore list if a script ever calls gettext().
messages: $(INSTALLED)
	$(BIN)/python manage.py makemessages --locale fr --ignore '.venv/*' --ignore 'var/*' \
		--ignore 'tests/*' --ignore 'bench/*' --ignore 'node_modules/*' --no-obsolete
	$(BIN)/python manage.py compilemessages --locale fr --ignore '.venv/*'

clean:
	rm -rf var/
