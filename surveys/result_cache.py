"""A small in-process cache of scored result sets, so one page view costs one scoring.

The chart page and every chart image or download it links to ask for the same selection; the
first request scores it and the others reuse the result set. The key holds the selection, the
language and a marker of the data's state (counts, lowest/highest ids and sums over responses,
withdrawn responses, answers and reference values), so any new, withdrawn or deleted answer or a new
reference import gives a new key: the cache never outlives a data change. I15/I16 (editable in
place) are loaded fresh on every hit. Per process; entries are evicted least recently used.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from sqlalchemy import func, select

from indicators.catalogue import measurement_year
from indicators.results import ResultSet

from .clock import today
from .extensions import db
from .local_indicators import load_local
from .models import Answer, ReferenceValue, Response

MAX_ENTRIES = 16
_lock = threading.Lock()
_entries: OrderedDict[Hashable, ResultSet] = OrderedDict()


def data_marker() -> tuple:
    """What changes whenever answers or reference values change."""
    responses = db.session.execute(select(
        func.count(Response.id), func.max(Response.id), func.min(Response.id),
        func.count(Response.id).filter(Response.withdrawn.is_(True)), func.sum(Response.measurement_year),
    )).one()
    answers = db.session.execute(select(func.count(Answer.item_id), func.sum(Answer.value))).one()
    references = db.session.execute(select(func.count(ReferenceValue.id), func.max(ReferenceValue.id))).one()
    return tuple(responses) + tuple(answers) + tuple(references)


def cached(selection: Hashable, forbund_id: int, insats: bool, build: Callable[[], ResultSet]) -> ResultSet:
    """The result set of ``selection`` (a hashable description of the request), built at most once
    per data state and measurement year of today (a year that ends shows its breakdowns)."""
    key = (selection, data_marker(), measurement_year(today()))
    with _lock:
        rs = _entries.get(key)
        if rs is not None:
            _entries.move_to_end(key)
    if rs is None:
        rs = build()
        with _lock:
            _entries[key] = rs
            while len(_entries) > MAX_ENTRIES:
                _entries.popitem(last=False)
    elif not insats:
        rs = dataclasses.replace(rs, local=load_local(forbund_id, rs.years))
    return rs


def clear() -> None:
    with _lock:
        _entries.clear()
