"""PostgreSQL: a connection the server has ended is replaced at checkout without a round trip
(surveys.pg_liveness), so pages and submissions after a database restart work at once."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from surveys.extensions import db
from surveys.models import Response
from surveys.pg_liveness import engine_options, is_alive
from tests.helpers import form_fields

on_postgres = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                                 reason="PostgreSQL only (TEST_DATABASE_URL)")


def test_the_pre_ping_is_dropped_for_postgresql_only():
    assert engine_options("postgresql+psycopg://u@h/d", {"pool_pre_ping": True})["pool_pre_ping"] is False
    assert engine_options("sqlite:///x.sqlite", {"pool_pre_ping": True})["pool_pre_ping"] is True


def backend_pid() -> int:
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.commit()  # the connection goes back to the pool, idle
    return pid


def from_outside(statement: str, **params) -> None:
    """Run ``statement`` on a connection of its own (not the app's pool)."""
    engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement), params)
    finally:
        engine.dispose()


def pooled():
    """The app's idle pooled psycopg connections."""
    return [rec.dbapi_connection for rec in list(db.engine.pool._pool.queue)]


def wait_until_dead() -> None:
    """Until the pooled connections show that the server closed them."""
    pooled_now = pooled()
    deadline = time.monotonic() + 5
    while any(is_alive(conn) for conn in pooled_now) and time.monotonic() < deadline:
        time.sleep(0.02)


@on_postgres
def test_the_app_engine_does_not_ping(app):
    assert db.engine.pool._pre_ping is False


@on_postgres
def test_a_connection_the_server_ended_is_replaced_at_checkout(app):
    before = backend_pid()
    from_outside("SELECT pg_terminate_backend(:pid)", pid=before)
    wait_until_dead()
    # Without the check (and without a pre-ping) this statement would fail on the dead connection.
    after = backend_pid()
    assert after != before


@on_postgres
def test_a_connection_with_anything_to_read_is_not_used(app):
    before = backend_pid()
    db.session.execute(text("LISTEN liveness_test"))
    db.session.commit()
    from_outside("NOTIFY liveness_test")
    wait_until_dead()  # readable: a notification waits on the idle connection
    assert backend_pid() != before


@on_postgres
def test_a_submission_after_the_database_restarted_is_stored_once(client, app, make_forbund, make_insats, make_link):
    forbund = make_forbund()
    link = make_link(forbund, "DP", make_insats(forbund))
    db.session.commit()
    fields = form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))
    before = backend_pid()
    # Every connection of the app's pool ended, as by a restart of the server (only these: other
    # tests' connections to the same database are left alone).
    pids = [conn.info.backend_pid for conn in pooled()]
    assert before in pids
    for pid in pids:
        from_outside("SELECT pg_terminate_backend(:pid)", pid=pid)
    wait_until_dead()
    reply = client.post(f"/s/{link.token}/svar", data={**fields, "DP01": "4"})
    assert reply.status_code == 303 and "/tack" in reply.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
