"""Serialising changes to one förbund's data across requests and app servers."""

from __future__ import annotations

from sqlalchemy import update

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
