"""How many were asked to answer (Scoring rule 7), per respondent group and measurement year.

An officer records it per link (``SurveyLink.asked``); a link with single-use codes and no
recorded number counts the codes issued. A cell's number is known only when every link of the
cell has one; a link counts in the measurement year its opening date falls in.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select

from indicators.catalogue import measurement_year

from .extensions import db
from .models import AccessCode, SurveyLink


def asked_counts(forbund_id: int, insats_id: int | None, years: Iterable[int],
                 groups: Iterable[str]) -> dict[tuple[str, int], int | None]:
    """``{(group, year): asked}`` for the cells with links; None where some link lacks the number."""
    stmt = select(SurveyLink).where(SurveyLink.forbund_id == forbund_id, SurveyLink.questionnaire.in_(list(groups)))
    if insats_id is not None:
        stmt = stmt.where(SurveyLink.insats_id == insats_id)
    links = [link for link in db.session.scalars(stmt) if measurement_year(link.opens_on) in set(years)]
    coded = [link.id for link in links if link.requires_code and link.asked is None]
    issued = dict(db.session.execute(
        select(AccessCode.link_id, func.count()).where(AccessCode.link_id.in_(coded)).group_by(AccessCode.link_id)
    ).all()) if coded else {}
    out: dict[tuple[str, int], int | None] = {}
    for link in links:
        key = (link.questionnaire, measurement_year(link.opens_on))
        n = link.asked if link.asked is not None else issued.get(link.id)
        if key in out and out[key] is None:
            continue
        out[key] = None if n is None else out.get(key, 0) + n
    return out
