"""Batch import of paper answers: reading and validating a file (storing: :mod:`surveys.import_store`).

One row per questionnaire, from an XLSX workbook or a CSV file (see :mod:`surveys.tabular` for
encodings and separators). Columns: ``formular`` (the form number written on the paper
questionnaire, optional but strongly advised: see :mod:`surveys.form_numbers`),
``questionnaire`` (DP, DA, PE, CH, ST), ``insats`` (name of an existing insats of the förbund;
empty for CH and ST), ``date`` (ÅÅÅÅ-MM-DD or DD/MM/ÅÅÅÅ, a time part is ignored), then one
column per item id with 1-6, 9 for "Vet ej" or empty for unanswered. Background questions may be
given as columns named by their id (``gender``, ``age_group`` ...) holding an option code. A
header cell may carry a text after the id ("DP01 Jag har fått ...", as in the downloadable
template): only its first word counts. Columns without a name are ignored when empty.

The whole file is validated before anything is stored, and every problem is listed with its row
(as a spreadsheet counts it, header = row 1) and column, up to :data:`MAX_ERRORS`. Nothing is
evaluated: a cell starting with ``=`` is an invalid value, not a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from indicators.catalogue import Instrument, Questionnaire

from .clock import today
from .extensions import db
from .form_numbers import FormNumberError, normalise_form_number
from .models import Forbund, Insats
from .tabular import Table, TableError, read_table

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
MAX_ERRORS = 50
REQUIRED_COLUMNS = ("questionnaire", "insats", "date")
FORM_NUMBER_COLUMN = "formular"
FORM_NUMBER_ALIASES = ("formular", "formulär", "formularnummer", "formulärnummer", "form_number")
DONT_KNOW_CODE = "9"
ITEM_CODES = {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, DONT_KNOW_CODE: None}
_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?: \d{1,2}:\d{2}(?::\d{2})?)?$")
_HEADER_ID = re.compile(r"^[^\s:–—-]+")


@dataclass(frozen=True)
class ImportProblem:
    """One problem of a file: spreadsheet row (None: the whole file), column name, message."""

    row: int | None
    column: str
    message: object  #: a lazy gettext string, rendered in the reader's language

    def __str__(self) -> str:
        where = ""
        if self.row and self.column:
            where = str(_l("Rad %(row)d, kolumn %(column)s", row=self.row, column=self.column)) + ": "
        elif self.row:
            where = str(_l("Rad %(row)d", row=self.row)) + ": "
        return where + str(self.message)


class ImportRejected(ValueError):
    """The file cannot be imported; ``problems`` lists the first MAX_ERRORS, ``more`` the rest."""

    def __init__(self, problems: list[ImportProblem], more: int = 0):
        self.problems = problems
        self.more = more
        lines = [str(p) for p in problems]
        if more:
            lines.append(str(_l("… och %(count)d fel till.", count=more)))
        super().__init__("\n".join(lines))

    @classmethod
    def single(cls, message, row: int | None = None, column: str = "") -> ImportRejected:
        return cls([ImportProblem(row, column, message)])


@dataclass
class ParsedRow:
    row: int  #: spreadsheet row number
    questionnaire: Questionnaire
    insats_id: int | None
    submitted_on: dt.date
    form_number: str | None
    answers: dict[str, int | None] = field(default_factory=dict)
    background: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParsedFile:
    rows: list[ParsedRow]
    table: Table


class _Problems:
    def __init__(self):
        self.items: list[ImportProblem] = []
        self.total = 0

    def add(self, row, column, message) -> None:
        self.total += 1
        if len(self.items) < MAX_ERRORS:
            self.items.append(ImportProblem(row, column, message))

    def raise_if_any(self) -> None:
        if self.total:
            raise ImportRejected(self.items, self.total - len(self.items))


def read_file(data: bytes, filename: str = "", header_only: bool = False) -> Table:
    if len(data) > MAX_BYTES:
        raise ImportRejected.single(_l("Filen är för stor (högst %(mb)d MB).", mb=MAX_BYTES // (1024 * 1024)))
    try:
        return read_table(data, filename, max_rows=MAX_ROWS, header_only=header_only)
    except TableError as exc:
        raise ImportRejected.single(exc.message, row=exc.row) from None


def check_header(data: bytes, inst: Instrument, filename: str = "") -> None:
    """Refuse a file whose encoding or header is wrong, quickly (before it is queued as a job)."""
    _check_header(read_file(data, filename, header_only=True).header, inst)


def parse(data: bytes, forbund: Forbund, inst: Instrument, filename: str = "") -> ParsedFile:
    """Validate the whole file and return its rows; raise ImportRejected listing every problem."""
    table = read_file(data, filename)
    columns = _check_header(table.header, inst)
    if not table.rows:
        raise ImportRejected.single(_l("Filen innehåller inga svar, bara en rubrikrad."))
    problems = _Problems()
    parser = _RowParser(inst, _insats_lookup(forbund), columns, problems)
    rows = [parsed for number, cells in table.rows if (parsed := parser.parse(number, cells)) is not None]
    problems.raise_if_any()
    return ParsedFile(rows, table)


def _check_header(header: list[str], inst: Instrument) -> list[tuple[str, str]]:
    """Return (column name, kind) per column; list unknown, repeated and missing names.

    Kinds: a required column's own name, ``formular``, ``item:<id>``, ``bg:<id>``, or ``blank``
    for a column without a name (spreadsheets leave some at the end), which must stay empty.
    """
    item_lookup = {item_id.lower(): item_id for item_id in inst.items}
    background = {bg.id.lower(): bg.id for q in inst.questionnaires.values() for bg in q.background}
    problems = _Problems()
    seen: set[str] = set()
    columns: list[tuple[str, str]] = []
    for raw in header:
        match = _HEADER_ID.match(raw)
        name = match.group(0).lower() if match else ""
        if not name:
            columns.append(("", "blank"))
            continue
        if name in FORM_NUMBER_ALIASES:
            name = FORM_NUMBER_COLUMN
        if name in seen:
            problems.add(1, raw[:40], _l("Kolumnen finns två gånger i rubrikraden."))
            columns.append((name, "blank"))
            continue
        seen.add(name)
        if name in REQUIRED_COLUMNS or name == FORM_NUMBER_COLUMN:
            columns.append((name, name))
        elif name in item_lookup:
            columns.append((item_lookup[name], "item:" + item_lookup[name]))
        elif name in background:
            columns.append((background[name], "bg:" + background[name]))
        else:
            problems.add(1, raw[:40], _l(
                "Okänd kolumn. Tillåtna är formular, questionnaire, insats, date, frågornas id (t.ex. DP01) "
                "och bakgrundsfrågornas id."
            ))
            columns.append((name, "blank"))
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            problems.add(1, name, _l("Kolumnen saknas i rubrikraden."))
    problems.raise_if_any()
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


def parse_date(value: str) -> dt.date:
    """ÅÅÅÅ-MM-DD or DD/MM/ÅÅÅÅ, optionally followed by a time (ignored); ValueError otherwise."""
    match = _DATE.match(value)
    if match:
        year, month, day = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    match = _DMY.match(value)
    if match:
        day, month, year = (int(g) for g in match.groups())
        return dt.date(year, month, day)
    raise ValueError(value)


class _RowParser:
    """Validates rows one by one, adding every problem found to ``problems``."""

    def __init__(self, inst: Instrument, insatser: dict[str, Insats], columns, problems: _Problems):
        self.inst = inst
        self.insatser = insatser
        self.columns = columns
        self.problems = problems
        self.today = today()
        self.dates: dict[str, dt.date | None] = {}
        self.numbers: dict[str, int] = {}
        self.shapes: dict[str, tuple] = {}
        self.required = {kind: i for i, (_, kind) in enumerate(columns) if kind in REQUIRED_COLUMNS + (FORM_NUMBER_COLUMN,)}
        self.answer_columns = [(i, name, kind) for i, (name, kind) in enumerate(columns) if kind[:3] in ("ite", "bg:")]
        self.blank_columns = [i for i, (_, kind) in enumerate(columns) if kind == "blank"]

    def _get(self, cells: list[str], kind: str) -> str:
        index = self.required.get(kind)
        return cells[index] if index is not None and index < len(cells) else ""

    def parse(self, row: int, cells: list[str]) -> ParsedRow | None:
        add = self.problems.add
        before = self.problems.total
        if len(cells) > len(self.columns) and any(cells[len(self.columns):]):
            add(row, "", _l("Raden har %(values)d värden men rubrikraden bara %(columns)d kolumner.",
                            values=len(cells), columns=len(self.columns)))
        for index, value in enumerate(cells[: len(self.columns)] if "=" in "".join(cells) else ()):
            if value.startswith("="):
                add(row, self.columns[index][0] or str(index + 1),
                    _l("Cellen ”%(value)s” är en formel. Formler räknas inte ut; skriv in värdet.", value=value[:20]))
                cells[index] = ""
        for index in self.blank_columns:
            if index < len(cells) and cells[index]:
                add(row, str(index + 1), _l("Kolumnen har ett värde men inget namn i rubrikraden."))

        q = self._questionnaire(row, cells)
        insats_id = self._insats(row, cells, q) if q else None
        submitted_on = self._date(row, cells)
        form_number = self._form_number(row, cells)
        answers: dict[str, int | None] = {}
        background: dict[str, str] = {}
        if q is not None:
            items, backgrounds = self._shape(q)
            for index, name, kind in self.answer_columns:
                value = cells[index] if index < len(cells) else ""
                if not value:
                    continue
                if kind[0] == "i":
                    if name not in items:
                        add(row, name, _l("Frågan hör inte till formuläret %(code)s men är ifylld.", code=q.code))
                    elif value not in ITEM_CODES:
                        add(row, name, _l("Värdet ”%(value)s” är inte tillåtet: använd 1–6, 9 för Vet ej eller lämna tomt.",
                                          value=value[:20]))
                    else:
                        answers[name] = ITEM_CODES[value]
                elif name not in backgrounds:
                    add(row, name, _l("Bakgrundsfrågan hör inte till formuläret %(code)s men är ifylld.", code=q.code))
                elif value not in backgrounds[name].options:
                    add(row, name, _l("Värdet ”%(value)s” är inte tillåtet: använd %(options)s eller lämna tomt.",
                                      value=value[:20], options=", ".join(backgrounds[name].options)))
                else:
                    background[name] = value
            if not answers and self.problems.total == before:
                add(row, "", _l("Raden har inga svar på frågorna."))
        if self.problems.total != before or q is None or submitted_on is None:
            return None
        order = q.item_ids
        answers = {item_id: answers[item_id] for item_id in order if item_id in answers}
        return ParsedRow(row, q, insats_id, submitted_on, form_number, answers, background)

    def _shape(self, q: Questionnaire):
        if q.code not in self.shapes:
            self.shapes[q.code] = (set(q.item_ids), {bg.id: bg for bg in q.background})
        return self.shapes[q.code]

    def _questionnaire(self, row: int, cells: list[str]) -> Questionnaire | None:
        raw = self._get(cells, "questionnaire")
        code = raw.upper()
        if not code:
            self.problems.add(row, "questionnaire", _l("Kolumnen är tom: skriv formulärets kod."))
            return None
        if code not in self.inst.questionnaires:
            self.problems.add(row, "questionnaire", _l("Okänt formulär ”%(value)s”: ska vara ett av %(codes)s.",
                                                       value=raw[:20], codes=", ".join(self.inst.questionnaires)))
            return None
        return self.inst.questionnaires[code]

    def _insats(self, row: int, cells: list[str], q: Questionnaire) -> int | None:
        name = self._get(cells, "insats")
        if q.about == "insats":
            if not name:
                self.problems.add(row, "insats", _l("Formuläret %(code)s gäller en insats: fyll i kolumnen insats.",
                                                    code=q.code))
                return None
            insats = self.insatser.get(name) or self.insatser.get(name.casefold())
            if insats is None:
                self.problems.add(row, "insats", _l("Okänd insats ”%(name)s”: förbundet har ingen insats med det namnet.",
                                                    name=name[:60]))
                return None
            return insats.id
        if name:
            self.problems.add(row, "insats", _l("Formuläret %(code)s gäller hela förbundet: lämna kolumnen insats tom.",
                                                code=q.code))
        return None

    def _date(self, row: int, cells: list[str]) -> dt.date | None:
        value = self._get(cells, "date")
        if not value:
            self.problems.add(row, "date", _l("Kolumnen date är tom: skriv datumet på formuläret som ÅÅÅÅ-MM-DD."))
            return None
        if value in self.dates and self.dates[value] is not None:
            return self.dates[value]
        try:
            day = parse_date(value)
        except ValueError:
            self.problems.add(row, "date", _l(
                "Felaktigt datum ”%(value)s”: skriv det som ÅÅÅÅ-MM-DD (t.ex. 2026-03-15) eller DD/MM/ÅÅÅÅ.",
                value=value[:20]))
            return None
        if day > self.today:
            self.problems.add(row, "date", _l("Datumet %(value)s ligger i framtiden.", value=value[:20]))
            return None
        if day.year < 2000:
            self.problems.add(row, "date", _l("Datumet %(value)s är för tidigt.", value=value[:20]))
            return None
        self.dates[value] = day
        return day

    def _form_number(self, row: int, cells: list[str]) -> str | None:
        raw = self._get(cells, FORM_NUMBER_COLUMN)
        try:
            number = normalise_form_number(raw)
        except FormNumberError as exc:
            self.problems.add(row, FORM_NUMBER_COLUMN, exc.message)
            return None
        if number is None:
            return None
        if number in self.numbers:
            self.problems.add(row, FORM_NUMBER_COLUMN, _l("Formulärnumret %(number)s står redan på rad %(other)d.",
                                                          number=number, other=self.numbers[number]))
            return None
        self.numbers[number] = row
        return number


def import_responses(*args, **kwargs):
    """Validate and store a file: see :func:`surveys.import_store.import_responses`."""
    from .import_store import import_responses as store

    return store(*args, **kwargs)
