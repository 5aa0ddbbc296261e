"""Report files for a förbund (or one insats) and year: the appendix PDF and DOCX, XLSX, CSV and chart ZIPs.

Built from ``surveys.results`` (the database) by the pure ``indicators`` report code. On the web
the files are built by a job on the task queue (kind "report", ``surveys.jobs``): its state and
files live in the database, so every app server shows and serves them.
"""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from indicators.chart_style import DEFAULT_FORMAT, FORMATS
from indicators.export import table_csv
from indicators.i18n import Tr
from indicators.report_data import all_tables
from indicators.report_files import ReportRequest, build_report_files, file_names
from indicators.results import ResultSet

from . import jobs
from .errors import ServiceError
from .extensions import db
from .instruments import instrument
from .job_models import Job
from .models import Forbund, Insats
from .results import ResultRequest, available_years, build_result_set, free_texts

REFERENCES = ("computed", "imported", "none")
CHART_FORMATS = tuple(FORMATS)
#: How many measurement years a report compares (the chosen one and up to two earlier ones).
TREND_YEARS = 3
#: Files a finished job offers, by key: (file name pattern, MIME type).
JOB_FILES = {
    "pdf": ("bilaga-{year}.pdf", "application/pdf"),
    "docx": ("bilaga-{year}.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
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
    chart_format: str = DEFAULT_FORMAT
    insats_id: int | None = None
    lang: str = "sv"
    decimal: str | None = None  #: CSV decimal separator: "comma", "point" or None (the language's)

    def __post_init__(self):
        if self.reference not in REFERENCES:
            raise ServiceError("reference", _l("Välj beräknat riket, importerade riksvärden eller ingen jämförelse."))
        if self.chart_format not in CHART_FORMATS:
            raise ServiceError("chart_format", _l("Välj png300, png, svg eller pdf."), label=_l("Diagramformat"))
        if self.decimal not in (None, "comma", "point"):
            raise ServiceError("decimal", _l("Välj comma eller point."), label=_l("Decimaltecken"))
        if self.lang not in ("sv", "en"):
            raise ServiceError("lang", _l("Välj svenska eller engelska."), label=_l("Språk"))


def report_years(forbund: Forbund, year: int, insats: Insats | None = None) -> tuple[int, ...]:
    """The chosen year and up to two earlier years with answers within the four before it."""
    have = available_years(forbund.id, [insats.id] if insats is not None else None)
    earlier = [y for y in have if year - 4 <= y < year][-(TREND_YEARS - 1):]
    return (*earlier, year)


def result_set(forbund: Forbund, options: ReportOptions, *, cache: bool = False) -> ResultSet:
    """Load and score the results a report shows; with ``cache`` reuse the scoring of the same
    selection while the data has not changed (the chart page and its images)."""
    from flask_babel import get_locale

    from .result_cache import cached

    insats = db.session.get(Insats, options.insats_id) if options.insats_id else None
    if insats is not None and insats.forbund_id != forbund.id:
        raise ServiceError("insats", _l("Insatsen hör inte till förbundet."))

    def build() -> ResultSet:
        return build_result_set(ResultRequest(
            forbund=forbund, years=report_years(forbund, options.year, insats), insats=insats,
            reference=options.reference,
        ))

    if not cache:
        return build()
    selection = ("report", forbund.id, forbund.name, options.year, options.reference, options.insats_id,
                 insats.name if insats else None, str(get_locale() or "sv"))
    return cached(selection, forbund.id, insats is not None, build)


def report_tr(lang: str) -> Tr:
    """The report language with the web UI's catalogue (one translation path for UI and reports)."""
    return Tr(lang, _catalogue(lang))


@functools.lru_cache(maxsize=4)
def _catalogue(lang: str):
    from babel.support import NullTranslations, Translations

    if lang == "sv":
        return NullTranslations()
    return Translations.load(str(Path(__file__).resolve().parent / "translations"), [lang])


def job_file_names(options: ReportOptions) -> dict[str, str]:
    return file_names(options.year, options.chart_format)


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
    tr = report_tr(options.lang)
    request = ReportRequest(year=options.year, chart_format=options.chart_format,
                            include_free_text=options.include_free_text, decimal=options.decimal)
    built = build_report_files(rs, inst, request, lang=tr, free_texts=texts, progress=step,
                               workers=current_app.config.get("REPORT_WORKERS"))
    names = job_file_names(options)
    files: FileSet = {key: (names[key], mime, built[names[key]]) for key, (_pattern, mime) in JOB_FILES.items()
                      if names[key] in built}
    return files, rs, inst, tr


def report_files(forbund: Forbund, options: ReportOptions, progress: Callable[[str], None] | None = None) -> FileSet:
    """Every file of a report as ``{key: (file name, MIME type, bytes)}``, in the order shown:
    the appendix PDF and DOCX, the XLSX, the CSV ZIP and the chart ZIP (``build_report_files``).

    ``progress`` is called with a label after each step.
    """
    return _build(forbund, options, progress)[0]


def write_report_files(forbund: Forbund, options: ReportOptions, out: Path, *, expand: bool = False,
                       progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the report's files (``report_files``) into ``out``.

    With ``expand`` (the command line) also every CSV and every chart (with its text) as its own file.
    """
    step = progress or (lambda label: None)
    out.mkdir(parents=True, exist_ok=True)
    files, rs, inst, tr = _build(forbund, options, step)
    written = [_write(out / name, data) for name, _mime, data in files.values()]
    if expand:
        decimal = options.decimal or ("comma" if options.lang == "sv" else "point")
        for table in all_tables(rs, inst, options.year, lang=tr):
            written.append(_write(out / "csv" / f"{table.name}.csv", table_csv(table, decimal=decimal)))
        with zipfile.ZipFile(io.BytesIO(files["charts"][2])) as zf:
            for name in zf.namelist():
                written.append(_write(out / "diagram" / name, zf.read(name)))
        step("files")
    return written


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- report jobs (on the task queue; see surveys.jobs) ---------------------------------------

#: Progress labels the report builder sends, roughly in order; used for the percentage.
REPORT_STEPS = 6


def start_report_job(forbund: Forbund, options: ReportOptions, user_id: int | None) -> Job:
    """Add a queued report job (``jobs.JobLimitError`` at the förbund's limit,
    ``jobs.JobAlreadyQueued`` when the same report is being made). Flushes; the caller commits and
    then calls ``jobs.enqueue``."""
    return jobs.create_job("report", forbund_id=forbund.id, user_id=user_id, params=asdict(options),
                           insats_id=options.insats_id, once=True)


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
