"""Storing a validated paper-answer import in bulk, recognising rows already stored.

A row with a form number (``formular``) is new unless the förbund already has a response with
that number: re-importing a running spreadsheet with rows added stores only the added rows,
whatever else changed in the file. A row without a form number gets a submission key derived
from the file's content and its row number, so only an identical file is recognised; the caller
warns that re-importing a changed file without form numbers duplicates its answers.

The file is read and validated completely (:func:`surveys.imports.parse`) before the write
starts; the write is a few executemany INSERTs with ids made client-side
(:mod:`surveys.import_writer`). :func:`import_responses` writes in the caller's transaction and
flushes; :func:`run_import` - the unit of work of the CLI, the upload page and a queued job -
writes in short invisible steps and commits itself, so respondents are not held up; it
releases the new rows (spec D2) as they become visible, decided on the file's rows alone
(:func:`released_with_import`), so no step of it reads or locks what the whole file holds.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app
from flask_babel import format_date, gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from indicators.catalogue import Instrument, measurement_year
from indicators.disclosure import releasable

from . import audit, import_writer, jobs
from .extensions import db
from .form_numbers import stored_form_numbers
from .imports import ImportRejected, ParsedFile, parse
from .instruments import instrument
from .models import Forbund, Response
from .releases import closed_since, dated_in_closed_year, refresh_cell, year_closed

#: Responses written per transaction by run_import (about 0.1-0.3 s of write lock each on SQLite).
BATCH_ROWS = 5_000
#: Pause between those transactions on SQLite, so a respondent waiting for the lock gets it.
PAUSE_SQLITE = 0.02


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    existing: int
    #: Rows that had no form number: re-importing a changed file would store them again.
    without_number: int = 0
    #: New rows dated in a measurement year that has ended: stored, but never counted in its
    #: results (an ended year is final: ``surveys.releases.year_closed``).
    closed: int = 0


def file_key(parsed: ParsedFile, forbund: Forbund) -> str:
    """A hash of the file's cells and the förbund: the same content gives the same keys."""
    digest = hashlib.sha256(f"{forbund.id}\n".encode())
    digest.update("\x1f".join(parsed.table.header).encode())
    for number, cells in parsed.table.rows:
        digest.update(f"\x1e{number}\x1d".encode())
        digest.update("\x1f".join(cells).encode())
    return digest.hexdigest()[:40]


@dataclass(frozen=True)
class Plan:
    """What an import will store: (submission key or None, row) of the new rows, and the counts."""

    records: list
    result: ImportResult


def plan(forbund: Forbund, parsed: ParsedFile) -> Plan:
    """Decide which rows are new (reads only): by form number, else by file content and row."""
    rows = parsed.rows
    key_base = None
    keys: dict[int, str] = {}
    for row in rows:
        if row.form_number is None:
            key_base = key_base or file_key(parsed, forbund)
            keys[row.row] = f"imp-{key_base}-{row.row}"
    known_numbers = stored_form_numbers(forbund.id, [r.form_number for r in rows if r.form_number])
    known_keys = _existing_keys(list(keys.values()))
    records = [
        (keys.get(r.row), r) for r in rows
        if (r.form_number is not None and r.form_number not in known_numbers)
        or (r.form_number is None and keys[r.row] not in known_keys)
    ]
    result = ImportResult(
        rows=len(rows),
        created=len(records),
        existing=len(rows) - len(records),
        without_number=len(keys),
        closed=sum(1 for _key, r in records if dated_in_closed_year(r.submitted_on)),
    )
    return Plan(records, result)


def _audit(forbund: Forbund, result: ImportResult, entered_by_id, source: str) -> None:
    audit.record(
        "responses.import",
        target=f"fil {source}"[:200] if source else "fil",
        detail=(f"rader={result.rows}; nya={result.created}; redan importerade={result.existing}; "
                f"utan formulärnummer={result.without_number}"),
        forbund_id=forbund.id,
        user_id=entered_by_id,
    )


def _conflict() -> ImportRejected:
    return ImportRejected.single(_l(
        "En annan import sparar samma formulär just nu. Vänta tills den är klar och importera filen igen: "
        "redan sparade formulär hoppas över."))


def import_responses(
    forbund: Forbund, data: bytes, inst: Instrument, *, entered_by_id: int | None, source: str = ""
) -> ImportResult:
    """Validate the whole file, then store the new rows in the current transaction (flushes,
    never commits). :func:`run_import` is the faster path that lets respondents in meanwhile."""
    parsed = parse(data, forbund, inst, source)
    planned = plan(forbund, parsed)
    ids, cells, released = _release_plan(planned.records)
    connection = db.session.connection()
    try:
        import_writer.write(connection, planned.records, forbund_id=forbund.id, version=inst.version,
                            entered_by_id=entered_by_id, batch=None, ids=ids, released=released)
    except IntegrityError:
        db.session.rollback()
        raise _conflict() from None
    _release_cells(connection, cells, released, forbund.id)
    _audit(forbund, planned.result, entered_by_id, source)
    return planned.result


def _release_plan(records) -> tuple[list[str], dict[tuple, dict[str, set[str]]], set[str]]:
    """New ids for ``records``, the rows by leaf cell, and those released with the import."""
    ids = import_writer.random_ids(len(records))
    cells = new_rows_by_cell(ids, records)
    return ids, cells, released_with_import(cells, current_app.config["REPORTING_THRESHOLD"])


def new_rows_by_cell(ids: list[str], records) -> dict[tuple, dict[str, set[str]]]:
    """The new rows (ids aligned with ``records``) by leaf cell (insats, questionnaire, year):
    response id -> the items it has a valid answer to."""
    cells: dict[tuple, dict[str, set[str]]] = {}
    for response_id, (_key, row) in zip(ids, records, strict=True):
        cell = cells.setdefault((row.insats_id, row.questionnaire.code, measurement_year(row.submitted_on)), {})
        cell[response_id] = {item for item, value in row.answers.items() if value is not None}
    return cells


def released_with_import(cells: dict[tuple, dict[str, set[str]]], k: int) -> set[str]:
    """The new rows that are written released (or, on SQLite, published released), decided on
    the file's rows alone, cell by cell (spec D2, ``indicators.disclosure.releasable``): each
    item's n in a cell grows by 0 or at least k, whatever else the cell holds. Nobody sees
    these rows before the import's commit, so no other release can take any of them, and the
    release needs neither a read of them nor a lock on the cell while they are written. Rows of
    a closed (final) year are never released. :func:`_release_cells` then adds what the cell
    already had pending, if it can."""
    chosen: set[str] = set()
    for (_insats, _code, year), rows in cells.items():
        if not year_closed(year):
            chosen |= releasable(rows, k)
    return chosen


def _release_cells(connection, cells: dict[tuple, dict[str, set[str]]], released: set[str], forbund_id: int) -> None:
    """In the import's last transaction, after its rows are in place: each cell's release (the
    rows ``released`` already written so, read from memory) takes the cell's pending rows along
    when it can (``surveys.releases.refresh_cell``). What it reads is only what was pending and
    the file's held-back rows, never the whole file, so the lock it holds (SQLite's writer, a
    PostgreSQL cell lock) is short however large the file. A cell whose measurement year has
    closed since the release was decided (the import ran over midnight on 31 October) gets its
    rows back unreleased: a closed year's figures are final."""
    for (insats_id, code, year), rows in sorted(cells.items(), key=lambda c: (c[0][0] or 0, c[0][1], c[0][2])):
        releasing = {rid: items for rid, items in rows.items() if rid in released}
        if releasing and year_closed(year):
            import_writer.unrelease(connection, sorted(releasing))
            continue
        refresh_cell(forbund_id, insats_id, code, year, connection=connection, releasing=releasing)


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(db.session.scalars(
            select(Response.submission_key).where(Response.submission_key.in_(chunk), Response.import_batch.is_(None))
        ))
    return found


def run_import(forbund_id: int, user_id: int | None, file_bytes: bytes, filename: str = "",
               progress: Callable[[int, str], None] | None = None, job_id: str | None = None) -> ImportResult:
    """Import a file for a förbund as one unit of work (CLI, request or queued job).

    Reads and validates everything first, then writes. On SQLite, where a write locks the whole
    database, the new rows go in short transactions of :data:`BATCH_ROWS` responses, kept
    invisible (pending), made visible together in one last transaction: all or nothing, while
    respondents' submissions get the database between the steps. On PostgreSQL one transaction
    does it (its rows block nobody). On any problem nothing is left stored and ImportRejected
    (or the original error) is raised. ``progress(percent, step)`` is told how far it has come (a job's).
    """
    if jobs.reap_stale():  # an import job whose worker died: its pending rows go below
        db.session.commit()
    forbund = db.session.get(Forbund, forbund_id)
    if forbund is None:
        raise ImportRejected.single(_l("Förbundet finns inte längre."))
    inst = instrument()
    try:
        parsed = parse(file_bytes, forbund, inst, filename)
        planned = plan(forbund, parsed)
    finally:
        db.session.rollback()  # end the reading transaction before writing
    records = planned.records
    if progress:
        progress(10, "writing")
    ids, cells, released = _release_plan(records)
    with import_writer.import_connection() as connection:
        import_writer.discard_stale(connection)
        if connection.dialect.name != "sqlite":
            # MVCC: rows of an open transaction are invisible to others and block nobody, so one
            # transaction is all or nothing and holds no respondent up.
            try:
                import_writer.write(connection, records, forbund_id=forbund_id, version=inst.version,
                                    entered_by_id=user_id, batch=None, ids=ids, released=released)
                _release_cells(connection, cells, released, forbund_id)
                connection.commit()
            except IntegrityError:
                connection.rollback()
                raise _conflict() from None
        else:
            _write_in_steps(connection, records, ids, cells, released, forbund_id, inst.version, user_id, progress,
                            job_id)
    _audit(forbund, planned.result, user_id, filename)
    db.session.commit()
    return planned.result


def _write_in_steps(connection, records, ids: list[str], cells, released, forbund_id: int, version: str, user_id,
                    progress, job_id) -> None:
    """SQLite (one writer at a time): short pending steps, then one publishing transaction that
    releases ``released`` and, with them, what it can of the cells' other pending rows."""
    batch = import_writer.new_batch_id(job_id)
    written: list[str] = []
    try:
        for start in range(0, len(records), BATCH_ROWS):
            written += import_writer.write(connection, records[start : start + BATCH_ROWS], forbund_id=forbund_id,
                                           version=version, entered_by_id=user_id, batch=batch,
                                           ids=ids[start : start + BATCH_ROWS])
            connection.commit()
            if progress:
                progress(10 + 85 * len(written) // max(1, len(records)), "writing")
            if start + BATCH_ROWS < len(records):
                time.sleep(PAUSE_SQLITE)  # let a waiting respondent's submission take the write lock
        import_writer.durable(connection)
        import_writer.publish(connection, written, batch, released)  # SQLite's write lock from here on
        _release_cells(connection, cells, released, forbund_id)
        connection.commit()
    except BaseException as exc:
        connection.rollback()
        import_writer.discard(connection, written)
        if isinstance(exc, IntegrityError | import_writer.BatchChanged):
            raise _conflict() from None
        raise


def summary_text(result: ImportResult) -> str:
    """ "12 formulär i filen: 1 ny, 11 fanns redan ..." in the current language."""
    new = ngettext("%(num)d ny", "%(num)d nya", result.created)
    return gettext("%(rows)d formulär i filen: %(new)s, %(existing)d fanns redan (importerade tidigare).",
                   rows=result.rows, new=new, existing=result.existing)


def import_warnings(result: ImportResult) -> list[str]:
    """What the officer must know about a stored import: rows dated in an ended measurement
    year (they will never count), and rows without form numbers."""
    warnings = []
    if result.closed:
        warnings.append(ngettext(
            "%(num)d nytt formulär är daterat före %(start)s, i ett mätår som har slutat. Ett avslutat mätår är "
            "slutligt: formuläret är sparat men räknas inte i resultaten.",
            "%(num)d nya formulär är daterade före %(start)s, i mätår som har slutat. Ett avslutat mätår är "
            "slutligt: formulären är sparade men räknas inte i resultaten.",
            result.closed, start=format_date(closed_since(), "long")))
    duplicate = _duplicate_warning(result)
    if duplicate:
        warnings.append(duplicate)
    return warnings


def _duplicate_warning(result: ImportResult) -> str | None:
    """The warning for rows without form numbers, or None when every row had one."""
    if not result.without_number:
        return None
    return ngettext(
        "%(num)d rad saknar formulärnummer. Importeras en ändrad version av filen igen sparas den raden en "
        "gång till. Skriv formulärnumret från pappret i kolumnen formular.",
        "%(num)d rader saknar formulärnummer. Importeras en ändrad version av filen igen sparas de raderna en "
        "gång till. Skriv formulärnumret från pappret i kolumnen formular.",
        result.without_number,
    )
