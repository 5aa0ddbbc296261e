"""The report's tables as CSV and XLSX, and all charts as one ZIP.

Pure. Any text cell a spreadsheet could read as a formula (starting with ``=``, ``+``, ``-``,
``@``, tab or carriage return) is made inert with a leading apostrophe, in CSV and XLSX alike;
numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence

from .chart_style import FORMATS, Chart, render
from .report_data import Table

DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
#: A fixed timestamp for ZIP entries, so the same charts give the same archive.
ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def inert(value):
    """Return ``value`` safe for a spreadsheet: text with a formula prefix gets a leading ``'``."""
    if isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def table_csv(table: Table) -> bytes:
    """One table as CSV (UTF-8 with BOM so Excel reads å, ä, ö; semicolons as Swedish Excel expects)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow([inert(h) for h in table.header])
    for row in table.rows:
        writer.writerow(["" if v is None else inert(v) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def tables_zip(tables: Sequence[Table]) -> bytes:
    """Every table as its own CSV file in one ZIP."""
    return _zip((f"{t.name}.csv", table_csv(t)) for t in tables)


def workbook(tables: Sequence[Table]) -> bytes:
    """The tables as one XLSX workbook, one sheet per table named by its title."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        ws = wb.create_sheet(title=table.title[:31])
        ws.append([inert(h) for h in table.header])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            ws.append([inert(v) for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # never a formula, whatever the text
        ws.freeze_panes = "A2"
        for k, header in enumerate(table.header, 1):
            width = max([len(str(header))] + [len(str(r[k - 1])) for r in table.rows if r[k - 1] is not None])
            ws.column_dimensions[ws.cell(1, k).column_letter].width = min(60, max(8, width + 2))
    wb.properties.creator = "Indikatorer för finansiell samordning"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def charts_zip(charts: Iterable[Chart], fmt: str = "png") -> bytes:
    """All charts in one format ("png", "png300", "svg" or "pdf"), each with its description as .txt."""
    if fmt not in FORMATS:
        raise ValueError(f"Format: välj png, png300, svg eller pdf (fick {fmt!r}).")
    ext = FORMATS[fmt][0]

    def files():
        for chart in charts:
            yield f"{chart.name}.{ext}", render(chart, fmt)
            yield f"{chart.name}.txt", (chart.description + "\n").encode("utf-8")

    return _zip(files())


def _zip(files: Iterable[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()
