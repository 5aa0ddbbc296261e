"""PostgreSQL: pooled connections that the server has ended (a restart, pg_terminate_backend, an
idle timeout) are replaced before use (SQLAlchemy's pre-ping), so pages and submissions right
after a database restart work without an error."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import create_engine, func, select, text

from surveys.extensions import db
from surveys.models import Response
from tests.helpers import form_fields

pytestmark = pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL", "").startswith("postgres"),
                                reason="PostgreSQL only (TEST_DATABASE_URL)")


def backend_pid() -> int:
    pid = db.session.scalar(text("SELECT pg_backend_pid()"))
    db.session.commit()  # the connection goes back to the pool, idle
    return pid


def end_pooled_connections() -> list[int]:
    """End every idle pooled connection of the app on the server's side (only these: other
    tests' connections to the same database are left alone); return their backend pids."""
    pids = [rec.dbapi_connection.info.backend_pid for rec in list(db.engine.pool._pool.queue)]
    engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for pid in pids:
                conn.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
    finally:
        engine.dispose()
    return pids


def test_a_connection_the_server_ended_is_replaced_before_use(app):
    before = backend_pid()
    assert before in end_pooled_connections()
    assert backend_pid() != before


def test_a_submission_after_the_database_restarted_is_stored_once(client, app, make_forbund, make_insats, make_link):
    forbund = make_forbund()
    link = make_link(forbund, "DP", make_insats(forbund))
    db.session.commit()
    fields = form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))
    backend_pid()
    end_pooled_connections()
    reply = client.post(f"/s/{link.token}/svar", data={**fields, "DP01": "4"})
    assert reply.status_code == 303 and "/tack" in reply.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
