# penalty-archive: `make run` (main job), `make test`, `make demo` (offline).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DATA ?= data
DEMO_DATA ?= data-demo
PORT ?= 5000

.PHONY: install run demo test lint docs translations clean

$(BIN)/penalty-archive: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/penalty-archive

## Crawl every source (incrementally; a first run is bounded), index, serve on 127.0.0.1:$(PORT)
run: install
	$(BIN)/penalty-archive --data $(DATA) run --port $(PORT)

## The same pipeline offline: replay of the saved responses and ../shared/corpus
demo: install
	$(BIN)/penalty-archive --data $(DEMO_DATA) run --replay demo --port $(PORT)

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/flake8 crawler indexer webapp tests bench
	$(BIN)/isort --check-only crawler indexer webapp tests bench
	$(BIN)/lint-imports

## Re-extract the website's messages, update the zh/en catalogs, compile them (commit all)
translations: install
	$(BIN)/pybabel extract -F webapp/translations/babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output -o webapp/translations/messages.pot .
	$(BIN)/pybabel update -i webapp/translations/messages.pot -d webapp/translations \
		--ignore-obsolete --no-fuzzy-matching -w 100
	$(BIN)/pybabel compile -d webapp/translations --use-fuzzy
	rm webapp/translations/messages.pot

docs: install
	$(BIN)/python -m indexer.schema > docs/schema.md

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache test-output
