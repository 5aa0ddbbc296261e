"""Batch import of paper answers from a spreadsheet saved as CSV.

One row per questionnaire. Columns: ``questionnaire`` (DP, DA, PE, CH, ST), ``insats`` (name of
an existing insats of the förbund; empty for CH and ST), ``date`` (YYYY-MM-DD), then one column per
item id with 1-6, 9 for "Vet ej" or empty for unanswered. Background questions may be given as
columns named by their id (``gender``, ``age_group`` ...) holding an option code.

The whole file is validated before anything is stored; the first bad row rejects the file with
its row number as a spreadsheet counts it (the header is row 1) and a reason in Swedish. Nothing
is evaluated: a cell starting with ``=`` is an invalid value, not a formula. The rows are then
stored in one transaction with submission keys derived from the file's content and the row
number, so importing the same file again stores nothing new.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from indicators.catalogue import Instrument, Questionnaire

from . import audit
from .clock import today
from .extensions import db
from .models import Forbund, Insats, Response
from .responses import Submission, SubmissionError, submit_response, validate_submission

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
REQUIRED_COLUMNS = ("questionnaire", "insats", "date")
DONT_KNOW_CODE = "9"
ITEM_CODES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, DONT_KNOW_CODE: None}


class ImportRejected(ValueError):
    """The file cannot be imported; ``row`` is the spreadsheet row (header = 1), or None."""

    def __init__(self, message: str, row: int | None = None):
        self.row = row
        self.reason = message
        super().__init__(f"Rad {row}: {message}" if row else message)


@dataclass(frozen=True)
class ParsedRow:
    row: int  #: spreadsheet row number
    questionnaire: Questionnaire
    insats_id: int | None
    submitted_on: dt.date
    submission: Submission


@dataclass(frozen=True)
class ImportResult:
    rows: int
    created: int
    existing: int


def decode(data: bytes) -> str:
    """Decode UTF-8 (with or without BOM) strictly; say where the first bad byte is."""
    if len(data) > MAX_BYTES:
        raise ImportRejected(f"Filen är för stor (högst {MAX_BYTES // (1024 * 1024)} MB).")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            "Filen är inte sparad som UTF-8. Spara den som ”CSV UTF-8 (kommaavgränsad)” och försök igen.",
            row=line,
        ) from None
    if "\x00" in text:
        raise ImportRejected("Filen innehåller binära data; den är inte en CSV-fil.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def sniff_delimiter(header_line: str) -> str:
    """Comma or semicolon (Swedish Excel), whichever the header line uses."""
    semicolons, commas = header_line.count(";"), header_line.count(",")
    if not semicolons and not commas:
        raise ImportRejected("Rubrikraden saknar kolumner: använd komma eller semikolon mellan kolumnerna.", row=1)
    return ";" if semicolons >= commas else ","


def parse(text: str, forbund: Forbund, inst: Instrument) -> list[ParsedRow]:
    """Validate the whole file and return its rows; raise ImportRejected at the first problem."""
    if not text.strip():
        raise ImportRejected("Filen är tom.")
    delimiter = sniff_delimiter(text.split("\n", 1)[0])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        records = list(reader)
    except csv.Error as exc:
        raise ImportRejected(f"Filen kan inte läsas som CSV ({exc}).", row=reader.line_num) from None
    header = [_cell(h, 1) for h in records[0]]
    columns = _check_header(header, inst)
    if len(records) - 1 > MAX_ROWS:
        raise ImportRejected(f"Filen har för många rader (högst {MAX_ROWS} rader).")
    insatser = _insats_lookup(forbund)
    rows = []
    for row_number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank lines that spreadsheets leave behind are not questionnaires
        if len(record) > len(header):
            raise ImportRejected(
                f"Raden har {len(record)} värden men rubrikraden bara {len(header)} kolumner.", row=row_number
            )
        cells = [_cell(value, row_number) for value in record]
        rows.append(_parse_row(row_number, cells, columns, inst, insatser))
    if not rows:
        raise ImportRejected("Filen innehåller inga svar, bara en rubrikrad.")
    return rows


def _cell(value: str, row: int) -> str:
    value = value.strip()
    if value.startswith("="):
        raise ImportRejected(f"Cellen ”{value[:20]}” är en formel. Formler räknas inte ut; skriv in värdet.", row=row)
    return value


def _check_header(header: list[str], inst: Instrument) -> list[tuple[str, str]]:
    """Return (column name, kind) per column; refuse unknown and repeated names.

    Kinds: a required column's own name, ``item:<id>``, ``bg:<id>``, or ``blank`` for a column
    without a name (spreadsheets often leave some at the end), which must then stay empty.
    """
    item_lookup = {item_id.lower(): item_id for item_id in inst.items}
    background = {bg.id.lower(): bg.id for q in inst.questionnaires.values() for bg in q.background}
    seen: set[str] = set()
    columns: list[tuple[str, str]] = []
    for raw in header:
        name = raw.lower()
        if not name:
            columns.append(("", "blank"))
            continue
        if name in seen:
            raise ImportRejected(f"Kolumnen ”{raw}” finns två gånger i rubrikraden.", row=1)
        seen.add(name)
        if name in REQUIRED_COLUMNS:
            columns.append((name, name))
        elif name in item_lookup:
            columns.append((item_lookup[name], "item:" + item_lookup[name]))
        elif name in background:
            columns.append((background[name], "bg:" + background[name]))
        else:
            raise ImportRejected(
                f"Okänd kolumn ”{raw[:40]}”. Tillåtna är questionnaire, insats, date, frågornas id (t.ex. DP01) "
                "och bakgrundsfrågornas id.",
                row=1,
            )
    missing = [name for name in REQUIRED_COLUMNS if name not in seen]
    if missing:
        raise ImportRejected(f"Kolumnen ”{missing[0]}” saknas i rubrikraden.", row=1)
    return columns


def _insats_lookup(forbund: Forbund) -> dict[str, Insats]:
    insatser = list(db.session.scalars(select(Insats).where(Insats.forbund_id == forbund.id)))
    lookup: dict[str, Insats] = {}
    folded: dict[str, list[Insats]] = {}
    for insats in insatser:
        lookup[insats.name.strip()] = insats
        folded.setdefault(insats.name.strip().casefold(), []).append(insats)
    for key, found in folded.items():
        if len(found) == 1:
            lookup.setdefault(key, found[0])
    return lookup


def _parse_row(row: int, cells: list[str], columns: list[tuple[str, str]], inst: Instrument, insatser) -> ParsedRow:
    named = {kind: value for (_, kind), value in zip(columns, cells, strict=False) if kind in REQUIRED_COLUMNS}
    code = named.get("questionnaire", "").upper()
    if not code:
        raise ImportRejected("Kolumnen questionnaire är tom.", row=row)
    if code not in inst.questionnaires:
        raise ImportRejected(
            f"Okänt formulär ”{named['questionnaire'][:20]}”: ska vara ett av {', '.join(inst.questionnaires)}.",
            row=row,
        )
    q = inst.questionnaires[code]
    name = named.get("insats", "")
    insats_id = None
    if q.about == "insats":
        if not name:
            raise ImportRejected(f"Formuläret {code} gäller en insats: fyll i kolumnen insats.", row=row)
        insats = insatser.get(name) or insatser.get(name.casefold())
        if insats is None:
            raise ImportRejected(f"Okänd insats ”{name[:60]}”: förbundet har ingen insats med det namnet.", row=row)
        insats_id = insats.id
    elif name:
        raise ImportRejected(f"Formuläret {code} gäller hela förbundet: lämna kolumnen insats tom.", row=row)
    submitted_on = _parse_date(named.get("date", ""), row)

    sub = Submission()
    items = set(q.item_ids)
    backgrounds = {bg.id: bg for bg in q.background}
    for index, ((_, kind), value) in enumerate(zip(columns, cells, strict=False), start=1):
        if not value or kind in REQUIRED_COLUMNS:
            continue
        if kind == "blank":
            raise ImportRejected(f"Kolumn {index} har ett värde men inget namn i rubrikraden.", row=row)
        if kind.startswith("item:"):
            item_id = kind[5:]
            if item_id not in items:
                raise ImportRejected(f"Frågan {item_id} hör inte till formuläret {code} men är ifylld.", row=row)
            if value not in ITEM_CODES:
                raise ImportRejected(
                    f"Värdet ”{value[:20]}” i kolumnen {item_id} är inte tillåtet: använd 1–6, 9 för Vet ej "
                    "eller lämna tomt.",
                    row=row,
                )
            sub.answers[item_id] = ITEM_CODES[value]
        else:
            bg_id = kind[3:]
            if bg_id not in backgrounds:
                raise ImportRejected(f"Bakgrundsfrågan {bg_id} hör inte till formuläret {code} men är ifylld.", row=row)
            if value not in backgrounds[bg_id].options:
                raise ImportRejected(
                    f"Värdet ”{value[:20]}” i kolumnen {bg_id} är inte tillåtet: använd "
                    f"{', '.join(backgrounds[bg_id].options)} eller lämna tomt.",
                    row=row,
                )
            sub.background[bg_id] = value
    if not sub.answers:
        raise ImportRejected("Raden har inga svar på frågorna.", row=row)
    try:
        validate_submission(q, sub, current_app.config["FREE_TEXT_MAX_LENGTH"])
    except SubmissionError as exc:  # defensive: the checks above should catch everything first
        raise ImportRejected(str(exc), row=row) from None
    return ParsedRow(row, q, insats_id, submitted_on, sub)


def _parse_date(value: str, row: int) -> dt.date:
    if not value:
        raise ImportRejected("Kolumnen date är tom: skriv datumet på formuläret som ÅÅÅÅ-MM-DD.", row=row)
    try:
        if len(value) != 10:
            raise ValueError
        day = dt.date.fromisoformat(value)
    except ValueError:
        raise ImportRejected(f"Felaktigt datum ”{value[:20]}”: skriv det som ÅÅÅÅ-MM-DD, t.ex. 2026-03-15.", row=row) from None
    if day > today():
        raise ImportRejected(f"Datumet {value} ligger i framtiden.", row=row)
    if day.year < 2000:
        raise ImportRejected(f"Datumet {value} är för tidigt.", row=row)
    return day


def file_fingerprint(text: str, forbund: Forbund) -> str:
    """A hash of the file's content and förbund: the same file gives the same submission keys."""
    return hashlib.sha256(f"{forbund.id}\n{text}".encode()).hexdigest()[:40]


def import_responses(
    forbund: Forbund, data: bytes, inst: Instrument, *, entered_by_id: int | None, source: str = ""
) -> ImportResult:
    """Validate the whole file, then store every row (flushes; the caller commits once)."""
    text = decode(data)
    rows = parse(text, forbund, inst)
    fingerprint = file_fingerprint(text, forbund)
    keys = {row.row: f"imp-{fingerprint}-{row.row}" for row in rows}
    already = _existing_keys(list(keys.values()))
    created = 0
    max_text = current_app.config["FREE_TEXT_MAX_LENGTH"]
    for row in rows:
        if keys[row.row] in already:
            continue
        _, was_created = submit_response(
            forbund_id=forbund.id,
            questionnaire=row.questionnaire,
            instrument_version=inst.version,
            submission=row.submission,
            submission_key=keys[row.row],
            submitted_on=row.submitted_on,
            max_text=max_text,
            insats_id=row.insats_id,
            channel="import",
            entered_by_id=entered_by_id,
        )
        created += was_created
    result = ImportResult(rows=len(rows), created=created, existing=len(rows) - created)
    audit.record(
        "responses.import",
        target=f"fil {source}"[:200] if source else "fil",
        detail=f"rader={result.rows}; nya={result.created}; redan importerade={result.existing}",
        forbund_id=forbund.id,
        user_id=entered_by_id,
    )
    return result


def _existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        found.update(db.session.scalars(select(Response.submission_key).where(Response.submission_key.in_(chunk))))
    return found
