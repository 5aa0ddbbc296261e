"""The link as a respondent's page shows it, read from the database at most once a second per process.

Every respondent page looks its link up by token; under a crowd answering at once that lookup
(a transaction, a query, the session's close) was the largest single cost of fetching a
questionnaire. The pages that only *show* something (the intro, the blank questionnaire, the
thank-you page) use a :class:`LinkView` read at most :data:`TTL_SECONDS` ago by this process.
Submitting always reads the link afresh (``load_link``), so a closed link never takes an answer:
at worst a respondent opens a questionnaire up to a second after the link was closed elsewhere
and is told it is closed when sending. Within a process every change to a link, förbund or
insats made through SQLAlchemy (ORM flushes and bulk UPDATE/DELETE statements) empties the
cache at once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.orm import Session

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

    @classmethod
    def of(cls, link: SurveyLink) -> LinkView:
        insats = InsatsView(link.insats.id, link.insats.name) if link.insats is not None else None
        return cls(link.id, link.token, link.forbund_id, link.insats_id, link.questionnaire,
                   link.instrument_version, bool(link.requires_code), bool(link.active), link.opens_on,
                   link.closes_on, ForbundView(link.forbund.id, link.forbund.name, bool(link.forbund.is_demo)),
                   insats)


_lock = threading.Lock()
_cache: dict[str, tuple[float, LinkView]] = {}


def shown_link(token: str, load) -> LinkView:
    """The link for ``token`` as read at most TTL_SECONDS ago; ``load(token)`` reads it (or aborts)."""
    now = time.monotonic()
    found = _cache.get(token)
    if found is not None and found[0] > now:
        return found[1]
    view = LinkView.of(load(token))
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
