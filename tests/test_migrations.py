"""Migrations: upgrade to head, downgrade to base and upgrade again on a scratch database of the
test backend (a fresh SQLite file, or a temporary PostgreSQL database when TEST_DATABASE_URL is
set), and the models match the migrations exactly (autogenerate finds nothing to do)."""

from __future__ import annotations

import contextlib
import os
import secrets

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from app import create_app
from surveys.extensions import db
from tests.conftest import BASE_CONFIG


@contextlib.contextmanager
def scratch_database(tmp_path):
    """Yield the URL of a new, empty database on the test backend; it is removed afterwards.

    Never the session database of the other tests: on PostgreSQL a ``CREATE DATABASE`` of its own.
    """
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield "sqlite:///" + str(tmp_path / f"scratch-{secrets.token_hex(4)}.sqlite")
        return
    from surveys.config import normalise_database_url

    admin_url = make_url(normalise_database_url(base))
    name = f"mig_{secrets.token_hex(6)}"
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield admin_url.set(database=name).render_as_string(hide_password=False)
        finally:
            with engine.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def scratch_app(url: str):
    return create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})


def _tables() -> set[str]:
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


def _diff() -> list:
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": False})
        return compare_metadata(context, db.metadata)


def test_upgrade_downgrade_upgrade(tmp_path):
    with scratch_database(tmp_path) as url:
        app = scratch_app(url)
        with app.app_context():
            model_tables = set(db.metadata.tables)
            upgrade()
            assert _tables() == model_tables
            downgrade(revision="base")
            assert _tables() == set()
            upgrade()
            assert _tables() == model_tables
            db.session.remove()
            db.engine.dispose()


def test_models_match_migrations(tmp_path):
    with scratch_database(tmp_path) as url:
        app = scratch_app(url)
        with app.app_context():
            upgrade()
            diff = _diff()
            db.session.remove()
            db.engine.dispose()
    assert diff == [], f"The models and the migrations differ (add a migration): {diff}"


def test_one_head(tmp_path):
    from alembic.script import ScriptDirectory

    app = scratch_app("sqlite:///" + str(tmp_path / "heads.sqlite"))
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config(app.extensions["migrate"].directory)
        heads = ScriptDirectory.from_config(config).get_heads()
        db.engine.dispose()
    assert len(heads) == 1, f"More than one Alembic head: {heads}"
