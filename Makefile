# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
EXTRAS ?= storefront,stripe,postgres,test
FLASK  := $(BIN)/flask --app storefront
HOST   ?= 127.0.0.1
PORT   ?= 5000
PYTEST_ARGS ?=

.PHONY: run serve test install translations lint format messages clean browser-deps browser-test

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS)]'
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogs (.mo) are not in git: every install, and so every `make test`, compiles them.
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d storefront/translations

instance:
	mkdir -p instance

run: install instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: install instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) 'storefront:create_app()'

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Real-browser tests (tests/browser): Debian's chromium (apt-get install chromium), the
# `browser` extra, and axe-core from the npm registry in .cache/npm (git-ignored).
AXE_JS := .cache/npm/node_modules/axe-core/axe.min.js
BROWSER_OUTPUT ?= test-output/browser

browser-deps: $(STAMP)
	@command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet -e '.[$(EXTRAS),browser]'
	test -f $(AXE_JS) || npm install --prefix .cache/npm --no-audit --no-fund --silent axe-core@4.14

browser-test: install browser-deps
	TAAWUN_AXE_JS=$(AXE_JS) TAAWUN_BROWSER_OUTPUT=$(BROWSER_OUTPUT) $(BIN)/python -m pytest -m browser \
		--output $(BROWSER_OUTPUT)/failures --screenshot only-on-failure tests/browser $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract every message into the template and merge it into the fr, ar and en catalogs;
# then translate the new entries (tests/storefront/test_translations.py lists them).
messages: $(STAMP)
	$(BIN)/pybabel extract -F storefront/babel.cfg -k _l -k lazy_gettext --sort-output -w 100 \
		-o storefront/translations/messages.pot .
	$(BIN)/pybabel update -i storefront/translations/messages.pot -d storefront/translations \
		--no-fuzzy-matching --ignore-obsolete -w 100

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache
