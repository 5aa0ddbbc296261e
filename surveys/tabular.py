"""Reading the spreadsheets Swedish offices have: XLSX, or CSV as Excel and others save it.

Shared by the paper-answer import (:mod:`surveys.imports`) and the reference import
(:mod:`surveys.references`). Accepted:

- XLSX workbooks (the first worksheet; formulas are not evaluated: a formula cell reads as its
  ``=...`` text, which the importers refuse);
- CSV in UTF-8 with or without BOM, or in Windows-1252 (Excel's "CSV (semikolonavgränsad)");
- ``;``, ``,`` or tab between columns, chosen from the header line, or given by an Excel
  ``sep=;`` first line (which Excel hides, so the header still counts as row 1).

Control characters (C0 except tab and line breaks, and DEL) are removed from every cell; a NUL
byte means the file is not text and it is refused. Rows are numbered as a spreadsheet shows them
(header = 1). Nothing here touches the database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

#: Refuse workbooks that unpack to more than this (a small file can hide a huge sheet).
MAX_XLSX_UNPACKED = 60 * 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SEP_LINE = re.compile(r"^sep=(.)\s*$", re.IGNORECASE)
DELIMITERS = (";", ",", "\t")


class TableError(ValueError):
    """The file cannot be read as a table; ``message`` is a lazy gettext string, ``row`` or None."""

    def __init__(self, message, row: int | None = None):
        self.message = message
        self.row = row
        super().__init__(str(message))


@dataclass(frozen=True)
class Table:
    header: list[str]
    #: (spreadsheet row number, cells) of every row after the header, blank rows left out.
    rows: list[tuple[int, list[str]]]
    kind: str  #: "xlsx" or "csv"
    encoding: str = ""
    delimiter: str = ""


def strip_controls(value: str) -> str:
    """Remove C0 control characters except tab and line breaks (and DEL)."""
    return _CONTROL.sub("", value) if _CONTROL.search(value) else value


def is_xlsx(data: bytes, filename: str = "") -> bool:
    return data[:4] == b"PK\x03\x04" or filename.lower().endswith((".xlsx", ".xlsm"))


def read_table(data: bytes, filename: str = "", *, max_rows: int, header_only: bool = False) -> Table:
    """Read an uploaded file into a header and rows of stripped strings; raise TableError.

    ``header_only``: stop after the header (a quick check before a long import); no rows.
    """
    if not data.strip():
        raise TableError(_l("Filen är tom."))
    if is_xlsx(data, filename):
        return _read_xlsx(data, max_rows, header_only)
    text, encoding = decode_text(data)
    if header_only:
        text = "\n".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n", 2)[:2])
        if _SEP_LINE.match(text.split("\n", 1)[0].strip('"')) is None:
            text = text.split("\n", 1)[0]
    return _read_csv(text, encoding, max_rows)


def decode_text(data: bytes) -> tuple[str, str]:
    """UTF-8 (BOM or not), else Windows-1252; NUL bytes (binary, UTF-16) are refused."""
    if b"\x00" in data:
        raise TableError(_l(
            "Filen innehåller binära data och kan inte läsas. Spara den som Excel-arbetsbok (.xlsx), "
            "”CSV UTF-8” eller ”CSV (semikolonavgränsad)”."
        ))
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = exc.start
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        line = data[:first_bad].count(b"\n") + 1
        raise TableError(
            _l("Filen är varken sparad som UTF-8 eller som Windows-teckenkodning. Spara den som ”CSV UTF-8” "
               "eller som Excel-arbetsbok (.xlsx) och försök igen."),
            row=line,
        ) from None


def sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    if not counts[best]:
        raise TableError(
            _l("Rubrikraden saknar kolumner: använd semikolon, komma eller tabb mellan kolumnerna."), row=1
        )
    return best


def _read_csv(text: str, encoding: str, max_rows: int) -> Table:
    text = strip_controls(text.replace("\r\n", "\n").replace("\r", "\n"))
    first, _, rest = text.partition("\n")
    sep = _SEP_LINE.match(first.strip('"'))
    if sep:
        delimiter = sep.group(1)
        if delimiter not in DELIMITERS:
            raise TableError(_l("Raden sep= anger ett skiljetecken som inte stöds: använd ; , eller tabb."), row=1)
        text = rest
    else:
        delimiter = sniff_delimiter(first)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    row_number = 0
    try:
        for record in reader:
            row_number += 1
            cells = [cell.strip() for cell in record]
            if header is None:
                header = cells
                continue
            if not any(cells):
                continue  # blank lines that spreadsheets leave behind
            if len(rows) >= max_rows:
                raise TableError(_l("Filen har för många rader (högst %(max)d rader).", max=max_rows))
            rows.append((row_number, cells))
    except csv.Error as exc:
        raise TableError(_l("Filen kan inte läsas som CSV (%(reason)s).", reason=str(exc)), row=row_number + 1) from None
    if header is None:
        raise TableError(_l("Filen är tom."))
    return Table(header, rows, "csv", encoding, delimiter)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return strip_controls(str(value)).strip()


def _read_xlsx(data: bytes, max_rows: int, header_only: bool = False) -> Table:
    from openpyxl import load_workbook

    bad = TableError(_l("Filen kan inte läsas som Excel-arbetsbok (.xlsx). Spara den igen i Excel och försök på nytt."))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_XLSX_UNPACKED:
                raise TableError(_l("Arbetsboken är för stor uppackad. Spara bara bladet med svaren."))
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except TableError:
        raise
    except Exception:  # openpyxl raises many kinds on damaged or foreign files
        raise bad from None
    try:
        sheet = workbook.worksheets[0]
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for row_number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and not cells[-1]:
                cells.pop()
            if header is None:
                if not cells:
                    continue
                header = cells
                if header_only:
                    break
                continue
            if not any(cells):
                continue
            if len(rows) >= max_rows:
                raise TableError(_l("Filen har för många rader (högst %(max)d rader).", max=max_rows))
            rows.append((row_number, cells))
    except TableError:
        raise
    except Exception:
        raise bad from None
    finally:
        workbook.close()
    if header is None:
        raise TableError(_l("Filen är tom."))
    return Table(header, rows, "xlsx")
