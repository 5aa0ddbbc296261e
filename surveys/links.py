"""Survey links, single-use codes and response counts.

Participant and staff questionnaires (about an insats) get one link per insats; the managers'
and board questionnaires (about the förbund) get links without an insats. Only the latter can
require single-use codes: they are for small groups, one code per person, and a used code is
never tied to the answer it unlocked (see ``responses._use_access_code``).

Functions flush and record an audit event; the request commits.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from . import audit
from .errors import ServiceError
from .extensions import db
from .instruments import instrument, versions
from .models import AccessCode, Forbund, Insats, Response, SurveyLink, User
from .responses import hash_code

#: Letters and digits that cannot be mistaken for each other on paper (no 0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 31**10, about 49 bits; codes are also rate-limited and single-use
MAX_CODES_PER_BATCH = 500
#: The dates a link may open and close on: a typing slip such as 0001-01-01 or 9999-12-31 is refused.
EARLIEST_LINK_DATE = dt.date(2000, 1, 1)
LATEST_LINK_DATE = dt.date(2199, 12, 31)


def respondent_url(link: SurveyLink) -> str:
    """The public address of a link: what its QR code, sheet and paper questionnaire show."""
    return url_for("respond.intro", token=link.token, _external=True)


def questionnaire_scope(code: str, version: str | None = None) -> str:
    """Return "insats" or "forbund": what a questionnaire is answered about."""
    inst = instrument(version)
    if code not in inst.questionnaires:
        raise ServiceError("questionnaire", _l("%(code)s finns inte i instrumentet.", code=repr(code)))
    return inst.questionnaires[code].about


class LinkAlreadyCreated(Exception):
    """The link form was sent again after it had made ``link``."""

    def __init__(self, link: SurveyLink):
        super().__init__(f"link {link.id} already made from this form")
        self.link = link


def create_link(
    forbund: Forbund,
    questionnaire: str,
    opens_on: dt.date,
    closes_on: dt.date,
    *,
    insats: Insats | None = None,
    label: str = "",
    requires_code: bool = False,
    created_by: User | None = None,
    instrument_version: str | None = None,
    asked: int | None = None,
    form_key: str | None = None,
) -> SurveyLink:
    """Create a link with an unguessable token (256 bits from ``secrets``).

    `asked` is how many people are asked to answer through it (for the response rate), or None.
    `form_key`: the key of the form sent (a hidden field); when a link was made from the same form
    already (a double click, a resend), LinkAlreadyCreated is raised with that link. The key is
    unique in the database, so of two requests at once one stores and the other, handled again
    (``views.conflicts``), finds it.
    """
    if form_key:
        earlier = db.session.scalar(select(SurveyLink).where(SurveyLink.form_key == form_key))
        if earlier is not None and earlier.forbund_id == forbund.id:
            raise LinkAlreadyCreated(earlier)
        if earlier is not None:
            form_key = None  # another förbund's key (never by chance): no repeat check for this one
    if instrument_version and instrument_version not in versions():
        raise ServiceError("instrument_version", _l("Versionen %(version)s finns inte eller kunde inte läsas.",
                                                    version=instrument_version))
    version = instrument(instrument_version).version
    scope = questionnaire_scope(questionnaire, version)
    if scope == "insats":
        if insats is None:
            raise ServiceError("insats", _l("Välj vilken insats enkäten gäller."))
        if insats.forbund_id != forbund.id:
            raise ServiceError("insats", _l("Insatsen hör inte till förbundet."))
        if insats.closed:
            raise ServiceError("insats", _l("%(name)s är avslutad och kan inte få nya länkar.", name=insats.name))
        if requires_code:
            raise ServiceError("requires_code", _l("Engångskoder används bara för chefsgruppens och styrelsens enkäter."))
    elif insats is not None:
        raise ServiceError("insats", _l("Den här enkäten gäller hela förbundet och ska inte kopplas till en insats."))
    if opens_on is None:
        raise ServiceError("opens_on", _l("Fyll i ett datum."))
    if closes_on is None:
        raise ServiceError("closes_on", _l("Fyll i ett datum."))
    for field, day in (("opens_on", opens_on), ("closes_on", closes_on)):
        if not EARLIEST_LINK_DATE <= day <= LATEST_LINK_DATE:
            raise ServiceError(field, _l("Ange ett datum från %(first)s till %(last)s.",
                                         first=EARLIEST_LINK_DATE.isoformat(), last=LATEST_LINK_DATE.isoformat()))
    if closes_on < opens_on:
        raise ServiceError("closes_on", _l("Stängningsdatumet kan inte vara före öppningsdatumet."))
    label = " ".join((label or "").split())
    if len(label) > 200:
        raise ServiceError("label", _l("Högst %(n)d tecken.", n=200))
    asked = check_asked(asked)
    link = SurveyLink(
        forbund_id=forbund.id,
        insats_id=insats.id if insats else None,
        questionnaire=questionnaire,
        instrument_version=version,
        opens_on=opens_on,
        closes_on=closes_on,
        label=label,
        requires_code=bool(requires_code),
        created_by_id=created_by.id if created_by else None,
        asked=asked,
        form_key=form_key or None,
    )
    db.session.add(link)
    db.session.flush()
    where = f"insats {insats.name}" if insats else "hela förbundet"
    audit.record("link.create", f"länk {link.id}",
                 f"enkät {questionnaire}, {where}, {opens_on.isoformat()}–{closes_on.isoformat()}"
                 + (", engångskoder" if requires_code else ""),
                 forbund_id=forbund.id)
    return link


#: Upper bound for "antal tillfrågade" (a typo guard, far above any förbund's participants).
MAX_ASKED = 100_000


def check_asked(asked) -> int | None:
    """Validate how many were asked: None (unknown) or an integer 1..MAX_ASKED."""
    if asked is None:
        return None
    if isinstance(asked, bool) or not isinstance(asked, int) or not 1 <= asked <= MAX_ASKED:
        raise ServiceError("asked", _l("Ange ett heltal från 1 till %(n)d, eller lämna tomt.", n=MAX_ASKED))
    return asked


def set_asked(link: SurveyLink, asked: int | None) -> SurveyLink:
    """Record (or clear) how many were asked to answer through the link."""
    link.asked = check_asked(asked)
    db.session.flush()
    audit.record("link.asked", f"länk {link.id}", f"tillfrågade {link.asked if link.asked else 'okänt'}",
                 forbund_id=link.forbund_id)
    return link


def deactivate_link(link: SurveyLink) -> SurveyLink:
    if link.active:
        link.active = False
        db.session.flush()
        audit.record("link.deactivate", f"länk {link.id}", f"enkät {link.questionnaire}", forbund_id=link.forbund_id)
    return link


# --- single-use codes ------------------------------------------------------------------------


def format_code(raw: str) -> str:
    """Split a code in two halves for reading aloud and typing: ABCDE-FGHJK."""
    half = len(raw) // 2
    return f"{raw[:half]}-{raw[half:]}"


def create_access_codes(link: SurveyLink, count: int) -> list[str]:
    """Create ``count`` single-use codes and return them in plain text, the only time they exist.

    Only their SHA-256 hashes are stored.
    """
    if not link.requires_code:
        raise ServiceError("form", _l("Länken kräver inga engångskoder."))
    if not link.active:
        raise ServiceError("form", _l("Länken är inaktiverad."))
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_CODES_PER_BATCH:
        raise ServiceError("count", _l("Ett heltal från 1 till %(n)d.", n=MAX_CODES_PER_BATCH))
    new: dict[str, str] = {}  # hash -> code shown once
    while len(new) < count:
        while len(new) < count:
            raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            new[hash_code(raw)] = format_code(raw)
        # One query for the whole batch; a clash with an existing code is astronomically unlikely
        # (the hash column is unique), and such a code is simply drawn again.
        taken = set(db.session.scalars(select(AccessCode.code_hash).where(AccessCode.code_hash.in_(list(new)))))
        for digest in taken:
            del new[digest]
    db.session.add_all(AccessCode(link_id=link.id, code_hash=digest) for digest in new)
    db.session.flush()
    audit.record("codes.create", f"länk {link.id}", f"{count} engångskoder", forbund_id=link.forbund_id)
    return list(new.values())


def codes_of_link(link: SurveyLink, codes: list[str]) -> list[str]:
    """Return those of ``codes`` that are codes of ``link`` (for re-downloading a batch).

    Used or not makes no difference (spec D5: no view tells which codes are used).
    """
    wanted = {hash_code(code): code for code in codes if code.strip()}
    if not wanted:
        return []
    found = set(db.session.scalars(select(AccessCode.code_hash).where(
        AccessCode.link_id == link.id, AccessCode.code_hash.in_(list(wanted)))))
    return [code for digest, code in wanted.items() if digest in found]


@dataclass(frozen=True)
class CodeCounts:
    used: int
    unused: int

    @property
    def total(self) -> int:
        return self.used + self.unused


def code_counts(link: SurveyLink) -> CodeCounts:
    rows = dict(db.session.execute(
        select(AccessCode.used, func.count()).where(AccessCode.link_id == link.id).group_by(AccessCode.used)).all())
    return CodeCounts(used=rows.get(True, 0), unused=rows.get(False, 0))


# --- counts ----------------------------------------------------------------------------------


def links_of_forbund(forbund: Forbund) -> list[SurveyLink]:
    return list(db.session.scalars(
        select(SurveyLink).where(SurveyLink.forbund_id == forbund.id).order_by(SurveyLink.questionnaire, SurveyLink.id)))


def links_of_insatser(insatser: list[Insats]) -> list[SurveyLink]:
    ids = [i.id for i in insatser]
    if not ids:
        return []
    return list(db.session.scalars(
        select(SurveyLink).where(SurveyLink.insats_id.in_(ids)).order_by(SurveyLink.questionnaire, SurveyLink.id)))


def link_counts(links: list[SurveyLink], year: int) -> dict[int, int]:
    """Responses (not withdrawn) per link in one measurement year; links without any get 0."""
    counts = dict.fromkeys((link.id for link in links), 0)
    if counts:
        counts.update(db.session.execute(
            select(Response.link_id, func.count())
            .where(Response.link_id.in_(list(counts)), Response.measurement_year == year, Response.withdrawn.is_(False))
            .group_by(Response.link_id)).all())
    return counts


def questionnaire_counts(forbund: Forbund, insatser: list[Insats] | None = None) -> dict[int, dict[str, int]]:
    """Responses (not withdrawn) per measurement year and questionnaire, every channel.

    ``insatser`` limits the counts to those insatser (for staff); None counts the whole förbund.
    """
    query = (select(Response.measurement_year, Response.questionnaire, func.count())
             .where(Response.forbund_id == forbund.id, Response.withdrawn.is_(False))
             .group_by(Response.measurement_year, Response.questionnaire))
    if insatser is not None:
        query = query.where(Response.insats_id.in_([i.id for i in insatser] or [-1]))
    out: dict[int, dict[str, int]] = defaultdict(dict)
    for year, code, n in db.session.execute(query):
        out[year][code] = n
    return dict(out)
