.PHONY: run test install demo translations lint

# Install, create the SQLite database in instance/, add demo data, serve on http://127.0.0.1:5000
run:
	bash scripts/install.sh
	flask --app app db upgrade
	flask --app app demo
	flask --app app run

# The whole test suite on SQLite and PostgreSQL (installs Chromium and PostgreSQL when missing)
test:
	bash scripts/run-tests.sh

translations:
	bash scripts/translations.sh

lint:
	ruff check .
