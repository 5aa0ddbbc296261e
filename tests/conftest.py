"""Fixtures: a migrated database per test session, a clean one per test, and factories.

The suite runs on SQLite by default and on PostgreSQL when ``TEST_DATABASE_URL`` is set
(``make test`` does both).
"""

from __future__ import annotations

import datetime as dt
import os

import pytest
from flask_migrate import upgrade
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from app import create_app
from surveys import link_cache
from surveys.extensions import db
from surveys.models import Forbund, Insats, SurveyLink, User
from tests.helpers import form_fields
from tests.webclient import FreshGClient

TODAY = "2026-03-15"  # measurement year 2026
PASSWORD = "test-losen-123"

BASE_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret",
    "RATELIMIT_ENABLED": False,
    "FIXED_TODAY": TODAY,
    # The second factor is tested on its own (tests/test_two_factor.py); elsewhere admins log in
    # with a password only.
    "REQUIRE_2FA_ROLES": (),
}


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        url = "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    elif os.environ.get("PYTEST_XDIST_WORKER"):
        url = _worker_database(url, os.environ["PYTEST_XDIST_WORKER"])
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if url.startswith("postgres"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public;"))
        upgrade()
        db.engine.dispose()
    return url


def _worker_database(url: str, worker: str) -> str:
    """With pytest-xdist (``-n 2``) every worker gets a database of its own on the same server:
    the tests wipe their tables after each test and would wipe each other's data."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database or 'postgres'}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def clean_database() -> None:
    link_cache.clear()  # links deleted below, around the ORM, must not be shown from the cache
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture
def make_app(database_url, tmp_path):
    """Create an app on the session database with extra config; the data is wiped afterwards."""
    created = []

    def factory(**config):
        app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, **config})
        app.test_client_class = FreshGClient
        created.append(app)
        return app

    yield factory
    for n, created_app in enumerate(created):
        with created_app.app_context():
            db.session.remove()
            if n == 0:
                clean_database()
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        yield app
        db.session.remove()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- factories ------------------------------------------------------------------------------


@pytest.fixture
def make_forbund(app):
    def factory(slug="test", name="Samordningsförbundet Test", **kw):
        forbund = Forbund(slug=slug, name=name, **kw)
        db.session.add(forbund)
        db.session.commit()
        return forbund

    return factory


@pytest.fixture
def make_insats(app):
    def factory(forbund, name="Steg för steg", **kw):
        insats = Insats(forbund=forbund, name=name, **kw)
        db.session.add(insats)
        db.session.commit()
        return insats

    return factory


@pytest.fixture
def make_user(app):
    def factory(username="user", role="officer", forbund=None, insatser=(), password=PASSWORD, **kw):
        user = User(username=username, role=role, forbund=forbund, name=kw.pop("name", username),
                    password_hash=generate_password_hash(password), insatser=list(insatser), **kw)
        db.session.add(user)
        db.session.commit()
        return user

    return factory


@pytest.fixture
def make_link(app):
    def factory(forbund, questionnaire="DP", insats=None, opens_on=None, closes_on=None, **kw):
        today = dt.date.fromisoformat(TODAY)
        link = SurveyLink(
            forbund_id=forbund.id,
            insats_id=insats.id if insats else None,
            questionnaire=questionnaire,
            instrument_version=kw.pop("instrument_version", "2026.1"),
            opens_on=opens_on or today - dt.timedelta(days=30),
            closes_on=closes_on or today + dt.timedelta(days=30),
            **kw,
        )
        db.session.add(link)
        db.session.commit()
        return link

    return factory


def login(client, username, password=PASSWORD):
    """Post the login form with a fresh CSRF token; return the response (303 on success)."""
    fields = form_fields(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={**fields, "username": username, "password": password})


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, username, password=PASSWORD):
        return login(self.client, username, password)

    def logout(self):
        token = form_fields(self.client.get("/start", follow_redirects=True).get_data(as_text=True)).get("csrf_token", "")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)
