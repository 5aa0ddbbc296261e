.PHONY: run test translations lint

PYTHON ?= python3
FLASK = $(PYTHON) -m flask --app app

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
	ruff check .
