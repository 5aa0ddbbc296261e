"""Report files for a förbund (or one insats) and year: the appendix PDF, XLSX, CSV and chart ZIPs.

Built from ``surveys.results`` (the database) by the pure ``indicators`` report code. On the web
the files are built by a job on the task queue (kind "report", ``surveys.jobs``): its state and
files live in the database, so every app server shows and serves them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from indicators.chart_style import FORMATS
from indicators.export import charts_zip, table_csv, tables_zip, workbook
from indicators.report import build_report
from indicators.report_data import all_charts, all_tables
from indicators.results import ResultSet

from . import jobs
from .errors import ServiceError
from .extensions import db
from .instruments import instrument
from .models import Forbund, Insats, Job
from .results import ResultRequest, available_years, build_result_set, free_texts

REFERENCES = ("computed", "imported", "none")
CHART_FORMATS = tuple(FORMATS)
#: How many measurement years a report compares (the chosen one and up to two earlier ones).
TREND_YEARS = 3
#: Files a finished job offers, by key: (file name pattern, MIME type).
JOB_FILES = {
    "pdf": ("bilaga-{year}.pdf", "application/pdf"),
    "xlsx": ("tabeller-{year}.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "csv": ("tabeller-{year}-csv.zip", "application/zip"),
    "charts": ("diagram-{year}-{fmt}.zip", "application/zip"),
}


@dataclass(frozen=True)
class ReportOptions:
    """What the officer asked for."""

    year: int
    reference: str = "computed"
    include_free_text: bool = False
    chart_format: str = "png"
    insats_id: int | None = None
    lang: str = "sv"

    def __post_init__(self):
        if self.reference not in REFERENCES:
            raise ServiceError("reference", _l("Välj beräknat riket, importerade riksvärden eller ingen jämförelse."))
        if self.chart_format not in CHART_FORMATS:
            raise ServiceError("chart_format", _l("Välj png, png300, svg eller pdf."), label=_l("Diagramformat"))
        if self.lang not in ("sv", "en"):
            raise ServiceError("lang", _l("Välj svenska eller engelska."), label=_l("Språk"))


def report_years(forbund: Forbund, year: int, insats: Insats | None = None) -> tuple[int, ...]:
    """The chosen year and up to two earlier years with answers within the four before it."""
    have = available_years(forbund.id, [insats.id] if insats is not None else None)
    earlier = [y for y in have if year - 4 <= y < year][-(TREND_YEARS - 1):]
    return (*earlier, year)


def result_set(forbund: Forbund, options: ReportOptions) -> ResultSet:
    """Load and score the results a report shows."""
    insats = db.session.get(Insats, options.insats_id) if options.insats_id else None
    if insats is not None and insats.forbund_id != forbund.id:
        raise ServiceError("insats", _l("Insatsen hör inte till förbundet."))
    return build_result_set(ResultRequest(
        forbund=forbund, years=report_years(forbund, options.year, insats), insats=insats,
        reference=options.reference,
    ))


def job_file_names(options: ReportOptions) -> dict[str, str]:
    ext = FORMATS[options.chart_format][0] if options.chart_format != "png300" else "png300"
    return {key: pattern.format(year=options.year, fmt=ext) for key, (pattern, _) in JOB_FILES.items()}


FileSet = dict[str, tuple[str, str, bytes]]


def _build(forbund: Forbund, options: ReportOptions, progress: Callable[[str], None] | None):
    step = progress or (lambda label: None)
    rs = result_set(forbund, options)
    step("results")
    inst = instrument(rs.instrument_version)
    insats = db.session.get(Insats, options.insats_id) if options.insats_id else None
    texts = {}
    if options.include_free_text:
        texts = {g: free_texts(forbund, insats, options.year, g) for g in rs.groups}
    names = job_file_names(options)
    files: FileSet = {}

    def add(key: str, data: bytes) -> None:
        files[key] = (names[key], JOB_FILES[key][1], data)

    add("pdf", build_report(rs, inst, options.year, lang=options.lang, free_texts=texts,
                            include_free_text=options.include_free_text, progress=step))
    tables = all_tables(rs, inst, options.year, lang=options.lang)
    add("xlsx", workbook(tables))
    add("csv", tables_zip(tables))
    step("tables")
    charts = all_charts(rs, inst, options.year, lang=options.lang)
    add("charts", charts_zip(charts, options.chart_format))
    step("charts")
    return files, tables, charts


def report_files(forbund: Forbund, options: ReportOptions, progress: Callable[[str], None] | None = None) -> FileSet:
    """Every file of a report as ``{key: (file name, MIME type, bytes)}``, in the order shown.

    ``progress`` is called with a label after each step.
    """
    return _build(forbund, options, progress)[0]


def write_report_files(forbund: Forbund, options: ReportOptions, out: Path, *, expand: bool = False,
                       progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the report's files (``report_files``) into ``out``.

    With ``expand`` (the command line) also every CSV and every chart as its own file.
    """
    step = progress or (lambda label: None)
    out.mkdir(parents=True, exist_ok=True)
    files, tables, charts = _build(forbund, options, step)
    written = [_write(out / name, data) for name, _mime, data in files.values()]
    if expand:
        from indicators.chart_style import render

        for table in tables:
            written.append(_write(out / "csv" / f"{table.name}.csv", table_csv(table)))
        ext = FORMATS[options.chart_format][0]
        for chart in charts:
            written.append(_write(out / "diagram" / f"{chart.name}.{ext}", render(chart, options.chart_format)))
            written.append(_write(out / "diagram" / f"{chart.name}.txt", (chart.description + "\n").encode()))
        step("files")
    return written


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- report jobs (on the task queue; see surveys.jobs) ---------------------------------------

#: Progress labels the report builder sends, roughly in order; used for the percentage.
REPORT_STEPS = 11


def start_report_job(forbund: Forbund, options: ReportOptions, user_id: int | None) -> Job:
    """Add a queued report job (``jobs.JobLimitError`` at the förbund's limit). Flushes; the caller
    commits and then calls ``jobs.enqueue``."""
    return jobs.create_job("report", forbund_id=forbund.id, user_id=user_id, params=asdict(options),
                           insats_id=options.insats_id)


def report_options(job: Job) -> ReportOptions:
    return ReportOptions(**jobs.job_params(job))


def _run_report_job(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    forbund = db.session.get(Forbund, job.forbund_id)
    done = [0]

    def step(label: str) -> None:
        done[0] += 1
        progress(min(95, 100 * done[0] // REPORT_STEPS), label)

    files = report_files(forbund, report_options(job), progress=step)
    return jobs.JobResult(files=[jobs.ResultFile(key, name, mime, data) for key, (name, mime, data) in files.items()])


jobs.register_kind("report", _run_report_job)
