"""Imported national reference values ("riket"): CSV import, listing, deletion, demo values.

CSV columns: ``year, group, target, mean`` and optional ``sd, n, share_positive``, plus
``source`` (required: every row says where its figures come from). Comma or semicolon
separated (with semicolons a decimal comma is accepted), UTF-8 with or without BOM.
``share_positive`` is a proportion 0–1 (not per cent). Every row is validated before anything
is stored; a bad row rejects the whole file, naming its line. An import replaces the rows of
each (year, source) it contains. These functions flush; the caller commits once.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, delete, func, select

from indicators.catalogue import GROUP_CODES, Instrument, measurement_year

from .audit import record
from .clock import today
from .extensions import db
from .instruments import instrument
from .models import ReferenceValue
from .tabular import TableError, read_table

REQUIRED = ("year", "group", "target", "mean", "source")
OPTIONAL = ("sd", "n", "share_positive")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 20_000
MAX_ERRORS = 50
#: Largest n of a reference row (the whole country's respondents, with room to spare).
MAX_N = 10_000_000
FIRST_YEAR = 2000
DEMO_SOURCE = "Demodata – påhittade riksvärden"
DEMO_YEARS = (2020, 2022, 2024)


class ReferenceImportError(ValueError):
    """A file that was refused; ``errors`` lists (line number or None, message)."""

    def __init__(self, errors: list[tuple[int | None, str]], more: int = 0):
        self.errors = errors
        self.more = more
        lines = [str(_l("Rad %(line)d: %(message)s", line=line, message=msg)) if line else msg for line, msg in errors]
        if more:
            lines.append(str(_l("… och %(n)d fel till.", n=more)))
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class ReferenceRow:
    line: int
    year: int
    group: str
    target: str
    mean: float
    sd: float | None
    n: int | None
    share_positive: float | None
    source: str


def _targets(inst: Instrument) -> dict[str, set[str]]:
    """Valid targets per group: the group's items and the indicators it measures."""
    return {
        code: {i.id for i in q.items} | {i.indicator for i in q.items}
        for code, q in inst.questionnaires.items()
    }


def _number(cell: dict[str, str], column: str, decimal_comma: bool) -> float:
    """The number in ``cell[column]``; ValueError naming the column when it is none."""
    text = cell[column].strip()
    if decimal_comma:
        text = text.replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise ValueError(_l("%(column)s: ”%(value)s” är inte ett tal.", column=column, value=cell[column]))
    return value


def parse_references(data: bytes, filename: str = "") -> list[ReferenceRow]:
    """Parse and validate a reference file (CSV or XLSX); raise ReferenceImportError listing bad rows.

    Encodings and separators as :mod:`surveys.tabular` reads them; columns without a name (a
    trailing ``;`` from Excel) are ignored as long as they are empty.
    """
    if len(data) > MAX_BYTES:
        raise ReferenceImportError([(None, str(_l("Filen är för stor (högst %(mb)d MB).", mb=MAX_BYTES // (1024 * 1024))))])
    try:
        table = read_table(data, filename, max_rows=MAX_ROWS)
    except TableError as exc:
        raise ReferenceImportError([(exc.row, str(exc.message))]) from None
    columns = [h.strip().lower() for h in table.header]
    named = [c for c in columns if c]
    missing = [c for c in REQUIRED if c not in named]
    unknown = [c for c in named if c not in REQUIRED + OPTIONAL]
    if missing or unknown or len(set(named)) != len(named):
        msgs = []
        if missing:
            msgs.append(str(_l("Kolumner saknas: %(columns)s.", columns=", ".join(missing))))
        if unknown:
            msgs.append(str(_l("Okända kolumner: %(columns)s.", columns=", ".join(unknown))))
        if len(set(named)) != len(named):
            msgs.append(str(_l("En kolumn förekommer två gånger.")))
        raise ReferenceImportError([(1, " ".join(msgs))])

    targets = _targets(instrument())
    last_year = measurement_year(today()) + 1
    rows: list[ReferenceRow] = []
    errors: list[tuple[int, str]] = []
    total_errors = 0
    seen: dict[tuple, int] = {}
    decimal_comma = table.delimiter != ","
    for line, cells in table.rows:
        try:
            rows.append(_row(line, columns, cells, targets, last_year, decimal_comma, seen, table.kind == "csv"))
        except ValueError as exc:
            total_errors += 1
            if len(errors) < MAX_ERRORS:
                errors.append((line, str(exc)))
    if errors:
        raise ReferenceImportError(errors, more=total_errors - len(errors))
    if not rows:
        raise ReferenceImportError([(None, str(_l("Filen innehåller inga rader med värden.")))])
    return rows


def _row(line, columns, record_, targets, last_year, decimal_comma, seen, strict_width=True) -> ReferenceRow:
    too_short = strict_width and len(record_) < len(columns) and any(columns[len(record_):])
    if too_short or (len(record_) > len(columns) and any(record_[len(columns):])):
        raise ValueError(_l("raden har %(fields)d fält men rubrikraden %(columns)d.", fields=len(record_), columns=len(columns)))
    values = list(record_) + [""] * (len(columns) - len(record_))
    if any(v for c, v in zip(columns, values, strict=False) if not c):
        raise ValueError(_l("ett värde står i en kolumn utan namn i rubrikraden."))
    if any(v.startswith("=") for v in values):
        raise ValueError(_l("en cell är en formel; formler räknas inte ut, skriv in värdet."))
    cell = {c: v for c, v in zip(columns, values, strict=True) if c}
    try:
        year = int(cell["year"]) if cell["year"].strip().isascii() else None
    except ValueError:
        year = None
    if year is None:
        raise ValueError(_l("year: ”%(value)s” är inte ett årtal.", value=cell["year"]))
    if not FIRST_YEAR <= year <= last_year:
        raise ValueError(_l("year: %(year)d ligger utanför %(first)d–%(last)d.", year=year, first=FIRST_YEAR, last=last_year))
    group = cell["group"].upper()
    if group not in GROUP_CODES:
        raise ValueError(_l("group: ”%(value)s” är ingen svarsgrupp (%(groups)s).", value=cell["group"], groups=", ".join(GROUP_CODES)))
    target = cell["target"].upper()
    if target not in targets.get(group, set()):
        raise ValueError(_l("target: ”%(value)s” är varken en fråga i %(group)s eller ett indikator-id som %(group)s mäter.",
                            value=cell["target"], group=group))
    mean = _number(cell, "mean", decimal_comma)
    if not 1 <= mean <= 6:
        raise ValueError(_l("mean: %(value)s ligger utanför skalan 1–6.", value=cell["mean"]))
    sd = n = share = None
    if cell.get("sd"):
        sd = _number(cell, "sd", decimal_comma)
        if sd < 0:
            raise ValueError(_l("sd: får inte vara negativ."))
    if cell.get("n"):
        if not (cell["n"].isascii() and cell["n"].isdigit()):
            raise ValueError(_l("n: ”%(value)s” är inte ett heltal 0 eller större.", value=cell["n"]))
        n = int(cell["n"])
        if n > MAX_N:
            raise ValueError(_l("n: %(value)s är fler än %(max)d.", value=cell["n"], max=MAX_N))
    if cell.get("share_positive"):
        share = _number(cell, "share_positive", decimal_comma)
        if not 0 <= share <= 1:
            raise ValueError(_l("share_positive: %(value)s ligger utanför 0–1 (ange andel, inte procent).", value=cell["share_positive"]))
    source = cell["source"]
    if not source:
        raise ValueError(_l("source: ange varifrån värdena kommer."))
    if len(source) > 200:
        raise ValueError(_l("source: högst %(max)d tecken.", max=200))
    key = (year, group, target, source)
    if key in seen:
        raise ValueError(_l("samma år, grupp, target och källa som rad %(line)d.", line=seen[key]))
    seen[key] = line
    return ReferenceRow(line, year, group, target, mean, sd, n, share, source)


def store_references(rows: list[ReferenceRow], *, is_demo: bool = False) -> dict[tuple[int, str], int]:
    """Replace the rows of each (year, source) in ``rows``; return the count per (year, source)."""
    summary: dict[tuple[int, str], int] = {}
    for row in rows:
        summary[(row.year, row.source)] = summary.get((row.year, row.source), 0) + 1
    for year, source in summary:
        db.session.execute(delete(ReferenceValue).where(ReferenceValue.year == year, ReferenceValue.source == source))
    db.session.add_all(
        ReferenceValue(year=r.year, group=r.group, target=r.target, mean=r.mean, sd=r.sd, n=r.n,
                       share_positive=r.share_positive, source=r.source, is_demo=is_demo)
        for r in rows
    )
    db.session.flush()
    return summary


def import_references(data: bytes, *, filename: str = "") -> dict[tuple[int, str], int]:
    """Validate a whole CSV file, then replace the same (year, source) rows; audited."""
    rows = parse_references(data, filename)
    summary = store_references(rows)
    detail = "; ".join(f"{y} {s}: {n} rader" for (y, s), n in sorted(summary.items()))
    record("references.import", target=filename[-200:] or "referensvärden", detail=detail)
    return summary


def list_sources() -> list[tuple[int, str, int, bool]]:
    """(year, source, row count, is demo) of every imported source, newest year first."""
    rows = db.session.execute(
        select(ReferenceValue.year, ReferenceValue.source, func.count(), func.max(ReferenceValue.is_demo.cast(Integer)))
        .group_by(ReferenceValue.year, ReferenceValue.source)
        .order_by(ReferenceValue.year.desc(), ReferenceValue.source)
    )
    return [(y, s, int(n), bool(d)) for y, s, n, d in rows]


def delete_source(year: int, source: str) -> int:
    """Delete one imported source of one year; return the number of rows removed; audited."""
    count = db.session.execute(
        delete(ReferenceValue).where(ReferenceValue.year == year, ReferenceValue.source == source)
    ).rowcount
    if not count:
        raise ValueError("Källan finns inte.")
    record("references.delete", target=f"{year} {source}"[:200], detail=f"{count} rader")
    return count


def create_demo_references(seed: int = 2024) -> int:
    """Add made-up riket values for the demo years, labelled as demo data; return the row count."""
    rng = random.Random(seed)
    inst = instrument()
    rows: list[ReferenceRow] = []
    for year in DEMO_YEARS:
        for code, q in inst.questionnaires.items():
            level = 4.3 + 0.1 * DEMO_YEARS.index(year)
            for target in [i.id for i in q.items] + list(dict.fromkeys(i.indicator for i in q.items)):
                mean = round(min(5.8, max(1.5, rng.gauss(level, 0.3))), 2)
                rows.append(ReferenceRow(0, year, code, target, mean, round(rng.uniform(0.9, 1.3), 2),
                                         rng.randrange(300, 3000), round(min(0.98, max(0.2, (mean - 1) / 5 + 0.1)), 3),
                                         DEMO_SOURCE))
    store_references(rows, is_demo=True)
    return len(rows)
