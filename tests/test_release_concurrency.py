"""D2 under concurrency: two submissions to one cell at the same moment never release one answer.

Without a per-cell lock, PostgreSQL let the second of two concurrent submissions read the k
pending responses the first was releasing, wait for its row locks, and then release its own
response on top: the cell's n went from k to k + 1 between two moments. On SQLite the writers
take turns anyway; the test runs on both.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

from sqlalchemy import select, text

from surveys.extensions import db
from surveys.instruments import instrument
from surveys.models import Response
from surveys.paper import withdraw_entry
from surveys.responses import Submission, store_response

DAY = dt.date(2026, 3, 1)  # in the tests' current measurement year (FIXED_TODAY 2026-03-15)


def store(forbund_id: int, key: str, channel: str = "web", entered_by_id: int | None = None) -> str:
    q = instrument().questionnaires["DP"]
    response_id, created = store_response(
        forbund_id=forbund_id, questionnaire=q, instrument_version="2026.1",
        submission=Submission(answers={item: 4 for item in q.item_ids}), submission_key=key, submitted_on=DAY,
        max_text=2000, channel=channel, entered_by_id=entered_by_id)
    assert created
    return response_id


def released() -> list[bool]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(Response.released)).all())


def wait_until_blocked(seconds: float = 10) -> None:
    """Until the other thread waits for a lock (PostgreSQL shows it; SQLite: a moment)."""
    if db.session.connection().dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + seconds
    probe = db.engine.connect()
    try:
        while time.monotonic() < deadline:
            waiting = probe.scalar(text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'"))
            probe.rollback()
            if waiting:
                return
            time.sleep(0.02)
    finally:
        probe.close()
    raise AssertionError("the other submission never waited for a lock")


def in_other_transaction(app, work) -> tuple[threading.Thread, list]:
    errors: list = []

    def run():
        with app.app_context():
            try:
                work()
                db.session.commit()
            except BaseException as exc:  # reported by the test
                errors.append(exc)
                db.session.rollback()
            finally:
                db.session.remove()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


def test_two_concurrent_submissions_never_release_one_answer(app, make_forbund):
    forbund_id = make_forbund().id
    k = app.config["REPORTING_THRESHOLD"]
    for n in range(k - 1):
        store(forbund_id, f"early-{n:016d}")
    db.session.commit()
    assert released() == [False] * (k - 1)

    store(forbund_id, "first-" + "a" * 16)  # the k-th: releases all k, not yet committed
    thread, errors = in_other_transaction(app, lambda: store(forbund_id, "second-" + "b" * 16))
    wait_until_blocked()
    db.session.commit()
    thread.join(30)
    assert not thread.is_alive() and not errors
    # k released by the first; the second stays pending (one more would be a step of 1).
    assert released() == [False] + [True] * k


def test_a_withdrawal_beside_a_submission_neither_deadlocks_nor_releases_a_step_of_one(app, make_forbund,
                                                                                        make_user):
    """A withdrawal changes an existing row of the cell: it takes the cell's lock first, so it
    and a concurrent release never wait for each other."""
    forbund = make_forbund()
    officer = make_user(username="officer", role="officer", forbund=forbund)
    k = app.config["REPORTING_THRESHOLD"]
    entries = [store(forbund.id, f"paper-{n:016d}", channel="paper", entered_by_id=officer.id) for n in range(k - 1)]
    db.session.commit()

    entry = db.session.get(Response, entries[0])
    assert withdraw_entry(officer, entry)  # a pending entry withdrawn, not committed yet
    thread, errors = in_other_transaction(app, lambda: store(forbund.id, "web-" + "c" * 16))
    wait_until_blocked()
    db.session.commit()
    thread.join(30)
    assert not thread.is_alive() and not errors
    # k - 2 paper entries and one web answer are pending: fewer than k, nothing released.
    assert released() == [False] * k
