"""SQLite's single writer (surveys/sqlite_writer.py): submissions queue for it in a file lock, and
every commit is on disk when it returns, synced after SQLite's lock is given up."""

from __future__ import annotations

import fcntl
import os
import sqlite3

import pytest
from sqlalchemy import text

from surveys import sqlite_writer
from surveys.extensions import db
from tests.helpers import form_fields


def lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # releases the probe's lock, if it got it


def sqlite_writable_now(database: str) -> bool:
    """Can another connection take SQLite's write lock this instant (no waiting)?"""
    probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        probe.close()


@pytest.fixture
def database(app, database_url):
    if not database_url.startswith("sqlite:///"):
        pytest.skip("the writer's queue and the synced log are for SQLite only")
    return database_url.removeprefix("sqlite:///")


@pytest.fixture
def fsyncs(monkeypatch):
    """The files sqlite_writer fsyncs, by path, with what was true at that moment."""
    seen: list[dict] = []
    real_fsync = os.fsync

    def recording_fsync(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        database = path.removesuffix("-wal")
        seen.append({"path": path, "writable": sqlite_writable_now(database) if path.endswith("-wal") else None,
                     "queue_free": lock_is_free(database + "-writers.lock") if path.endswith("-wal") else None})
        real_fsync(fd)

    monkeypatch.setattr(sqlite_writer.os, "fsync", recording_fsync)
    return seen


def raw_connection():
    return db.session.connection().connection.dbapi_connection


def test_app_connections_sync_the_log_themselves(database):
    raw = raw_connection()
    assert isinstance(raw, sqlite_writer.DurableConnection)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert raw.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: the commit itself does not wait
    assert raw.log_path == database + "-wal"
    db.session.rollback()


def test_a_plain_connection_keeps_full_sync(tmp_path):
    plain = sqlite3.connect(tmp_path / "plain.sqlite")
    mode = plain.execute("PRAGMA journal_mode = WAL").fetchone()[0]
    sqlite_writer.configure(plain, mode, str(tmp_path / "plain.sqlite"))
    assert plain.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    durable_but_not_wal = sqlite3.connect(tmp_path / "rollback.sqlite", factory=sqlite_writer.DurableConnection)
    sqlite_writer.configure(durable_but_not_wal, "delete", str(tmp_path / "rollback.sqlite"))
    assert durable_but_not_wal.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert durable_but_not_wal.log_path is None
    plain.close()
    durable_but_not_wal.close()


def test_a_commit_that_wrote_is_synced_after_the_locks_are_given_up(database, fsyncs, make_forbund):
    make_forbund()  # commits a row
    logs = [f for f in fsyncs if f["path"] == database + "-wal"]
    assert logs, fsyncs
    # When the log is synced, another writer can already write, and the queue is free.
    assert all(f["writable"] and f["queue_free"] for f in logs)


def test_a_commit_that_only_read_syncs_nothing(database, fsyncs):
    db.session.execute(text("SELECT count(*) FROM forbund")).scalar()
    db.session.commit()
    assert fsyncs == []


def test_the_synced_commit_is_in_the_log_on_disk(database, make_forbund):
    """What the log holds after the commit returns is what another process reads."""
    forbund = make_forbund(slug="synced")
    other = sqlite3.connect(database)
    assert other.execute("SELECT slug FROM forbund WHERE id = ?", (forbund.id,)).fetchone() == ("synced",)
    other.close()


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_queue_is_held_until_the_transaction_ends(database, end):
    lock_path = database + "-writers.lock"
    sqlite_writer.queue_for_writer(db.session)
    assert not lock_is_free(lock_path)
    sqlite_writer.queue_for_writer(db.session)  # entering twice is a no-op, not a deadlock
    getattr(db.session, end)()
    assert lock_is_free(lock_path)


def test_a_connection_already_writing_does_not_queue(database):
    """Waiting for the queue while holding SQLite's write lock could deadlock with the holder."""
    db.session.execute(text("UPDATE forbund SET name = name WHERE id = -1"))  # opens the write transaction
    sqlite_writer.queue_for_writer(db.session)
    assert lock_is_free(database + "-writers.lock")
    db.session.rollback()


def test_a_submission_queues_and_leaves_the_queue(client, database, fsyncs, make_forbund, make_insats, make_link):
    forbund = make_forbund()
    link = make_link(forbund, "DP", make_insats(forbund))
    fields = form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))
    fsyncs.clear()
    answered = client.post(f"/s/{link.token}/svar", data={**fields, "DP01": "3"})
    assert answered.status_code == 303
    assert lock_is_free(database + "-writers.lock")
    assert [f["path"] for f in fsyncs if f["path"].endswith("-wal")] == [database + "-wal"]


def test_a_refused_submission_leaves_the_queue(client, database, make_forbund, make_insats, make_link):
    forbund = make_forbund()
    link = make_link(forbund, "DP", make_insats(forbund), requires_code=True)
    fields = form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))
    refused = client.post(f"/s/{link.token}/svar", data={**fields, "DP01": "3", "code": "FEL-KOD"})
    assert refused.status_code == 200 and "Koden är inte giltig" in refused.get_data(as_text=True)
    assert lock_is_free(database + "-writers.lock")
