"""Releases (spec D2): answers become visible in results in steps of at least k per leaf cell.

A leaf cell is (förbund, insats or none, questionnaire, measurement year). New responses are
stored as pending (``Response.released`` false) and withdrawals as pending
(``withdrawal_released`` false: the response keeps counting). After every submission, paper
entry, import and withdrawal the service refreshes the touched leaf cell in the same
transaction: :func:`indicators.disclosure.releasable` picks the pending responses that may be
released together (every count changes by 0 or at least k), additions and withdrawals never in
the same release. Because every leaf changes by 0 or at least k, so does every total over leaves.
On PostgreSQL, where transactions run side by side, a cell's refreshes take turns (:func:`lock_cell`).

A closed measurement year (its 31 October has passed) is final: nothing more is released for
it. Late entries for it are stored but never change the figures shown.

Services flush; the request or CLI command commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping

from flask import current_app
from sqlalchemy import BigInteger, and_, bindparam, false, func, literal_column, or_, select, true, update

from indicators.catalogue import measurement_year
from indicators.disclosure import releasable

from . import precompiled
from .clock import today
from .extensions import db
from .models import Answer, Response, unreleased_rows


def visible():
    """SQL condition: the response counts in results (released, and its withdrawal not yet released)."""
    return and_(Response.released.is_(true()),
                or_(Response.withdrawn.is_(false()), Response.withdrawal_released.is_(false())))


def pending_additions():
    """SQL condition: a stored response not yet released (and not withdrawn before release)."""
    return and_(Response.released.is_(false()), Response.withdrawn.is_(false()))


def year_closed(year: int) -> bool:
    """A measurement year is closed (final) once its 31 October has passed."""
    return year < measurement_year(today())


def closed_since() -> dt.date:
    """The first day of the current measurement year: answers dated before it are in a closed
    year, stored but never released (1 November of the year before the current one's label)."""
    return dt.date(measurement_year(today()) - 1, 11, 1)


def dated_in_closed_year(day: dt.date) -> bool:
    """Whether an answer dated ``day`` belongs to a closed year (stored, never released)."""
    return year_closed(measurement_year(day))


def pending_withdrawals():
    """SQL condition: a released response withdrawn since, its withdrawal not yet released."""
    return and_(Response.released.is_(true()), Response.withdrawn.is_(true()), Response.withdrawal_released.is_(false()))


_CONDITIONS = {
    # Both kinds of pending response in one read (told apart by ``released``): one query after a
    # submission instead of two; ``unreleased_rows`` (implied by both) lets the database find
    # them in the cell's partial index instead of reading every response of the year.
    "pending": lambda: and_(unreleased_rows(), or_(pending_additions(), pending_withdrawals())),
    "visible": visible,
}


def _pending_select(dialect, condition: str, without_insats: bool):
    """One row per response of the cell meeting ``condition``: id, released, and the items it
    has a valid answer to, joined by commas (item ids have none)."""
    item, comma = Answer.item_id, literal_column("','")
    items = func.string_agg(item, comma) if dialect.name == "postgresql" else func.group_concat(item, comma)
    return (
        select(Response.id, Response.released, items)
        .outerjoin(Answer, and_(Answer.response_id == Response.id, Answer.value.is_not(None)))
        .where(Response.forbund_id == bindparam("forbund_id"), Response.questionnaire == bindparam("questionnaire"),
               Response.measurement_year == bindparam("year"),
               Response.insats_id.is_(None) if without_insats else Response.insats_id == bindparam("insats_id"),
               _CONDITIONS[condition]())
        .group_by(Response.id, Response.released)
    )


def _read(connection, cell: dict, condition: str) -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """Response id -> the items it has a valid answer to, for the responses of one leaf cell
    (``cell``: forbund_id, insats_id, questionnaire, year) that meet ``condition``: the
    unreleased ones first, then the released ones."""
    # It runs after every submission, inside the write transaction: compiled once, run on the
    # transaction's connection, a row per response.
    without_insats = cell["insats_id"] is None
    rows = precompiled.execute(connection, ("pending", condition, without_insats),
                               lambda dialect: _pending_select(dialect, condition, without_insats), cell)
    out: tuple[dict[str, set[str]], dict[str, set[str]]] = ({}, {})
    for rid, released, items in rows:
        out[bool(released)][rid] = set(items.split(",")) if items else set()
    return out


def lock_cell(forbund_id: int, insats_id: int | None, questionnaire: str, year: int, connection=None) -> None:
    """PostgreSQL: hold the leaf cell's release lock until the transaction ends.

    Transactions there run side by side, each seeing only the rows others have committed. Two
    submissions to one cell could then both see k pending responses, the first releasing k and
    the second, after waiting for the first's row locks, releasing its own one more: a step of 1
    (D2). With this lock the refreshes of a cell take turns, and each reads the pending rows
    only after the previous one has committed (READ COMMITTED: every statement sees what was
    committed before it started). Take it before changing any existing row of the cell (a
    withdrawal), so that no two transactions wait for each other. SQLite has one writer at a
    time and needs nothing; the lock is an advisory lock on a number derived from the cell.
    """
    connection = connection if connection is not None else db.session.connection()
    if connection.dialect.name == "postgresql":
        name = f"release {forbund_id} {insats_id} {questionnaire} {year}".encode()
        key = int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)
        precompiled.execute(connection, "release-lock", _lock_statement, {"key": key})


def _lock_statement(_dialect):
    return select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))


def refresh_cell(forbund_id: int, insats_id: int | None, questionnaire: str, year: int, *,
                 allow_closed: bool = False, connection=None, releasing: Mapping[str, set[str]] | None = None) -> int:
    """Release what may be released in one leaf cell; return how many responses changed.

    At most one release per call: pending additions first; pending withdrawals only when no
    addition was released (a mixed step could change an item's n by less than k). The cell is
    locked first (:func:`lock_cell`). ``connection``: the session's by default.

    ``releasing``: rows (id -> items with a valid answer) that the caller releases itself in
    this transaction, an import's new rows, decided on their own (:func:`indicators.disclosure
    .releasable`) and not read back here. The cell's pending rows join them when the release of
    all together still changes every count by 0 or at least k (then only those pending rows are
    updated); otherwise they stay pending, and this release is the caller's rows alone.
    """
    if year_closed(year) and not allow_closed:
        return 0
    db.session.flush()
    connection = connection if connection is not None else db.session.connection()
    lock_cell(forbund_id, insats_id, questionnaire, year, connection)
    k = current_app.config["REPORTING_THRESHOLD"]
    cell = {"forbund_id": forbund_id, "insats_id": insats_id, "questionnaire": questionnaire, "year": year}
    additions, withdrawals = _read(connection, cell, "pending")
    column = "released"
    if releasing:
        own = frozenset(releasing)
        chosen = releasable({**additions, **releasing}, k)
        if not chosen >= own:
            chosen = own
        update_ids = chosen - own
    else:
        chosen = releasable(additions, k)
        if not chosen:
            # Without a pending withdrawal there is nothing to release; the cell's visible answers
            # (which grow with every response) are read only when there is.
            if withdrawals:
                chosen = releasable(withdrawals, k, visible=_read(connection, cell, "visible")[1])  # visible = released
            column = "withdrawal_released"
        update_ids = chosen
    if update_ids:
        ids = sorted(update_ids)
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            precompiled.execute(connection, ("release", column, len(batch)), _release_statement(column, len(batch)),
                                {f"id_{n}": rid for n, rid in enumerate(batch)})
        db.session.expire_all()  # loaded responses show the release
    return len(chosen)


def _release_statement(column: str, count: int):
    """UPDATE response SET ``column`` = true WHERE id IN (``count`` parameters id_n)."""
    return lambda _dialect: update(Response).where(
        Response.id.in_([bindparam(f"id_{n}") for n in range(count)])).values({column: true()})


def refresh_for(response: Response, *, allow_closed: bool = False) -> int:
    """Refresh the leaf cell of one response (after its submission or withdrawal)."""
    return refresh_cell(response.forbund_id, response.insats_id, response.questionnaire,
                        response.measurement_year, allow_closed=allow_closed)


def pending_count(forbund_id: int, insats_id: int | None, questionnaire: str, year: int) -> int:
    """Pending (unreleased) responses of one unit's cell: for the reason "visas när fler svar har kommit in"."""
    stmt = select(func.count()).select_from(Response).where(
        Response.forbund_id == forbund_id, Response.questionnaire == questionnaire,
        Response.measurement_year == year, pending_additions())
    if insats_id is not None:
        stmt = stmt.where(Response.insats_id == insats_id)
    return db.session.scalar(stmt) or 0
