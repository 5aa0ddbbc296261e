"""Serialising changes to one förbund's data across requests and app servers."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from .extensions import db
from .models import Forbund


def lock_forbund(forbund_id: int) -> None:
    """Hold the förbund until the transaction ends: a write to its row, which takes PostgreSQL's
    row lock and SQLite's write lock before anything is read. Two requests that check and then
    change (a job limit, a deletion and its count) therefore never both pass the check.

    Call it first in the transaction: on SQLite a transaction that has read before it writes may
    find that another request wrote meanwhile."""
    db.session.execute(update(Forbund).where(Forbund.id == forbund_id).values(id=Forbund.id),
                       execution_options={"synchronize_session": False})


def change_if(obj, unchanged, **values) -> bool:
    """Write ``values`` to ``obj``'s row only if ``unchanged`` (a condition on what this request
    read) still holds: of two requests at once (a double click), exactly one changes the row.
    True when it did (``obj`` then holds the values); False when another request had changed it
    (``obj`` is expired, so it is read afresh)."""
    model = obj.__class__  # (also through a proxy such as current_user)
    done = db.session.execute(update(model).where(model.id == obj.id, unchanged).values(**values),
                              execution_options={"synchronize_session": False})
    if done.rowcount != 1:
        db.session.expire(obj)
        return False
    for name, value in values.items():
        set_committed_value(obj, name, value)
    return True
