.PHONY: run test translations lint

# Everything runs in the project's virtual environment (created by scripts/install.sh): stock
# Debian 12 and Ubuntu 24.04 refuse pip installs into the system Python (PEP 668).
VENV ?= .venv
export VENV
PYTHON = $(VENV)/bin/python
FLASK = $(PYTHON) -m flask --app app
# `make run` serves on FLASK_RUN_HOST:FLASK_RUN_PORT (default 127.0.0.1:5000); the demo prints
# its links with the same address.
FLASK_RUN_HOST ?= 127.0.0.1
FLASK_RUN_PORT ?= 5000
export FLASK_RUN_HOST FLASK_RUN_PORT

# Install, create the SQLite database in instance/, add demo data, serve on http://127.0.0.1:5000
# with the task-queue worker beside it (Ctrl-C stops both)
run:
	bash scripts/install.sh
	$(FLASK) db upgrade
	$(FLASK) demo
	PYTHON=$(PYTHON) bash scripts/run.sh

# The whole test suite on SQLite and PostgreSQL (installs Chromium and PostgreSQL when missing)
test:
	bash scripts/run-tests.sh

translations:
	bash scripts/translations.sh

lint:
	$(PYTHON) -m ruff check .
