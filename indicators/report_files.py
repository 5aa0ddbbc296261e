"""One entry point for the whole report package: result set in, files as bytes out.

Pure. :func:`build_report_files` draws every chart once (in worker processes when there are
CPUs to spare; each figure is drawn once and saved in every format it is needed in) and, while
the workers draw, writes the XLSX workbook and the CSV ZIP; then the appendix PDF (tagged, from
HTML; its charts first in the workers' queue, the charts only the ZIP needs after them), the DOCX
and the chart ZIP from the same content. The web layer, the command line and the task queue all
call it as a black box.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .catalogue import Instrument
from .chart_style import CHART_FORMATS, DEFAULT_FORMAT
from .export import CSV_DECIMALS, charts_zip_rendered, tables_zip, workbook
from .i18n import N_, Tr, as_tr
from .report import EMBED_FORMAT, render_pdf
from .report_content import FreeTexts, build_document, report_title
from .report_data import all_tables, chart_names
from .report_docx import EMBED_FORMAT as DOCX_FORMAT
from .report_docx import render_docx
from .report_render import ChartSet, render_charts
from .results import ResultSet

#: File kinds of a report and their file-name patterns.
FILE_NAMES = {
    "pdf": "bilaga-{year}.pdf",
    "docx": "bilaga-{year}.docx",
    "xlsx": "tabeller-{year}.xlsx",
    "csv": "tabeller-{year}-csv.zip",
    "charts": "diagram-{year}-{fmt}.zip",
}


@dataclass(frozen=True)
class ReportRequest:
    """What to build: the year, the chart format of the chart ZIP, free text, CSV decimals."""

    year: int | None = None
    chart_format: str = DEFAULT_FORMAT
    include_free_text: bool = False
    decimal: str | None = None  #: "comma" or "point"; None: the language's (comma in Swedish)

    def __post_init__(self):
        if self.chart_format not in CHART_FORMATS:
            raise ValueError("Diagramformat: välj png300, png, svg eller pdf.")
        if self.decimal not in (None, *CSV_DECIMALS):
            raise ValueError("Decimaltecken: välj comma eller point.")


def file_names(year: int, chart_format: str) -> dict[str, str]:
    return {key: pattern.format(year=year, fmt=chart_format) for key, pattern in FILE_NAMES.items()}


def _year(rs: ResultSet, year: int | None) -> int:
    year = max(rs.years) if year is None else year
    if year not in rs.years:
        raise ValueError(f"År: {year} finns inte i resultaten.")
    return year


def running_header(rs: ResultSet, year: int, tr: Tr) -> str:
    text = f"{rs.forbund_name} · {report_title(year, tr)}"
    return text + (f" · {tr.gettext(N_('DEMODATA'))}" if rs.is_demo or rs.reference_is_demo else "")


def build_report_files(rs: ResultSet, inst: Instrument, request: ReportRequest | None = None, *,
                       lang: str | Tr = "sv", free_texts: FreeTexts | None = None, workers: int | None = None,
                       progress: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """Every file of the report package: file name -> bytes (PDF, DOCX, XLSX, CSV ZIP, chart ZIP)."""
    request = request or ReportRequest()
    tr = as_tr(lang)
    year = _year(rs, request.year)
    step = progress or (lambda label: None)
    names = file_names(year, request.chart_format)
    doc = build_document(rs, inst, year, tr, free_texts=free_texts, include_free_text=request.include_free_text)
    in_doc = (EMBED_FORMAT, DOCX_FORMAT, request.chart_format)
    plan = {name: in_doc for name in doc.chart_names}
    plan.update({name: (request.chart_format,) for name, _ in chart_names(rs, year) if name not in plan})
    with ChartSet(rs, inst, year, tr, plan, workers=workers) as charts:
        tables = all_tables(rs, inst, year, lang=tr)
        decimal = request.decimal or ("comma" if tr.lang == "sv" else "point")
        files = {names["xlsx"]: workbook(tables), names["csv"]: tables_zip(tables, decimal=decimal)}
        step("tables")
        files[names["pdf"]] = render_pdf(doc, charts, tr, running=running_header(rs, year, tr))
        step("pdf")
        files[names["docx"]] = render_docx(doc, charts, tr)
        step("docx")
        rendered = charts.all()
        step("charts")
    files[names["charts"]] = charts_zip_rendered(rendered.values(), request.chart_format)
    step("zip")
    return {names[key]: files[names[key]] for key in FILE_NAMES}


def build_report(rs: ResultSet, inst: Instrument, year: int | None = None, *, lang: str | Tr = "sv",
                 free_texts: FreeTexts | None = None, include_free_text: bool = False,
                 workers: int | None = None) -> bytes:
    """Only the appendix PDF (for callers that need just that)."""
    tr = as_tr(lang)
    year = _year(rs, year)
    doc, charts = _appendix(rs, inst, year, tr, free_texts, include_free_text, workers, EMBED_FORMAT)
    return render_pdf(doc, charts, tr, running=running_header(rs, year, tr))


def build_docx(rs: ResultSet, inst: Instrument, year: int | None = None, *, lang: str | Tr = "sv",
               free_texts: FreeTexts | None = None, include_free_text: bool = False,
               workers: int | None = None) -> bytes:
    """Only the appendix DOCX."""
    tr = as_tr(lang)
    doc, charts = _appendix(rs, inst, _year(rs, year), tr, free_texts, include_free_text, workers, DOCX_FORMAT)
    return render_docx(doc, charts, tr)


def _appendix(rs, inst, year, tr, free_texts, include_free_text, workers, fmt):
    """The appendix's content and its charts rendered for embedding (shared by the PDF and DOCX)."""
    doc = build_document(rs, inst, year, tr, free_texts=free_texts, include_free_text=include_free_text)
    return doc, render_charts(rs, inst, year, tr, doc.chart_names, (fmt,), workers=workers)
