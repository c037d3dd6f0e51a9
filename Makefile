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

.PHONY: run serve test install translations lint format messages clean browser-deps browser-test lock html-deps html-check cluster cluster-stop cluster-test

# Every dependency is installed at the version pinned in the lock files (any platform,
# Python 3.11+): $(LOCK) holds the extras above, $(BROWSER_LOCK) the same pins plus the
# `browser` extra. Then the project itself, editable, without resolving anything again.
LOCK         := requirements.lock
BROWSER_LOCK := requirements-browser.lock

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11+ is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# After changing dependencies in pyproject.toml: `make lock` re-resolves both lock files,
# keeping every pin that still fits; `make lock UPGRADE=1` moves every package to the
# newest version pyproject.toml allows. uv (pinned here) is installed into the venv first.
UV_VERSION := 0.13.9
comma      := ,
UV_COMPILE := $(BIN)/uv pip compile --quiet --universal --python-version 3.11 \
	--annotation-style line --custom-compile-command 'make lock' \
	pyproject.toml $(patsubst %,--extra %,$(subst $(comma), ,$(EXTRAS)))

lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) --extra browser $(if $(UPGRADE),--upgrade) -o $(BROWSER_LOCK)
	$(UV_COMPILE) --constraint $(BROWSER_LOCK) -o $(LOCK)

install: $(STAMP) translations

# Compiled catalogs (.mo) are not in git: every install, and so every `make test`, compiles them.
translations: $(STAMP)
	$(BIN)/pybabel -q compile -d storefront/translations

instance:
	mkdir -p instance

# Beside the server, the recurring upkeep (releasing unpaid reservations, sending the
# outbox...), stopped with it; basket jobs run in the server's own threads.
run: install instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) jobs worker --no-jobs & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	TAAWUN_DEV_MESSAGES=true $(FLASK) run --host $(HOST) --port $(PORT)

serve: install instance
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) jobs worker --no-jobs & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) 'storefront:create_app()'

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The production topology on loopback (deploy/cluster.py): PostgreSQL, Redis, an S3 store
# (moto's server), two gunicorn hosts, the job worker and nginx in front on
# $(CLUSTER_PORT); Debian's postgresql, redis-server and nginx. `make cluster-test` runs
# tests/test_cluster.py (orders through nginx while a host is killed, cross-host
# invalidation and rate limits) on a cluster of its own.
CLUSTER_DIR  ?= instance/cluster
CLUSTER_PORT ?= 8100

cluster: install
	$(BIN)/python deploy/cluster.py start --dir $(CLUSTER_DIR) --port $(CLUSTER_PORT)

cluster-stop:
	$(BIN)/python deploy/cluster.py stop --dir $(CLUSTER_DIR)

cluster-test: install
	TAAWUN_REQUIRE_CLUSTER=1 $(BIN)/python -m pytest -m cluster tests/test_cluster.py $(PYTEST_ARGS)

# Real-browser tests (tests/browser): Debian's chromium (apt-get install chromium), the
# `browser` extra, and axe-core from the npm registry in .cache/npm (git-ignored).
AXE_JS := .cache/npm/node_modules/axe-core/axe.min.js
BROWSER_OUTPUT ?= test-output/browser

browser-deps: $(STAMP)
	@command -v chromium >/dev/null || { echo "chromium is missing: apt-get install chromium" >&2; exit 1; }
	$(BIN)/python -m pip install --quiet -r $(BROWSER_LOCK)
	test -f $(AXE_JS) || npm install --prefix .cache/npm --no-audit --no-fund --silent axe-core@4.14

browser-test: install browser-deps
	TAAWUN_AXE_JS=$(AXE_JS) TAAWUN_BROWSER_OUTPUT=$(BROWSER_OUTPUT) $(BIN)/python -m pytest -m browser \
		--output $(BROWSER_OUTPUT)/failures --screenshot only-on-failure tests/browser $(PYTEST_ARGS)

# HTML validity (tests/storefront/test_html_valid.py): the Nu HTML Checker, vnu-jar from the
# npm registry in .cache/npm (git-ignored), run with Debian's Java (apt-get install
# default-jre-headless), over the key pages in French and Arabic.
VNU_JAR := .cache/npm/node_modules/vnu-jar/build/dist/vnu.jar

html-deps:
	@command -v java >/dev/null || { echo "java is missing: apt-get install default-jre-headless" >&2; exit 1; }
	test -f $(VNU_JAR) || npm install --prefix .cache/npm --no-audit --no-fund --silent vnu-jar@26.9.27

html-check: install html-deps
	TAAWUN_VNU_JAR=$(VNU_JAR) TAAWUN_REQUIRE_VNU=1 $(BIN)/python -m pytest tests/storefront/test_html_valid.py $(PYTEST_ARGS)

# mypy: --strict on the libraries, mypy's defaults on the storefront ([tool.mypy] in
# pyproject.toml); the whole program must have no error.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Extract every message into the template and merge it into the fr, ar and en catalogs;
# then translate the new entries (tests/storefront/test_translations.py lists them).
# --ignore-dirs: without it pybabel also skips folders starting with "_" (templates/_macros)
messages: $(STAMP)
	$(BIN)/pybabel extract -F storefront/babel.cfg -k _l -k lazy_gettext --sort-output -w 100 \
		--ignore-dirs '.* __pycache__ node_modules' -o storefront/translations/messages.pot .
	$(BIN)/pybabel update -i storefront/translations/messages.pot -d storefront/translations \
		--no-fuzzy-matching --ignore-obsolete -w 100

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
