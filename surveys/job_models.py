"""Models of the task queue's jobs (``surveys.jobs``): a job's state and its finished files."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db
from .models import User, random_id, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")


class Job(db.Model):
    """A piece of long work (a report, an import) run by the task-queue worker (``surveys.jobs``).

    State and result files live here, not on one server's disk, so every app server shows and
    serves them. Deleted when it expires (``JOB_EXPIRY_DAYS``) and with the förbund's data.
    """

    __tablename__ = "job"
    __table_args__ = (CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name="status"),)

    #: Random, unguessable (it is in URLs).
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    #: What kind of job: a key of ``surveys.jobs.KINDS`` ("report", ...).
    kind: Mapped[str] = mapped_column(String(32))
    forbund_id: Mapped[int | None] = mapped_column(ForeignKey("forbund.id", ondelete="CASCADE"), index=True)
    #: The insats a job is about (staff see only their insatser's jobs); NULL for the whole förbund.
    insats_id: Mapped[int | None] = mapped_column(ForeignKey("insats.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The job's parameters as JSON (the kind's own format).
    params: Mapped[str] = mapped_column(Text, default="{}")
    status: Mapped[str] = mapped_column(String(16), default="queued")
    #: 0-100, and a short label of the current step (``surveys.jobs`` translates known labels).
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: Updated by the running job; a running job whose heartbeat is older than JOB_HEARTBEAT_TIMEOUT
    #: seconds has lost its worker and is marked failed.
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)

    user: Mapped[User | None] = relationship()
    files: Mapped[list[JobFile]] = relationship(back_populates="job", cascade="all, delete-orphan",
                                                passive_deletes=True, order_by="JobFile.position")


class JobFile(db.Model):
    """One finished file of a job, with its bytes."""

    __tablename__ = "job_file"
    __table_args__ = (UniqueConstraint("job_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[str] = mapped_column(ForeignKey("job.id", ondelete="CASCADE"), index=True)
    #: The kind's key for the file ("pdf", "xlsx", ...), its order on the page, name and type.
    key: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name: Mapped[str] = mapped_column(String(200))
    mimetype: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)

    job: Mapped[Job] = relationship(back_populates="files")
