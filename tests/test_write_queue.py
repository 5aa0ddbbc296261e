"""On SQLite a submission queues for the writer in a file lock, held until its transaction ends."""

from __future__ import annotations

import fcntl
import os

import pytest

from surveys import write_queue
from surveys.extensions import db


def lock_is_free(path: str) -> bool:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # releases the probe's lock, if it got it


@pytest.fixture
def lock_path(app, database_url):
    if not database_url.startswith("sqlite:///"):
        pytest.skip("the writers' queue is for SQLite only")
    return database_url.removeprefix("sqlite:///") + "-writers.lock"


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_the_lock_is_held_until_the_transaction_ends(lock_path, end):
    write_queue.enter(db.session)
    assert not lock_is_free(lock_path)
    write_queue.enter(db.session)  # entering twice is a no-op, not a deadlock
    getattr(db.session, end)()
    assert lock_is_free(lock_path)


def test_a_connection_already_writing_does_not_queue(lock_path):
    """Waiting for the queue while holding SQLite's write lock could deadlock with the holder."""
    from sqlalchemy import text

    db.session.execute(text("UPDATE forbund SET name = name WHERE id = -1"))  # opens the write transaction
    write_queue.enter(db.session)
    assert lock_is_free(lock_path)
    db.session.rollback()


def test_a_refused_submission_leaves_the_queue(client, lock_path, make_forbund, make_insats, make_link):
    from tests.helpers import form_fields

    forbund = make_forbund()
    link = make_link(forbund, "DP", make_insats(forbund), requires_code=True)
    fields = form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))
    refused = client.post(f"/s/{link.token}/svar", data={**fields, "DP01": "3", "code": "FEL-KOD"})
    assert refused.status_code == 200 and "Koden är inte giltig" in refused.get_data(as_text=True)
    assert lock_is_free(lock_path)
