"""The link as a respondent's page shows it, read from the database at most once a second per process.

Every respondent page looks its link up by token; under a crowd answering at once that lookup
(a transaction, a query, the session's close) was the largest single cost of fetching a
questionnaire. Every respondent page uses a :class:`LinkView` read at most :data:`TTL_SECONDS`
ago by this process. Submitting uses it too, but the response's INSERT checks the link's row
again in the same statement (open today, and still with the förbund, insats, questionnaire,
version and code setting that were read); if the link was closed or changed meanwhile nothing is
stored and the answer is handled again with the link read afresh (``read_link``), so a closed
link never takes an answer: at worst a respondent opens a questionnaire up to a second after the
link was closed elsewhere and is told it is closed when sending. Within a process every change
to a link, förbund or insats made through SQLAlchemy (ORM flushes and bulk UPDATE/DELETE
statements) empties the cache at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from . import precompiled
from .extensions import db
from .models import Forbund, Insats, SurveyLink

TTL_SECONDS = 1.0
#: More tokens than this in the cache and it starts over (tokens are looked up by anyone).
MAX_ENTRIES = 2000


@dataclass(frozen=True)
class ForbundView:
    id: int
    name: str
    is_demo: bool


@dataclass(frozen=True)
class InsatsView:
    id: int
    name: str


@dataclass(frozen=True)
class LinkView:
    """The fields of a link (and its förbund and insats) that respondent pages use."""

    id: int
    token: str
    forbund_id: int
    insats_id: int | None
    questionnaire: str
    instrument_version: str
    requires_code: bool
    active: bool
    opens_on: dt.date
    closes_on: dt.date
    forbund: ForbundView
    insats: InsatsView | None

    def is_open(self, today: dt.date) -> bool:
        return self.active and self.opens_on <= today <= self.closes_on


#: One Core select for a link with its förbund and insats, compiled once and read as plain rows
#: (``surveys.precompiled``): a fraction of the cost of loading the ORM objects.
_link, _forbund, _insats = SurveyLink.__table__.c, Forbund.__table__.c, Insats.__table__.c
_BY_TOKEN = (
    select(_link.id, _link.token, _link.forbund_id, _link.insats_id, _link.questionnaire, _link.instrument_version,
           _link.requires_code, _link.active, _link.opens_on, _link.closes_on, _forbund.name, _forbund.is_demo,
           _insats.name)
    .select_from(SurveyLink.__table__.join(Forbund.__table__, _forbund.id == _link.forbund_id)
                 .outerjoin(Insats.__table__, _insats.id == _link.insats_id))
    .where(_link.token == bindparam("token"))
)


def read_link(token: str) -> LinkView | None:
    """The link for ``token`` as it is in the database now, or None."""
    row = precompiled.execute(db.session.connection(), "link-by-token", lambda _dialect: _BY_TOKEN,
                              {"token": token}).first()
    if row is None:
        return None
    (id_, token, forbund_id, insats_id, questionnaire, version, requires_code, active, opens_on, closes_on,
     forbund_name, is_demo, insats_name) = row
    insats = InsatsView(insats_id, insats_name) if insats_id is not None else None
    return LinkView(id_, token, forbund_id, insats_id, questionnaire, version, bool(requires_code), bool(active),
                    precompiled.as_date(opens_on), precompiled.as_date(closes_on),
                    ForbundView(forbund_id, forbund_name, bool(is_demo)), insats)


_lock = threading.Lock()
_cache: dict[str, tuple[float, LinkView]] = {}


def shown_link(token: str, load) -> LinkView:
    """The link for ``token`` as read at most TTL_SECONDS ago; ``load(token)`` reads it (or aborts)."""
    now = time.monotonic()
    found = _cache.get(token)
    if found is not None and found[0] > now:
        return found[1]
    view = load(token)
    with _lock:
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[token] = (now + TTL_SECONDS, view)
    return view


def clear() -> None:
    with _lock:
        _cache.clear()


_WATCHED = (SurveyLink, Forbund, Insats)


@event.listens_for(Session, "after_flush")
def _after_flush(session, _context) -> None:
    if any(isinstance(obj, _WATCHED) for obj in (*session.dirty, *session.deleted)):
        clear()


@event.listens_for(Session, "do_orm_execute")
def _bulk_change(state) -> None:
    if (state.is_update or state.is_delete) and state.bind_mapper is not None \
            and state.bind_mapper.class_ in _WATCHED:
        clear()
