"""Jobs: long work (reports, imports) run by the task-queue worker, with state and files in the database.

A job is a ``Job`` row (kind, förbund, who asked, status, progress, message, times, expiry) and its
result files are ``JobFile`` rows with the bytes, so every app server shows and serves them. The
queue (``surveys.queue``, Huey) only carries the job's id to a worker.

A new kind of job::

    def run_import(job: Job, progress: Progress) -> JobResult:
        params = job_params(job)            # what create_job was given
        progress(40, "rows")                # 0-100 and a short step label
        return JobResult(files=[ResultFile("log", "import.txt", "text/plain", b"...")],
                         message="1200 rader importerade")

    register_kind("import", run_import)                     # at import time of your module

    job = create_job("import", forbund_id=f.id, user_id=u.id, params={...})   # checks the limit
    db.session.commit()
    enqueue(job)                                            # after the commit: the worker reads the row

Life of a job: queued -> running (heartbeat every JOB_HEARTBEAT_SECONDS) -> done | failed. A running
job whose heartbeat is older than JOB_HEARTBEAT_TIMEOUT seconds (its worker died) and a queued job
no worker took within JOB_QUEUED_TIMEOUT seconds are marked failed when anybody looks
(``get_job``, ``list_jobs``) and by the worker's periodic housekeeping. Jobs are deleted
JOB_EXPIRY_DAYS after they were created, and with the förbund's answers by gallring.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import delete, func, select, update

from .extensions import db
from .job_models import Job, JobFile
from .locks import lock_forbund
from .models import utcnow

#: Why a job failed (``Job.message`` of a failed job); the page explains each in Swedish.
WORKER_LOST = "worker_lost"
NOT_STARTED = "not_started"
QUEUE_DOWN = "queue_unavailable"
ERROR = "error"

Progress = Callable[[int, str], None]


@dataclass(frozen=True)
class ResultFile:
    key: str
    name: str
    mimetype: str
    data: bytes


@dataclass(frozen=True)
class JobResult:
    files: list[ResultFile] = field(default_factory=list)
    message: str = ""


@dataclass(frozen=True)
class JobKind:
    name: str
    run: Callable[[Job, Progress], JobResult]
    #: Deleted by gallring with the förbund's answers (its files may hold answers or free text).
    deleted_by_gallring: bool = True


KINDS: dict[str, JobKind] = {}


class JobLimitError(ValueError):
    """The förbund already has as many unfinished jobs as it may."""

    def __init__(self, limit: int):
        super().__init__(f"Förbundet har redan {limit} jobb som väntar eller pågår.")
        self.limit = limit


class JobAlreadyQueued(ValueError):
    """The same job (same kind, förbund, insats, user and parameters) is already waiting or
    running: a double click, or "Starta igen" sent twice. ``job`` is that job."""

    def __init__(self, job: Job):
        super().__init__("Samma jobb väntar eller pågår redan.")
        self.job = job


def register_kind(name: str, run: Callable[[Job, Progress], JobResult], *, deleted_by_gallring: bool = True) -> None:
    KINDS[name] = JobKind(name, run, deleted_by_gallring)


def job_params(job: Job) -> dict:
    return json.loads(job.params or "{}")


# --- creating and finding jobs (app servers) -------------------------------------------------


def _cfg(name: str) -> float:
    return float(current_app.config[name])


def unfinished_count(forbund_id: int) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Job).where(Job.forbund_id == forbund_id, Job.status.in_(("queued", "running")))
    )


def create_job(kind: str, *, forbund_id: int, user_id: int | None, params: dict, insats_id: int | None = None,
               once: bool = False) -> Job:
    """Add a queued job, refusing when the förbund has JOB_LIMIT_PER_FORBUND unfinished jobs.

    ``once``: raise JobAlreadyQueued instead when the same job (kind, insats, user, parameters)
    is already waiting or running (a report ordered twice by a double click). Flushes; the
    caller commits and then calls ``enqueue``.
    """
    if kind not in KINDS:
        raise ValueError(f"Jobb: okänd sorts jobb {kind!r}.")
    lock_forbund(forbund_id)  # two requests at once cannot both pass the checks below
    reap_stale()
    encoded = json.dumps(params)
    if once:
        same = db.session.scalar(select(Job).where(
            Job.kind == kind, Job.forbund_id == forbund_id, Job.status.in_(("queued", "running")),
            Job.insats_id.is_(None) if insats_id is None else Job.insats_id == insats_id,
            Job.user_id.is_(None) if user_id is None else Job.user_id == user_id,
            Job.params == encoded).order_by(Job.created_at.desc()).limit(1))
        if same is not None:
            raise JobAlreadyQueued(same)
    limit = int(current_app.config["JOB_LIMIT_PER_FORBUND"])
    if unfinished_count(forbund_id) >= limit:
        raise JobLimitError(limit)
    now = utcnow()
    job = Job(kind=kind, forbund_id=forbund_id, insats_id=insats_id, user_id=user_id, params=encoded,
              status="queued", progress=0, message="", created_at=now,
              expires_at=now + dt.timedelta(days=_cfg("JOB_EXPIRY_DAYS")))
    db.session.add(job)
    db.session.flush()
    return job


def enqueue(job: Job) -> bool:
    """Hand a committed job to the queue (in testing: run it at once).

    When the queue cannot be reached (Redis down) the job is marked failed, so its page says so
    instead of the request failing; returns False then. Commits in that case only.
    """
    from .queue import enqueue_job

    try:
        enqueue_job(job.id)
        return True
    except Exception:
        current_app.logger.error("could not queue job %s:\n%s", job.id, traceback.format_exc())
        db.session.rollback()
        db.session.execute(update(Job).where(Job.id == job.id, Job.status == "queued")
                           .values(status="failed", message=QUEUE_DOWN, finished_at=utcnow()),
                           execution_options={"synchronize_session": False})
        db.session.commit()
        return False


def get_job(job_id: str) -> Job | None:
    """A job that has not expired, with its status brought up to date; None when there is none."""
    if not job_id or len(job_id) > 32:
        return None
    reap_stale()
    job = db.session.get(Job, job_id)
    if job is None or job.expires_at <= utcnow():
        return None
    return job


def list_jobs(forbund_id: int, kind: str | None = None, insats_ids: set[int] | None = None) -> list[Job]:
    """The förbund's jobs that have not expired, newest first (``insats_ids``: only those insatser's)."""
    reap_stale()
    query = select(Job).where(Job.forbund_id == forbund_id, Job.expires_at > utcnow())
    if kind:
        query = query.where(Job.kind == kind)
    if insats_ids is not None:
        query = query.where(Job.insats_id.in_(insats_ids or {-1}))
    return list(db.session.scalars(query.order_by(Job.created_at.desc(), Job.id)))


def job_file(job: Job, name: str) -> JobFile | None:
    if job.status != "done":
        return None
    return db.session.scalar(select(JobFile).where(JobFile.job_id == job.id, JobFile.name == name))


def reap_stale(now: dt.datetime | None = None) -> int:
    """Mark failed the running jobs that lost their worker and the queued ones nobody took."""
    now = now or utcnow()
    lost = now - dt.timedelta(seconds=_cfg("JOB_HEARTBEAT_TIMEOUT"))
    waited = now - dt.timedelta(seconds=_cfg("JOB_QUEUED_TIMEOUT"))
    count = 0
    for status, message, condition in (
        ("running", WORKER_LOST, Job.heartbeat_at < lost),
        ("queued", NOT_STARTED, Job.created_at < waited),
    ):
        # Look first (a read), write only when there is something to fail: every page view calls this.
        if db.session.scalar(select(Job.id).where(Job.status == status, condition).limit(1)) is None:
            continue
        result = db.session.execute(
            update(Job).where(Job.status == status, condition)
            .values(status="failed", message=message, finished_at=now),
            execution_options={"synchronize_session": False},
        )
        count += result.rowcount or 0
    if count:
        db.session.expire_all()
    return count


def delete_expired(now: dt.datetime | None = None) -> int:
    """Delete expired jobs with their files. Flushes."""
    now = now or utcnow()
    result = db.session.execute(delete(Job).where(Job.expires_at <= now), execution_options={"synchronize_session": False})
    return result.rowcount or 0


def delete_forbund_jobs(forbund_id: int) -> int:
    """Delete the förbund's jobs of kinds that gallring removes (with their files). Flushes."""
    kinds = [k.name for k in KINDS.values() if k.deleted_by_gallring]
    result = db.session.execute(
        delete(Job).where(Job.forbund_id == forbund_id, Job.kind.in_(kinds)),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()
    return result.rowcount or 0


def housekeeping() -> None:
    """The worker's periodic task: fail stale jobs, delete expired ones, remove what imports that
    died left pending (``import_writer.discard_stale``). Commits."""
    from . import import_writer

    reap_stale()
    delete_expired()
    db.session.commit()
    with db.engine.connect() as connection:
        import_writer.discard_stale(connection)


# --- running a job (the worker) --------------------------------------------------------------


def _touch(job_id: str, **values) -> bool:
    """Update a running job in its own short transaction; False when it is no longer running."""
    with db.engine.begin() as conn:
        result = conn.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                              .values(heartbeat_at=utcnow(), **values))
    return bool(result.rowcount)


def _heartbeat(app, job_id: str, stop: threading.Event) -> None:
    interval = float(app.config["JOB_HEARTBEAT_SECONDS"])
    with app.app_context():
        while not stop.wait(interval):
            try:
                _touch(job_id)
            except Exception:  # a database hiccup must not end the job; the next beat tries again
                app.logger.warning("heartbeat of job %s failed", job_id)


def run_job(job_id: str) -> None:
    """Run one queued job (called by the worker inside an app context)."""
    app = current_app._get_current_object()
    now = utcnow()
    started = db.session.execute(
        update(Job).where(Job.id == job_id, Job.status == "queued")
        .values(status="running", started_at=now, heartbeat_at=now),
        execution_options={"synchronize_session": False},
    ).rowcount
    db.session.commit()
    if not started:  # gone (expired, gallring) or already failed as not started
        return
    job = db.session.get(Job, job_id)
    kind_name = job.kind
    kind = KINDS.get(kind_name)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(app, job_id, stop), name=f"heartbeat-{job_id[:6]}", daemon=True)
    beat.start()

    def progress(percent: int, label: str) -> None:
        _touch(job_id, progress=max(0, min(100, int(percent))), message=label[:200])

    try:
        if kind is None:
            raise ValueError(f"unknown job kind {kind_name!r}")
        result = kind.run(job, progress)
        db.session.rollback()  # the job only reads; its results go in below
        stop.set()
        _finish(job_id, result)
    except Exception:  # the page must say it failed rather than wait forever
        stop.set()
        db.session.rollback()
        app.logger.error("job %s (%s) failed:\n%s", job_id, kind_name, traceback.format_exc())
        db.session.execute(update(Job).where(Job.id == job_id, Job.status == "running")
                           .values(status="failed", message=ERROR, finished_at=utcnow()),
                           execution_options={"synchronize_session": False})
        db.session.commit()
    finally:
        stop.set()
        beat.join(timeout=5)


def _finish(job_id: str, result: JobResult) -> None:
    job = db.session.get(Job, job_id)
    if job is None or job.status != "running":  # deleted by gallring or failed meanwhile
        return
    for position, f in enumerate(result.files):
        db.session.add(JobFile(job_id=job_id, key=f.key, position=position, name=f.name, mimetype=f.mimetype,
                               size=len(f.data), data=f.data))
    job.status = "done"
    job.progress = 100
    job.message = result.message
    job.finished_at = utcnow()
    db.session.commit()
