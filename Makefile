# Wenming — two entry points: `make demo` and `make test`. Both are safe to run again.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := wenming/static/vendor
HOST ?= 127.0.0.1
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: install messages browser demo test lint test-sqlite test-postgres bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

$(VENDOR)/.copied: node_modules/.package-lock.json
	mkdir -p $(VENDOR)/leaflet $(VENDOR)/bootstrap $(VENDOR)/htmx $(VENDOR)/echarts
	cp -r node_modules/leaflet/dist/. $(VENDOR)/leaflet/
	cp node_modules/bootstrap/dist/css/bootstrap.min.css node_modules/bootstrap/dist/js/bootstrap.bundle.min.js $(VENDOR)/bootstrap/
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	touch $@

# The compiled catalogue (.mo) is committed; it is rebuilt here only where gettext exists.
install: $(STAMP) $(VENDOR)/.copied
	@if command -v msgfmt >/dev/null; then cd wenming && ../$(BIN)/python ../manage.py compilemessages -v 0; fi

# After adding UI strings: extract, fill from the translation table, compile.
messages: $(STAMP)
	cd wenming && ../$(BIN)/python ../manage.py makemessages -l zh_Hans --no-obsolete -i "migrations/*"
	$(BIN)/python wenming/locale/translate_zh.py
	cd wenming && ../$(BIN)/python ../manage.py compilemessages -v 0

demo: install
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py load_reference
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py generate_cases --count 1500 --seed 1 --years 0.5 --if-empty
	$(BIN)/python manage.py load_inspections_demo
	$(BIN)/python manage.py load_campaign_demo
	$(BIN)/python manage.py load_briefings_demo
	DEBUG=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python manage.py makemigrations --check --dry-run

test-sqlite: install
	$(BIN)/pytest -n 2 -q

# In CI PostgreSQL must be reachable: an unreachable server fails the run instead of skipping.
test-postgres: install
	$(BIN)/python -c "import psycopg,sys; psycopg.connect('$(PG_URL)', connect_timeout=5).close()" \
	  || { echo "PostgreSQL at $(PG_URL) is unreachable"; exit 1; }
	DATABASE_URL=$(PG_URL) $(BIN)/pytest -n 2 -q

# Browser tests drive Debian's chromium (never a downloaded browser); fonts-noto-cjk renders Chinese.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	  else echo "chromium missing: run 'sudo apt-get install chromium fonts-noto-cjk' (browser tests will be skipped)"; fi; \
	fi

test: install lint browser test-sqlite
	@if [ "$$CI" = "true" ] || [ -n "$$WITH_POSTGRES" ]; then $(MAKE) --no-print-directory test-postgres; fi

bench: install
	$(BIN)/python bench/ledger_list.py

clean:
	rm -rf $(VENV) node_modules $(VENDOR)
