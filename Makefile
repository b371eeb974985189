# Two commands matter: `make run` (set up, create the CRM with demo data, serve on :8000)
# and `make test` (set up, run the whole suite). Both work on a fresh machine.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= data
export FORMWORK_DATA_DIR ?= $(DATA)

.PHONY: run test setup assets browser bench serve clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

setup: $(STAMP) node_modules/.package-lock.json

run: setup
	@if [ -z "$$FORMWORK_DATABASE_URL" ] && [ ! -f "$(FORMWORK_DATA_DIR)/formwork.db" ]; then \
		$(BIN)/formwork init --template crm --demo; fi
	$(BIN)/formwork serve --host 127.0.0.1 --port 8000

serve: setup
	$(BIN)/formwork serve --host 127.0.0.1 --port 8000

# Browser tests need Debian's chromium, and a CJK font so screenshots show Chinese, not boxes;
# install them when missing (needs root, as in CI).
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=zh 2>/dev/null | grep -q .; } || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
		else sudo apt-get update -qq && sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; fi; }

test: setup browser
	$(BIN)/pytest -n 2

# The benchmark drives load with wrk (Debian's package) when it can; it falls back to Python.
bench: setup
	@command -v wrk >/dev/null 2>&1 || { \
		if [ "$$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null; \
		else sudo apt-get install -y -qq wrk >/dev/null; fi; } || true
	$(BIN)/python bench/records.py

clean:
	rm -rf $(VENV) node_modules .pytest_cache
