"""Large paper-answer imports as jobs on the task queue (``surveys.jobs``), not in the request.

The upload page hands a file with more than ``IMPORT_JOB_MIN_ROWS`` rows (a CSV file's line
count, or an XLSX file larger than :data:`XLSX_JOB_BYTES`) to the worker: the file's bytes wait
in a ``JobFile`` row (``upload``), which the job deletes as soon as it has read them. The job runs
:func:`surveys.import_store.run_import` in the uploader's language and keeps the outcome, as
JSON in ``Job.message``: the counts, or the list of problems when the file was refused.
"""

from __future__ import annotations

import json

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import delete, select

from . import jobs
from .extensions import db
from .import_store import ImportResult, run_import
from .imports import ImportRejected
from .job_models import Job, JobFile
from .tabular import is_xlsx

KIND = "import"
#: An XLSX file of this size holds roughly IMPORT_JOB_MIN_ROWS short rows.
XLSX_JOB_BYTES = 150 * 1024
UPLOAD_KEY = "upload"


def is_large(data: bytes, filename: str) -> bool:
    """Whether a file is big enough to be imported as a job (cheap: nothing is parsed)."""
    min_rows = int(current_app.config.get("IMPORT_JOB_MIN_ROWS", 2000))
    if is_xlsx(data, filename):
        return len(data) > XLSX_JOB_BYTES * min_rows / 2000
    return data.count(b"\n") > min_rows


def start_import_job(forbund_id: int, user_id: int, data: bytes, filename: str, lang: str) -> Job:
    """Queue an import job with the file (flushes; the caller commits, then ``jobs.enqueue``).
    Raises ``jobs.JobLimitError`` when the förbund has too many unfinished jobs."""
    job = jobs.create_job(KIND, forbund_id=forbund_id, user_id=user_id,
                          params={"filename": filename[-200:], "lang": lang})
    db.session.add(JobFile(job_id=job.id, key=UPLOAD_KEY, position=0, name="upload", mimetype="application/octet-stream",
                           size=len(data), data=data))
    db.session.flush()
    return job


def _run(job: Job, progress: jobs.Progress) -> jobs.JobResult:
    params = jobs.job_params(job)
    upload = db.session.scalar(select(JobFile).where(JobFile.job_id == job.id, JobFile.key == UPLOAD_KEY))
    if upload is None:
        raise ValueError("the uploaded file is gone")
    data = upload.data
    forbund_id, user_id = job.forbund_id, job.user_id
    # The answers in the file are kept no longer than needed.
    db.session.execute(delete(JobFile).where(JobFile.job_id == job.id, JobFile.key == UPLOAD_KEY))
    db.session.commit()
    with force_locale(params.get("lang") or "sv"):
        try:
            result = run_import(forbund_id, user_id, data, params.get("filename", ""), progress=progress, job_id=job.id)
        except ImportRejected as exc:
            outcome = {"rejected": [str(p) for p in exc.problems], "more": exc.more}
        else:
            outcome = {"rows": result.rows, "created": result.created, "existing": result.existing,
                       "without_number": result.without_number, "closed": result.closed}
    return jobs.JobResult(message=json.dumps(outcome, ensure_ascii=False))


def outcome(job: Job) -> dict:
    """The finished job's outcome: ``result`` (an ImportResult) or ``rejected`` and ``more``."""
    try:
        data = json.loads(job.message or "{}")
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    if "rows" in data:
        return {"result": ImportResult(data["rows"], data["created"], data["existing"], data.get("without_number", 0),
                                       data.get("closed", 0))}
    return data


jobs.register_kind(KIND, _run)
