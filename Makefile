# Signpost: `make run` serves the site with demo data; `make test` runs every test.
# Both install what they need first, so they work on a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
NHSUK := node_modules/nhsuk-frontend/dist/nhsuk
ASSETS := directory/static/nhsuk

.PHONY: install assets browser bench-tools run test lint bench clean audit

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

STATIC := directory/static
# our own scripts and styles (a hashed copy's name has two dots: it is not a source)
STATIC_SOURCES := $(filter-out $(wildcard $(STATIC)/*.*.*),$(wildcard $(STATIC)/*.js $(STATIC)/*.css))

assets: $(STATIC)/staticfiles.json

# NHS.UK frontend's script and icons, and our stylesheet built on its Sass; then a copy of
# every static file named by the hash of its content, with gzip and brotli copies, and the
# list of those names that templates link (directory/web/static_files.py).
$(STATIC)/staticfiles.json: $(VENV)/.installed node_modules/.installed $(STATIC)/src/signpost.scss \
		$(STATIC_SOURCES) directory/web/static_files.py
	rm -rf $(ASSETS)
	mkdir -p $(ASSETS)
	cp $(NHSUK)/nhsuk-frontend.min.js $(ASSETS)/
	cp -r $(NHSUK)/assets $(ASSETS)/assets
	npx sass --load-path=node_modules --style=compressed --no-source-map --quiet-deps \
		$(STATIC)/src/signpost.scss $(ASSETS)/signpost.min.css
	$(BIN)/python -m directory.web.static_files $(STATIC)

# Chromium for the browser tests, from Debian (needs root); without it they skip and say why.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "Chromium could not be installed: the browser tests will be skipped."

# wrk, the load generator of benchmarks/load.py, from Debian (needs root).
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; } || \
		echo "wrk could not be installed: as root, apt-get install wrk."

# Known vulnerabilities in the Python and npm packages (pip-audit, npm audit); says NOT
# CHECKED where an advisory service cannot be reached, and fails only on a vulnerability.
audit: $(VENV)/.installed
	$(BIN)/python scripts/audit.py

run: install
	$(BIN)/flask --app wsgi db upgrade
	$(BIN)/flask --app wsgi seed
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: install browser
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 -q

# The tests that meet a browser, a real server or threads (markers browser, live_server,
# concurrency), REPEAT times over two workers; names each test that failed at least once.
# No automatic reruns anywhere: a rerun hides a race instead of fixing it.
REPEAT ?= 10
.PHONY: test-repeat
test-repeat: install browser
	@report=$$(mktemp --suffix=.xml); \
	$(BIN)/python -m pytest -n 2 -q -m "browser or live_server or concurrency" \
		--count $(REPEAT) --junitxml=$$report; status=$$?; \
	$(BIN)/python tests/flaky_summary.py $$report $(REPEAT) $$status; clean=$$?; \
	rm -f $$report; exit $$clean

# mypy reads what to check from [tool.mypy] in pyproject.toml: directory/ and matcher/.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install
	$(BIN)/python benchmarks/postcode_load.py

# The whole site under load at 20,000 services (benchmarks/load.py; ARGS="--quick" for short).
.PHONY: load
load: install bench-tools
	$(BIN)/python benchmarks/load.py $(ARGS)

# How well search ranks the relevance set (tests/relevance/), beside its baseline.
.PHONY: relevance
relevance: install
	$(BIN)/python benchmarks/relevance.py

clean:
	rm -rf $(VENV) node_modules $(ASSETS) instance $(STATIC)/staticfiles.json $(wildcard $(STATIC)/*.*.*)
