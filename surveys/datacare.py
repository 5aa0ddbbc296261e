"""Care of data: reading the audit log, and gallring (deleting whole measurement years).

Gallring deletes responses with their answers, background answers and free text in one
transaction; it logs the years and the counts, never the data. Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select

from . import audit, jobs
from .extensions import db
from .locks import lock_forbund
from .models import Answer, AuditEvent, Response

AUDIT_PAGE_SIZE = 50


@dataclass(frozen=True)
class YearCount:
    year: int
    responses: int
    answers: int


def audit_events_query(forbund_id: int | None, action: str | None = None):
    """Events of one förbund, or installation-wide events (``forbund_id=None``), newest first."""
    query = select(AuditEvent)
    if forbund_id is None:
        query = query.where(AuditEvent.forbund_id.is_(None))
    else:
        query = query.where(AuditEvent.forbund_id == forbund_id)
    if action:
        query = query.where(AuditEvent.action == action)
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def audit_page(forbund_id: int | None, action: str | None, page: int):
    """One page of the audit log (a Flask-SQLAlchemy Pagination)."""
    return db.paginate(audit_events_query(forbund_id, action), page=page, per_page=AUDIT_PAGE_SIZE,
                       max_per_page=AUDIT_PAGE_SIZE, error_out=False)


def audit_actions(forbund_id: int | None) -> list[str]:
    """The distinct actions in a förbund's (or the installation's) log, for the filter."""
    column = AuditEvent.forbund_id
    scope = column.is_(None) if forbund_id is None else column == forbund_id
    return list(db.session.scalars(select(AuditEvent.action).where(scope).distinct().order_by(AuditEvent.action)))


def response_years(forbund_id: int) -> list[int]:
    """Measurement years that have responses (withdrawn ones included: gallring removes them too)."""
    return list(
        db.session.scalars(
            select(Response.measurement_year)
            .where(Response.forbund_id == forbund_id)
            .distinct()
            .order_by(Response.measurement_year)
        )
    )


def count_years(forbund_id: int, years: list[int]) -> list[YearCount]:
    """How many responses and closed-item answers each chosen year has in the förbund."""
    if not years:
        return []
    responses = dict(
        db.session.execute(
            select(Response.measurement_year, func.count(Response.id))
            .where(Response.forbund_id == forbund_id, Response.measurement_year.in_(years))
            .group_by(Response.measurement_year)
        ).all()
    )
    answers = dict(
        db.session.execute(
            select(Response.measurement_year, func.count())
            .select_from(Answer)
            .join(Response, Answer.response_id == Response.id)
            .where(Response.forbund_id == forbund_id, Response.measurement_year.in_(years))
            .group_by(Response.measurement_year)
        ).all()
    )
    return [YearCount(year, responses.get(year, 0), answers.get(year, 0)) for year in sorted(set(years))]


def delete_years(forbund_id: int, years: list[int]) -> list[YearCount]:
    """Delete every response of the chosen years in one förbund, with everything that hangs on it.

    Counts are taken inside the same transaction, just before deleting, so the log states what
    was actually deleted. Answers, background answers and free text go with their response through
    the schema's ON DELETE CASCADE (SQLite enforces foreign keys too: see setup.py).
    """
    lock_forbund(forbund_id)  # a second request at once (a double click) then counts nothing left
    counts = count_years(forbund_id, years)
    if not any(c.responses for c in counts):
        return counts
    # Report files (and other jobs' files) may show these years' answers and free text: they go too.
    removed_jobs = jobs.delete_forbund_jobs(forbund_id)
    db.session.execute(
        delete(Response).where(Response.forbund_id == forbund_id, Response.measurement_year.in_(years)),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()
    detail = "; ".join(f"{c.year}: {c.responses} svar, {c.answers} frågesvar" for c in counts)
    if removed_jobs:
        detail += f"; {removed_jobs} rapportjobb med filer"
    audit.record(
        "responses.delete_years",
        target="mätår " + ", ".join(str(c.year) for c in counts),
        detail=detail,
        forbund_id=forbund_id,
    )
    return counts
