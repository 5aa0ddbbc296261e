"""Paper questionnaires: the printable version, entry by staff, listing and withdrawing entries.

The printable questionnaire is rendered from the instrument itself, so paper and web can never
differ. Entered answers go through :func:`surveys.responses.submit_response` like web answers,
marked ``channel="paper"`` with the user who typed them in. These functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from itertools import groupby

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from indicators.catalogue import Instrument, Item, Questionnaire, measurement_year

from . import audit
from .clock import today
from .errors import ServiceError
from .extensions import db
from .instruments import questionnaires_about
from .locks import change_if
from .models import Insats, Response, SurveyLink, User
from .releases import lock_cell, refresh_for
from .responses import Submission, submit_response


@dataclass(frozen=True)
class ItemBlock:
    """Consecutive items that share one answer scale: printed as one table."""

    scale_id: str
    labels: tuple[str, ...]  #: six step labels, codes 1..6
    missing: str  #: label of "Vet ej"
    items: tuple[tuple[int, Item], ...]  #: (question number, item)


def item_blocks(inst: Instrument, q: Questionnaire, lang: str) -> list[ItemBlock]:
    """Group the questionnaire's items, in order, into runs that share a scale."""
    numbered = list(enumerate(q.items, start=1))
    blocks = []
    for scale_id, run in groupby(numbered, key=lambda pair: pair[1].scale):
        scale = inst.scales[scale_id]
        blocks.append(ItemBlock(scale_id, tuple(scale.labels[lang]), scale.missing[lang], tuple(run)))
    return blocks


# --- entry ------------------------------------------------------------------------------------


def enterable_questionnaires(user: User) -> tuple[str, ...]:
    """Questionnaires a user may type in: staff those about an insats, officers all of them."""
    if user.role == "officer":
        return questionnaires_about("insats") + questionnaires_about("forbund")
    if user.role == "staff":
        return questionnaires_about("insats")
    return ()


def parse_paper_date(value: dt.date | None) -> dt.date:
    """Check the date written on the paper; default today; never in the future."""
    day = value or today()
    if day > today():
        raise ServiceError("submitted_on", _l("Datumet på formuläret kan inte ligga i framtiden."))
    if day.year < 2000:
        raise ServiceError("submitted_on", _l("Datumet på formuläret är för tidigt."))
    return day


def enter_paper_response(
    *,
    user: User,
    inst: Instrument,
    q: Questionnaire,
    submission: Submission,
    submission_key: str,
    submitted_on: dt.date,
    insats: Insats | None = None,
    link: SurveyLink | None = None,
) -> tuple[Response, bool]:
    """Store a typed-in paper questionnaire for ``user``'s förbund and audit it.

    A link that needs single-use codes is still recorded on the response, but no code is
    asked for: the person entering is logged in and the paper form carries no code.
    """
    insats_id = link.insats_id if link is not None else (insats.id if insats else None)
    response, created = submit_response(
        forbund_id=user.forbund_id,
        questionnaire=q,
        instrument_version=link.instrument_version if link is not None else inst.version,
        submission=submission,
        submission_key=submission_key,
        submitted_on=submitted_on,
        max_text=current_app.config["FREE_TEXT_MAX_LENGTH"],
        link=link if link is not None and not link.requires_code else None,
        insats_id=insats_id,
        channel="paper",
        entered_by_id=user.id,
    )
    if created:
        if link is not None and response.link_id is None:
            response.link_id = link.id
        where = f"insats {insats.name}" if insats else (f"länk {link.id}" if link else "förbundet")
        audit.record(
            "paper.enter",
            target=f"pappersenkät {q.code}, {where}",
            detail=f"datum={submitted_on.isoformat()}; mätår={measurement_year(submitted_on)}",
            forbund_id=user.forbund_id,
            user_id=user.id,
        )
        db.session.flush()
    return response, created


def own_paper_entries(user: User, year: int | None = None) -> list[Response]:
    """The user's own paper entries of a measurement year (the current one by default)."""
    year = year or measurement_year(today())
    return list(
        db.session.scalars(
            select(Response)
            .where(
                Response.entered_by_id == user.id,
                Response.forbund_id == user.forbund_id,
                Response.channel == "paper",
                Response.measurement_year == year,
            )
            .order_by(Response.submitted_on.desc(), Response.questionnaire)
        )
    )


def own_entry_or_none(user: User, response_id: str) -> Response | None:
    """Return one of the user's own paper entries of the current year, else None."""
    response = db.session.get(Response, response_id) if response_id and len(response_id) <= 32 else None
    if (
        response is None
        or response.entered_by_id != user.id
        or response.forbund_id != user.forbund_id
        or response.channel != "paper"
        or response.measurement_year != measurement_year(today())
    ):
        return None
    return response


def withdraw_entry(user: User, response: Response) -> bool:
    """Withdraw a paper entry (kept but excluded from every count); False if it already was."""
    if response.withdrawn:
        return False
    lock_cell(response.forbund_id, response.insats_id, response.questionnaire, response.measurement_year)
    # Only if nobody withdrew it meanwhile (a double click): of two requests at once one does it.
    if not change_if(response, Response.withdrawn.is_(False), withdrawn=True):
        return False
    audit.record(
        "paper.withdraw",
        target=f"pappersenkät {response.questionnaire}" + (f", insats {response.insats.name}" if response.insats else ""),
        detail=f"datum={response.submitted_on.isoformat()}; mätår={response.measurement_year}",
        forbund_id=user.forbund_id,
        user_id=user.id,
    )
    db.session.flush()
    refresh_for(response)
    return True
