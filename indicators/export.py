"""The report's tables as CSV and XLSX, and all charts as one ZIP.

Pure. CSV is written for the reader's spreadsheet: semicolon-separated, and numbers with a
decimal comma ("4,22") by default in Swedish, or a decimal point (``decimal="point"``). XLSX
cells are numbers with a number format (two decimals, or whole numbers), never text. Any text cell a spreadsheet could read as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) is made inert with a leading apostrophe, in CSV and XLSX alike;
numbers stay numbers.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Iterable, Sequence

from .chart_style import FORMATS, Chart, render
from .report_tables import Table

#: Decimal separators of the CSV export.
CSV_DECIMALS = ("comma", "point")

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A fixed timestamp for ZIP entries, so the same charts give the same archive.
ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def inert(value):
    """Return ``value`` safe for a spreadsheet: text with a formula prefix gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def _csv_cell(value, decimal: str):
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return inert(value)
    text = repr(value) if isinstance(value, float) else str(value)
    if isinstance(value, float) and text.endswith(".0"):
        text = text[:-2]
    return text.replace(".", ",") if decimal == "comma" else text


def table_csv(table: Table, *, decimal: str = "comma") -> bytes:
    """One table as CSV (UTF-8 with BOM so Excel reads å, ä, ö; semicolons as Swedish Excel expects).

    ``decimal`` "comma" writes 4,22 (Swedish Excel reads it as a number), "point" writes 4.22.
    A negative number keeps the ASCII minus so that spreadsheets read it as a number.
    """
    if decimal not in CSV_DECIMALS:
        raise ValueError("Decimaltecken: välj comma eller point.")
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([inert(h) for h in table.header])
    for row in table.rows:
        writer.writerow([_csv_cell(v, decimal) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def tables_zip(tables: Sequence[Table], *, decimal: str = "comma") -> bytes:
    """Every table as its own CSV file in one ZIP."""
    return _zip((f"{t.name}.csv", table_csv(t, decimal=decimal)) for t in tables)


def workbook(tables: Sequence[Table]) -> bytes:
    """The tables as one XLSX workbook, one sheet per table named by its title."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(title=table.title[:31])
        # Cells are addressed by row and column: ``ws[ws.max_row]`` scans every cell of the
        # sheet each time (quadratic; seconds for a few thousand rows).
        for k, header in enumerate(table.header, 1):
            cell = ws.cell(row=1, column=k, value=inert(header))
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for r, row in enumerate(table.rows, 2):
            for k, value in enumerate(row, 1):
                if value is None:
                    continue
                cell = ws.cell(row=r, column=k, value=inert(value))
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
                elif isinstance(cell.value, float):
                    cell.number_format = "0.00" if cell.value != int(cell.value) or abs(cell.value) < 1000 else "0"
                elif isinstance(cell.value, int) and not isinstance(cell.value, bool):
                    cell.number_format = "0"
        ws.freeze_panes = "A2"
        for k, header in enumerate(table.header, 1):
            width = max([len(str(header))] + [len(str(r[k - 1])) for r in table.rows if r[k - 1] is not None])
            ws.column_dimensions[ws.cell(1, k).column_letter].width = min(60, max(8, width + 2))
    wb.properties.creator = "Indikatorer för finansiell samordning"
    wb.properties.created = wb.properties.modified = datetime.datetime(2000, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return fixed_zip_dates(buf.getvalue())


def fixed_zip_dates(data: bytes) -> bytes:
    """The same ZIP package (XLSX, DOCX) with fixed member dates: equal content, equal bytes."""
    import re

    def member(src, name: str) -> bytes:
        content = src.read(name)
        if name == "docProps/core.xml":  # the writer stamps the save time into "modified"
            content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)", rb"\g<1>2000-01-01T00:00:00Z\g<2>",
                             content)
        return content

    with zipfile.ZipFile(io.BytesIO(data)) as src:
        return _zip((info.filename, member(src, info.filename)) for info in src.infolist())


def charts_zip_rendered(charts, fmt: str) -> bytes:
    """Already rendered charts (:class:`~indicators.report_render.RenderedChart`) as one ZIP."""
    ext = FORMATS[fmt][0]

    def files():
        for chart in charts:
            yield f"{chart.name}.{ext}", chart.files[fmt]
            yield f"{chart.name}.txt", (chart.alt + "\n\n" + chart.description + "\n").encode("utf-8")

    return _zip(files())


def charts_zip(charts: Iterable[Chart], fmt: str = "png300") -> bytes:
    """All charts in one format ("png300", "png", "svg" or "pdf"), each with its description as .txt."""
    if fmt not in FORMATS:
        raise ValueError(f"Format: välj png300, png, svg eller pdf (fick {fmt!r}).")
    ext = FORMATS[fmt][0]

    def files():
        for chart in charts:
            yield f"{chart.name}.{ext}", render(chart, fmt)
            yield f"{chart.name}.txt", (chart.description + "\n").encode("utf-8")

    return _zip(files())


#: Members that are compressed already (the chart PNGs, the DOCX pictures): stored as they are,
#: since deflating them again costs time and saves next to nothing.
STORED_SUFFIXES = (".png", ".jpg", ".jpeg")


def _zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_STORED if name.lower().endswith(STORED_SUFFIXES) else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()
