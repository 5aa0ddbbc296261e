"""Storing a validated paper-answer import in bulk, recognising rows already stored.

A row with a form number (``formular``) is new unless the förbund already has a response with
that number: re-importing a running spreadsheet with rows added stores only the added rows,
whatever else changed in the file. A row without a form number gets a submission key derived
from the file's content and its row number, so only an identical file is recognised; the caller
warns that re-importing a changed file without form numbers duplicates its answers.

The file is read and validated completely (:func:`surveys.imports.parse`) before the write
starts; the write is a few multi-row INSERTs with ids generated here, so the database is
write-locked for as short a time as possible. :func:`import_responses` flushes; the edge
(:func:`run_import`, the CLI, a job) commits once.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from indicators.catalogue import Instrument, measurement_year

from . import audit
from .extensions import db
from .form_numbers import stored_form_numbers
from .imports import ImportRejected, ParsedFile, ParsedRow, parse
from .instruments import instrument
from .models import Answer, BackgroundAnswer, Forbund, Response

#: Rows per multi-row INSERT statement batch.
CHUNK = 5_000


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    existing: int
    #: Rows that had no form number: re-importing a changed file would store them again.
    without_number: int = 0


def file_key(parsed: ParsedFile, forbund: Forbund) -> str:
    """A hash of the file's cells and the förbund: the same content gives the same keys."""
    digest = hashlib.sha256(f"{forbund.id}\n".encode())
    digest.update("\x1f".join(parsed.table.header).encode())
    for number, cells in parsed.table.rows:
        digest.update(f"\x1e{number}\x1d".encode())
        digest.update("\x1f".join(cells).encode())
    return digest.hexdigest()[:40]


def import_responses(
    forbund: Forbund, data: bytes, inst: Instrument, *, entered_by_id: int | None, source: str = ""
) -> ImportResult:
    """Validate the whole file, then store the rows not stored before (flushes, never commits)."""
    parsed = parse(data, forbund, inst, source)
    return store_rows(forbund, inst, parsed, entered_by_id=entered_by_id, source=source)


def store_rows(forbund: Forbund, inst: Instrument, parsed: ParsedFile, *, entered_by_id, source: str) -> ImportResult:
    rows = parsed.rows
    key_base = None
    keys: dict[int, str] = {}
    for row in rows:
        if row.form_number is None:
            key_base = key_base or file_key(parsed, forbund)
            keys[row.row] = f"imp-{key_base}-{row.row}"
    known_numbers = stored_form_numbers(forbund.id, [r.form_number for r in rows if r.form_number])
    known_keys = _existing_keys(list(keys.values()))
    new_rows = [
        r for r in rows
        if (r.form_number is not None and r.form_number not in known_numbers)
        or (r.form_number is None and keys[r.row] not in known_keys)
    ]
    _bulk_insert(forbund.id, inst.version, new_rows, keys, entered_by_id)
    result = ImportResult(
        rows=len(rows),
        created=len(new_rows),
        existing=len(rows) - len(new_rows),
        without_number=sum(1 for r in rows if r.form_number is None),
    )
    audit.record(
        "responses.import",
        target=f"fil {source}"[:200] if source else "fil",
        detail=(f"rader={result.rows}; nya={result.created}; redan importerade={result.existing}; "
                f"utan formulärnummer={result.without_number}"),
        forbund_id=forbund.id,
        user_id=entered_by_id,
    )
    return result


def _bulk_insert(forbund_id: int, version: str, rows: list[ParsedRow], keys: dict[int, str], entered_by_id) -> None:
    responses, answers, background = [], [], []
    for row in rows:
        response_id = uuid.uuid4().hex
        key = keys.get(row.row) or f"frm-{uuid.uuid4().hex}"
        responses.append({
            "id": response_id,
            "submission_key": key,
            "link_id": None,
            "forbund_id": forbund_id,
            "insats_id": row.insats_id,
            "questionnaire": row.questionnaire.code,
            "instrument_version": version,
            "measurement_year": measurement_year(row.submitted_on),
            "submitted_on": row.submitted_on,
            "channel": "import",
            "entered_by_id": entered_by_id,
            "withdrawn": False,
            "form_number": row.form_number,
        })
        answers.extend({"response_id": response_id, "item_id": i, "value": v} for i, v in row.answers.items())
        background.extend({"response_id": response_id, "question_id": k, "value": v} for k, v in row.background.items())
    if not responses:
        return
    try:
        for table, records in ((Response.__table__, responses), (Answer.__table__, answers),
                               (BackgroundAnswer.__table__, background)):
            for start in range(0, len(records), CHUNK):
                db.session.execute(insert(table), records[start : start + CHUNK])
        db.session.flush()
    except IntegrityError:
        # Another import stored some of the same form numbers at the same moment.
        db.session.rollback()
        raise ImportRejected.single(_l(
            "En annan import sparade samma formulär samtidigt. Importera filen igen: redan sparade formulär "
            "hoppas över.")) from None


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(db.session.scalars(select(Response.submission_key).where(Response.submission_key.in_(chunk))))
    return found


def run_import(forbund_id: int, user_id: int | None, file_bytes: bytes, filename: str = "") -> ImportResult:
    """Import a file for a förbund as one unit of work (CLI, request or queued job): commits on
    success, rolls back and raises :class:`ImportRejected` on any problem."""
    forbund = db.session.get(Forbund, forbund_id)
    if forbund is None:
        raise ImportRejected.single(_l("Förbundet finns inte längre."))
    try:
        result = import_responses(forbund, file_bytes, instrument(), entered_by_id=user_id, source=filename)
    except ImportRejected:
        db.session.rollback()
        raise
    db.session.commit()
    return result


def summary_text(result: ImportResult) -> str:
    """ "12 formulär i filen: 1 ny, 11 fanns redan ..." in the current language."""
    new = ngettext("%(num)d ny", "%(num)d nya", result.created)
    return gettext("%(rows)d formulär i filen: %(new)s, %(existing)d fanns redan (importerade tidigare).",
                   rows=result.rows, new=new, existing=result.existing)


def duplicate_warning(result: ImportResult) -> str | None:
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
