"""Database models (SQLAlchemy 2.0 typed declarative).

Privacy by design: a response stores its submission *date* only, never a time or an address,
and its primary key is random, so the order of submissions cannot be read from the data and
matched against logs. Answers are stored as codes, never as labels, so the language a
respondent chose never changes the stored data.
"""

from __future__ import annotations

import datetime as dt
import secrets
import uuid

from flask_login import UserMixin
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .extensions import db

ROLES = ("admin", "officer", "staff")
CHANNELS = ("web", "paper", "import")


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_token() -> str:
    """Return an unguessable link token: 32 random bytes (256 bits), URL-safe."""
    return secrets.token_urlsafe(32)


def random_id() -> str:
    return uuid.uuid4().hex


class Forbund(db.Model):
    """A samordningsförbund: the tenant. Every query that touches answers is scoped by it."""

    __tablename__ = "forbund"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable name used in URLs and on the command line.
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Created by ``flask demo``: shown as demo data wherever it appears.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    insatser: Mapped[list[Insats]] = relationship(back_populates="forbund", order_by="Insats.name")


user_insats = Table(
    "user_insats",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("insats_id", ForeignKey("insats.id", ondelete="CASCADE"), primary_key=True),
)


class Insats(db.Model):
    """An intervention of one förbund; participant and staff questionnaires are about one."""

    __tablename__ = "insats"
    __table_args__ = (UniqueConstraint("forbund_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Closed insatser keep their data but get no new links.
    closed: Mapped[bool] = mapped_column(Boolean, default=False)

    forbund: Mapped[Forbund] = relationship(back_populates="insatser")
    staff: Mapped[list[User]] = relationship(secondary=user_insats, back_populates="insatser")


class User(UserMixin, db.Model):
    """A staff account: admin, officer (one förbund) or staff (own insatser). Never a participant."""

    __tablename__ = "user"
    __table_args__ = (CheckConstraint("role IN ('admin', 'officer', 'staff')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Login name, stored lower-case.
    username: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    #: The förbund of an officer or staff member; NULL for admins.
    forbund_id: Mapped[int | None] = mapped_column(ForeignKey("forbund.id"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: Preferred UI language ("sv" or "en").
    language: Mapped[str] = mapped_column(String(8), default="sv")
    #: Changes on password change or deactivation, which ends every session of the user.
    session_token: Mapped[str] = mapped_column(String(64), default=lambda: secrets.token_hex(16))
    #: Set by an admin's password reset: the user must choose a new password before anything else.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: Base32 TOTP secret once the second factor is enrolled; NULL without one.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    #: JSON list of SHA-256 hashes of the unused one-time recovery codes.
    recovery_codes: Mapped[str | None] = mapped_column(Text)
    #: Last TOTP time step accepted, so a code cannot be replayed within its window.
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    #: Failed logins in a row (within LOGIN_LOCK_MINUTES of each other); in the database so the
    #: lock holds across workers and servers (see ``accounts.check_login_lock``).
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_failed_login: Mapped[dt.datetime | None] = mapped_column(DateTime)
    #: No login, not even with the right password, before this time (UTC).
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)

    forbund: Mapped[Forbund | None] = relationship()
    insatser: Mapped[list[Insats]] = relationship(secondary=user_insats, back_populates="staff")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active


class SurveyLink(db.Model):
    """A link (URL and QR code) through which one questionnaire is answered."""

    __tablename__ = "survey_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: At least 128 bits from ``secrets``; the only thing a respondent needs.
    token: Mapped[str] = mapped_column(String(64), unique=True, default=new_token)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"), index=True)
    #: Set for the participant and staff questionnaires, NULL for managers and board.
    insats_id: Mapped[int | None] = mapped_column(ForeignKey("insats.id"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(4))
    instrument_version: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(200), default="")
    opens_on: Mapped[dt.date] = mapped_column(Date)
    closes_on: Mapped[dt.date] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: When set, every answer needs one of the link's single-use codes.
    requires_code: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: How many people were asked to answer through this link (for the response rate); None unknown.
    asked: Mapped[int | None] = mapped_column(Integer)
    #: The key of the form that created the link (a hidden field): the same form sent again (a
    #: double click, a resend) finds this link instead of making a second one.
    form_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    forbund: Mapped[Forbund] = relationship()
    insats: Mapped[Insats | None] = relationship()

    def is_open(self, today: dt.date) -> bool:
        return self.active and self.opens_on <= today <= self.closes_on


class AccessCode(db.Model):
    """A single-use code for small groups. The response never refers to the code it used."""

    __tablename__ = "access_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("survey_link.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the code; the code itself is shown once, when generated.
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    used: Mapped[bool] = mapped_column(Boolean, default=False)


class Response(db.Model):
    """One submitted questionnaire. No time, no address, random id: see the module docstring."""

    __tablename__ = "response"
    __table_args__ = (
        CheckConstraint("channel IN ('web', 'paper', 'import')", name="channel"),
        CheckConstraint("measurement_year BETWEEN 2000 AND 2200", name="year"),
        #: A paper questionnaire's printed form number is stored once per förbund (NULLs repeat).
        UniqueConstraint("forbund_id", "form_number", name="uq_response_form_number"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=random_id)
    #: Idempotency key carried by the form: a repeated POST finds the same response.
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("survey_link.id"), index=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"), index=True)
    insats_id: Mapped[int | None] = mapped_column(ForeignKey("insats.id"), index=True)
    questionnaire: Mapped[str] = mapped_column(String(4))
    #: The instrument version the questionnaire was answered in.
    instrument_version: Mapped[str] = mapped_column(String(32))
    #: 1 November - 31 October, labelled by its end year.
    measurement_year: Mapped[int] = mapped_column(Integer, index=True)
    #: The date only: never a clock time.
    submitted_on: Mapped[dt.date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(8), default="web")
    #: The staff member who typed in a paper questionnaire.
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    #: Visible in results (D2): answers become visible in releases of at least k per leaf cell,
    #: see ``surveys.releases``. False = pending.
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    #: A withdrawn, released response keeps counting until its withdrawal is released too.
    withdrawal_released: Mapped[bool] = mapped_column(Boolean, default=False)
    #: The form number written on a paper questionnaire (see ``surveys.form_numbers``); NULL
    #: for web answers and for paper forms without one.
    form_number: Mapped[str | None] = mapped_column(String(20))
    #: Set (with ``withdrawn``) while a batch import is still writing this response, so nobody
    #: counts a half-written import; cleared when the import's last step makes it visible.
    import_batch: Mapped[str | None] = mapped_column(String(32))

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )
    background: Mapped[list[BackgroundAnswer]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    free_texts: Mapped[list[FreeText]] = relationship(cascade="all, delete-orphan", passive_deletes=True)
    insats: Mapped[Insats | None] = relationship()
    forbund: Mapped[Forbund] = relationship()
    entered_by: Mapped[User | None] = relationship()


def unreleased_rows():
    """SQL condition: not yet released, or withdrawn and that not yet released -- every row a
    release may still change (``surveys.releases``), few beside the whole year's responses."""
    return or_(Response.released.is_(false()),
               and_(Response.withdrawn.is_(true()), Response.withdrawal_released.is_(false())))


#: The pending responses of one leaf cell, read after every submission: only rows a release may
#: still change are indexed, so the read does not grow with the year's released responses. The
#: query repeats the condition word for word (SQLite uses a partial index only then).
Index("ix_response_unreleased", Response.forbund_id, Response.questionnaire, Response.measurement_year,
      Response.insats_id, sqlite_where=unreleased_rows(), postgresql_where=unreleased_rows())
#: The pending rows of imports, read by every import and the worker's housekeeping
#: (``import_writer.discard_stale``): few or none, so the index stays small.
Index("ix_response_import_batch", Response.import_batch, sqlite_where=Response.import_batch.is_not(None),
      postgresql_where=Response.import_batch.is_not(None))


class Answer(db.Model):
    """One closed item of a response: a code 1-6, or NULL for "Vet ej"."""

    __tablename__ = "answer"
    __table_args__ = (CheckConstraint("value IS NULL OR (value BETWEEN 1 AND 6)", name="value"),)

    response_id: Mapped[str] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    item_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int | None] = mapped_column(Integer)

    response: Mapped[Response] = relationship(back_populates="answers")


class BackgroundAnswer(db.Model):
    """One optional background answer (kön, åldersgrupp, ...) as an option code."""

    __tablename__ = "background_answer"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(32))


class FreeText(db.Model):
    """An optional free-text answer, masked for personal data; shown only to the förbund."""

    __tablename__ = "free_text"

    response_id: Mapped[str] = mapped_column(
        ForeignKey("response.id", ondelete="CASCADE"), primary_key=True
    )
    question_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    text: Mapped[str] = mapped_column(Text)


class ReferenceValue(db.Model):
    """An imported national reference ("riket") for one item or indicator, group and year."""

    __tablename__ = "reference_value"
    __table_args__ = (UniqueConstraint("year", "group", "target", "source"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    group: Mapped[str] = mapped_column(String(4))
    #: An item id (DP01) or an indicator id (I01).
    target: Mapped[str] = mapped_column(String(16))
    mean: Mapped[float] = mapped_column(Float)
    sd: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int | None] = mapped_column(Integer)
    share_positive: Mapped[float | None] = mapped_column(Float)
    #: Where the figures come from, e.g. "NNS rapport 2024".
    source: Mapped[str] = mapped_column(String(200))
    #: Generated demo figures are labelled as such and never shown as official.
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)


class SupportCount(db.Model):
    """I15: completing participants by main source of support, at start and at completion."""

    __tablename__ = "support_count"
    __table_args__ = (
        UniqueConstraint("forbund_id", "year", "phase", "category"),
        CheckConstraint("phase IN ('start', 'end')", name="phase"),
        CheckConstraint("count >= 0", name="count"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    phase: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(32))
    count: Mapped[int] = mapped_column(Integer)


class EconomicValue(db.Model):
    """I16: a locally entered socio-economic value with its method and source."""

    __tablename__ = "economic_value"
    __table_args__ = (UniqueConstraint("forbund_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    forbund_id: Mapped[int] = mapped_column(ForeignKey("forbund.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[str] = mapped_column(String(200))
    method: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(Text, default="")


class AuditEvent(db.Model):
    """Who did what to links, users, paper entries, imports, exports and deletions."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    #: The förbund the event concerns; NULL for installation-wide events.
    forbund_id: Mapped[int | None] = mapped_column(ForeignKey("forbund.id"), index=True)
    action: Mapped[str] = mapped_column(String(64))
    #: What was acted on, in words ("länk 12", "insats Steg för steg").
    target: Mapped[str] = mapped_column(String(200), default="")
    #: Counts and parameters only, never answers.
    detail: Mapped[str] = mapped_column(Text, default="")

    user: Mapped[User | None] = relationship()
