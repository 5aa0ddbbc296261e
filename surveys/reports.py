"""Report files for a förbund (or one insats) and year: the appendix PDF, XLSX, CSV and chart ZIPs.

Built from ``surveys.results`` (the database) by the pure ``indicators`` report code. Long work
runs as a job in a background thread; a job is a folder ``instance/reports/<job id>/`` with a
``job.json`` that says whose it is, what was asked and whether the files are ready. In testing
the job runs at once, in the request.
"""

from __future__ import annotations

import functools
import json
import secrets
import shutil
import threading
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from flask import Flask, current_app

from indicators.chart_style import DEFAULT_FORMAT, FORMATS
from indicators.export import table_csv
from indicators.i18n import Tr
from indicators.report_data import all_tables
from indicators.report_files import ReportRequest, build_report_files, file_names
from indicators.results import ResultSet

from .extensions import db
from .instruments import instrument
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
            raise ValueError("Jämförelse: välj beräknat riket, importerade riksvärden eller ingen jämförelse.")
        if self.chart_format not in CHART_FORMATS:
            raise ValueError("Diagramformat: välj png300, png, svg eller pdf.")
        if self.decimal not in (None, "comma", "point"):
            raise ValueError("Decimaltecken: välj comma eller point.")
        if self.lang not in ("sv", "en"):
            raise ValueError("Språk: välj svenska eller engelska.")


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
        raise ValueError("Insats: insatsen hör inte till förbundet.")

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


def write_report_files(forbund: Forbund, options: ReportOptions, out: Path, *, expand: bool = False,
                       progress: Callable[[str], None] | None = None) -> list[Path]:
    """Write the PDF, the XLSX, the CSVs (one ZIP) and the chart ZIP into ``out``.

    With ``expand`` (the command line) also every CSV and every chart as its own file.
    ``progress`` is called with a label after each step.
    """
    step = progress or (lambda label: None)
    out.mkdir(parents=True, exist_ok=True)
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
    files = build_report_files(rs, inst, request, lang=tr, free_texts=texts, progress=step,
                               workers=current_app.config.get("REPORT_WORKERS"))
    written = [_write(out / name, data) for name, data in files.items()]
    if expand:
        import io
        import zipfile

        decimal = options.decimal or ("comma" if options.lang == "sv" else "point")
        for table in all_tables(rs, inst, options.year, lang=tr):
            written.append(_write(out / "csv" / f"{table.name}.csv", table_csv(table, decimal=decimal)))
        with zipfile.ZipFile(io.BytesIO(files[file_names(options.year, options.chart_format)["charts"]])) as zf:
            for name in zf.namelist():
                written.append(_write(out / "diagram" / name, zf.read(name)))
        step("files")
    return written


def _write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- jobs ------------------------------------------------------------------------------------


def jobs_dir() -> Path:
    """Where jobs live: ``REPORT_DIR`` if set, else ``instance/reports``."""
    return Path(current_app.config.get("REPORT_DIR") or Path(current_app.instance_path) / "reports")


def _job_path(job_id: str) -> Path | None:
    if not job_id or not all(c.isalnum() or c in "-_" for c in job_id) or len(job_id) > 64:
        return None
    return jobs_dir() / job_id


def _save_job(path: Path, job: dict) -> None:
    tmp = path / "job.json.tmp"
    tmp.write_text(json.dumps(job))
    tmp.replace(path / "job.json")  # atomic: a reader never sees half a file


def load_job(job_id: str) -> dict | None:
    """Return a job's record, or None when there is no such job."""
    path = _job_path(job_id)
    if path is None or not (path / "job.json").is_file():
        return None
    try:
        return json.loads((path / "job.json").read_text())
    except (OSError, ValueError):
        return None


def job_file(job_id: str, name: str) -> Path | None:
    """The path of one of a finished job's files, or None."""
    job = load_job(job_id)
    if job is None or job["status"] != "done" or name not in job["files"].values():
        return None
    return _job_path(job_id) / name


def start_job(forbund: Forbund, options: ReportOptions, user_id: int | None) -> str:
    """Create a report job and run it (a background thread; at once when testing); return its id."""
    job_id = secrets.token_urlsafe(16)
    path = _job_path(job_id)
    path.mkdir(parents=True, mode=0o700)
    job = {"id": job_id, "forbund_id": forbund.id, "user_id": user_id, "options": asdict(options),
           "status": "running", "step": "", "files": job_file_names(options)}
    _save_job(path, job)
    app = current_app._get_current_object()
    if app.config.get("TESTING") and not app.config.get("REPORT_JOBS_IN_THREAD"):
        _run_job(app, job_id)
    else:
        threading.Thread(target=_run_job, args=(app, job_id), name=f"report-{job_id[:6]}", daemon=True).start()
    return job_id


def _run_job(app: Flask, job_id: str) -> None:
    with app.app_context():
        path = _job_path(job_id)
        job = load_job(job_id)
        try:
            forbund = db.session.get(Forbund, job["forbund_id"])
            options = ReportOptions(**job["options"])

            def progress(label: str) -> None:
                job["step"] = label
                _save_job(path, job)

            write_report_files(forbund, options, path, progress=progress)
            job["status"] = "done"
        except Exception:  # the page must say it failed rather than wait forever
            app.logger.error("report job %s failed:\n%s", job_id, traceback.format_exc())
            job["status"] = "failed"
        finally:
            db.session.remove()
        _save_job(path, job)


def remove_job(job_id: str) -> None:
    path = _job_path(job_id)
    if path is not None and path.is_dir():
        shutil.rmtree(path)
