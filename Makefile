# The two commands of the README: `make run` and `make test`. Both set up first.
SHELL := /bin/bash
PORT ?= 5000
HOST ?= 127.0.0.1
VENV ?= .venv
PORTAL_DATA_DIR ?= $(CURDIR)/var
export PORTAL_DATA_DIR

.PHONY: setup run test fuzz bench clean two-nodes

setup:
	@VENV=$(VENV) scripts/setup.sh

run: setup
	$(VENV)/bin/portal db upgrade
	$(VENV)/bin/portal kb import kb_articles
	$(VENV)/bin/portal index rebuild
	$(VENV)/bin/portal serve --host $(HOST) --port $(PORT)

test: setup
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The hostile-input suite with many more random examples (make test runs 150 per database).
fuzz: setup
	FUZZ_EXAMPLES=$${FUZZ_EXAMPLES:-3000} $(VENV)/bin/python -m pytest tests/test_fuzz_routes.py $(PYTEST_ARGS)

# Two web nodes and one worker on a temporary PostgreSQL and redis-server (issue #14): prints what it proves.
two-nodes: setup
	$(VENV)/bin/python -m tests.support.two_nodes

clean:
	rm -rf var .pytest_cache test-results
