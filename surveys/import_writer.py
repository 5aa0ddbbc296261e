"""Writing an import's responses in bulk, invisible until its last step.

Rows are written with the database driver's ``executemany`` (no per-row ORM work) and ids made
here. :func:`write` can mark them *pending* (``withdrawn`` and ``import_batch`` set): every count
and result ignores withdrawn responses, so an import written in several short transactions - which
lets respondents' submissions in between on SQLite, where a write locks the whole database - is
seen by nobody until :func:`publish` clears the marks in one transaction. A failed import is
removed by :func:`discard`; one whose process died is removed by :func:`discard_stale` at the
start of a later import and by the worker's housekeeping. The batch id starts with the minute it began (so stale batches can be
recognised); it is cleared when the import completes, and the import itself is in the audit log.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Set
from contextlib import contextmanager

from sqlalchemy import select, update

from indicators.catalogue import measurement_year

from . import sqlite_writer
from .extensions import db
from .models import Answer, BackgroundAnswer, Response

#: Records per executemany call.
CHUNK = 10_000
#: A pending batch older than this (minutes) belongs to an import that died (an import of the
#: largest file allowed takes seconds). A queued import's batch is dead as soon as its job is not
#: running any more.
STALE_MINUTES = 15
#: How much of a job id a batch id holds (the column has 32 characters).
JOB_PART = 21
RESPONSE_COLUMNS = ("id", "submission_key", "link_id", "forbund_id", "insats_id", "questionnaire",
                    "instrument_version", "measurement_year", "submitted_on", "channel", "entered_by_id",
                    "withdrawn", "form_number", "import_batch", "released")


def new_batch_id(job_id: str | None = None) -> str:
    """The minute the import began, and the job running it (its id's first 21 characters) or a
    random part: a batch whose job has failed or ended is known dead at once (:func:`discard_stale`)."""
    return f"{int(time.time() // 60):010d}-{job_id[:JOB_PART] if job_id else os.urandom(8).hex()}"


def random_ids(count: int) -> list[str]:
    """``count`` new 32-hex-digit response ids (the form of models.random_id): a random 64-bit
    prefix for the import and a running number. The ids of one import lie next to each other in
    the primary-key indexes of responses and answers, so writing them appends to a few index pages
    instead of touching pages all over the index (as random ids did, making every import slower
    than the one before). They reveal only the order of the rows in the file, which the
    submission keys of rows without a form number hold anyway."""
    prefix = os.urandom(8).hex()
    return [f"{prefix}{n:016x}" for n in range(count)]


def write(connection, records, *, forbund_id: int, version: str, entered_by_id: int | None,
          batch: str | None, ids: list[str] | None = None, released: Set[str] = frozenset()) -> list[str]:
    """Insert responses given as (submission key, row) with their answers; return their ids.

    ``row`` has ``insats_id``, ``questionnaire``, ``submitted_on``, ``form_number``, ``answers``
    and ``background``. Raises IntegrityError when a key or form number is already stored.
    ``ids``: the rows' ids (new ones by default). With a ``batch`` the rows are pending (hidden
    until :func:`publish`); without one, those whose id is in ``released`` are written released.
    """
    ids = random_ids(len(records)) if ids is None else ids
    years: dict[dt.date, int] = {}
    responses, answers, background = [], [], []
    pending = batch is not None
    for response_id, (key, row) in zip(ids, records, strict=True):
        day = row.submitted_on
        year = years.get(day) or years.setdefault(day, measurement_year(day))
        responses.append((response_id, key or f"frm-{response_id}", None, forbund_id, row.insats_id,
                          row.questionnaire.code, version, year, day, "import", entered_by_id, pending,
                          row.form_number, batch, not pending and response_id in released))
        answers.extend((response_id, item_id, value) for item_id, value in row.answers.items())
        background.extend((response_id, qid, value) for qid, value in row.background.items())
    _executemany(connection, Response.__table__.name, RESPONSE_COLUMNS, responses)
    _executemany(connection, Answer.__table__.name, ("response_id", "item_id", "value"), answers)
    _executemany(connection, BackgroundAnswer.__table__.name, ("response_id", "question_id", "value"), background)
    return ids


#: Rows per multi-row INSERT on databases other than SQLite (bounded by the 65,535 parameters
#: a PostgreSQL statement may have).
VALUES_ROWS = 1_000


def _executemany(connection, table: str, columns: tuple[str, ...], records: list[tuple]) -> None:
    """Insert ``records`` without SQLAlchemy's per-row parameter processing.

    SQLite: one INSERT run by sqlite3's executemany (in-process, no round trips). PostgreSQL
    (psycopg 3): ``COPY ... FROM STDIN``, one stream per table. Other databases: multi-row
    ``INSERT ... VALUES (...), (...)`` of VALUES_ROWS rows each. Values are plain
    str/int/bool/date/None; a duplicate key raises SQLAlchemy's IntegrityError on every database.
    """
    if not records:
        return
    dialect = connection.dialect
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        if not connection.in_transaction():
            connection.begin()  # COPY goes to the driver directly: commit() must know a transaction is open
        _copy(connection, table, columns, records)
        return
    quote = dialect.identifier_preparer.quote
    head = f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) VALUES "
    if dialect.name == "sqlite":
        sql = head + "(" + ", ".join(["?"] * len(columns)) + ")"
        for start in range(0, len(records), CHUNK):
            connection.exec_driver_sql(sql, records[start : start + CHUNK])
        return
    placeholder = "?" if dialect.paramstyle == "qmark" else "%s"
    group = "(" + ", ".join([placeholder] * len(columns)) + ")"
    per_statement = min(VALUES_ROWS, 60_000 // len(columns))
    for start in range(0, len(records), per_statement):
        chunk = records[start : start + per_statement]
        sql = head + ", ".join([group] * len(chunk))
        connection.exec_driver_sql(sql, tuple(value for record in chunk for value in record))


def _copy(connection, table: str, columns: tuple[str, ...], records: list[tuple]) -> None:
    import psycopg
    from psycopg import sql
    from sqlalchemy.exc import IntegrityError

    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(c) for c in columns)
    )
    raw = connection.connection.driver_connection
    try:
        with raw.cursor() as cursor, cursor.copy(statement) as copy:
            for record in records:
                copy.write_row(record)
    except psycopg.IntegrityError as exc:
        raise IntegrityError(str(statement.as_string(raw)), None, exc) from None


class BatchChanged(Exception):
    """The rows of a pending batch are not all there any more when it is published (another
    import took it for a dead one and removed part of it): the import is refused, nothing
    published."""


def publish(connection, ids: list[str], batch: str, released: Set[str] = frozenset()) -> None:
    """Make the pending batch ``batch`` (its rows are ``ids``) visible, the rows whose id is in
    ``released`` released (the caller commits this as the import's last step). The rows kept
    unreleased (usually none) are named; the others go in one statement that finds them by the
    batch's index, which takes SQLite's write lock for less time than naming 50,000 ids.
    Raises BatchChanged (the caller rolls back) unless every row of ``ids`` was published: a
    release decided on the whole file must not be made of part of it."""
    table = Response.__table__
    kept = [rid for rid in ids if rid not in released]
    published = 0
    for start in range(0, len(kept), 500):
        published += connection.execute(
            update(table)
            .where(table.c.id.in_(kept[start : start + 500]), table.c.import_batch == batch)
            .values(withdrawn=False, import_batch=None)
        ).rowcount
    published += connection.execute(update(table).where(table.c.import_batch == batch)
                                    .values(withdrawn=False, import_batch=None, released=True)).rowcount
    if published != len(ids):
        raise BatchChanged(batch)


def unrelease(connection, ids: list[str]) -> None:
    """Take back the release of rows written released in the current transaction (their year
    closed while the import ran: a closed year's figures are final)."""
    table = Response.__table__
    for start in range(0, len(ids), 500):
        connection.execute(update(table).where(table.c.id.in_(ids[start : start + 500])).values(released=False))


def discard(connection, ids: list[str]) -> None:
    """Delete pending responses and their answers, committing per chunk. Only rows still
    pending (marked with a batch) go, answers included: a batch published meanwhile stays whole."""
    table = Response.__table__
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        pending = select(table.c.id).where(table.c.id.in_(chunk), table.c.import_batch.is_not(None))
        for child in (Answer.__table__, BackgroundAnswer.__table__):
            connection.execute(child.delete().where(child.c.response_id.in_(pending)))
        connection.execute(table.delete().where(table.c.id.in_(chunk), table.c.import_batch.is_not(None)))
        connection.commit()


def discard_stale(connection) -> int:
    """Remove what imports that died left pending: batches older than STALE_MINUTES, and those of
    a queued import whose job has failed (its worker died) or ended. Return the count."""
    from .job_models import Job

    cutoff = f"{int(time.time() // 60) - STALE_MINUTES:010d}"
    batches = list(connection.scalars(select(Response.import_batch).where(Response.import_batch.is_not(None))
                                      .distinct()))
    dead = {b for b in batches if b < cutoff}
    for batch in set(batches) - dead:
        owner = batch.partition("-")[2]
        if len(owner) == JOB_PART:
            status = connection.scalar(select(Job.status).where(Job.id.startswith(owner, autoescape=True)).limit(1))
            if status is not None and status not in ("queued", "running"):
                dead.add(batch)
    stale = list(connection.scalars(select(Response.id).where(Response.import_batch.in_(dead)))) if dead else []
    connection.rollback()
    if stale:
        discard(connection, stale)
    return len(stale)


@contextmanager
def import_connection():
    """A connection of its own for an import's steps. On SQLite its pending steps skip what only
    the final step needs: the fsync of each commit (``synchronous = NORMAL`` in WAL mode and no
    sync of the log after the commit: a crash can lose only pending rows, which are invisible
    anyway) and the foreign-key checks of rows whose keys this import took from the database
    itself. :func:`durable` restores both before the publishing commit; the settings are restored
    before the connection goes back to the pool."""
    with db.engine.connect() as connection:
        raw = connection.connection.driver_connection
        sqlite = isinstance(raw, sqlite3.Connection)
        if sqlite:
            connection.rollback()
            sqlite_writer.sync_each_commit(raw, False)
            raw.execute("PRAGMA foreign_keys = OFF")
        try:
            yield connection
        finally:
            if sqlite:
                try:
                    connection.rollback()
                    durable(connection)
                except Exception:
                    connection.invalidate()  # never hand a relaxed connection to anyone else
                    raise


def durable(connection) -> None:
    """Back to the app's SQLite settings (every commit synced, foreign keys); call outside a
    transaction."""
    raw = connection.connection.driver_connection
    if isinstance(raw, sqlite3.Connection):
        sqlite_writer.sync_each_commit(raw, True)
        raw.execute("PRAGMA foreign_keys = ON")
