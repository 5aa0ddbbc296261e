"""On SQLite, respondents' submissions queue for the database's single writer in the kernel.

SQLite lets one connection write at a time. A connection that finds the write lock taken sleeps
and retries (``busy_timeout``), in steps that grow to 25-100 ms, although a submission holds the
lock for about a millisecond: under a crowd the workers slept while the processor stood idle.
Before its first write a submission therefore takes an exclusive ``flock`` on a file beside the
database, and gives it up when its transaction ends. Waiting submissions sleep in the kernel and
the next one wakes as soon as the lock is free.

The lock only orders submissions among themselves; SQLite's own lock still guards the data
(imports and staff changes do not queue here and are waited for as before). A connection that
already has a transaction open never queues, so nobody waits for this lock while holding
SQLite's. The kernel drops the lock of a process that dies. Other databases are left alone.
"""

from __future__ import annotations

import fcntl
import os

from sqlalchemy import event
from sqlalchemy.orm import Session

_HELD = "write_queue_fd"


def enter(session: Session) -> None:
    """Queue for the writer before the first write of ``session``'s transaction (SQLite only)."""
    if _HELD in session.info:
        return
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    database = connection.engine.url.database
    raw = connection.connection.dbapi_connection
    if not database or database == ":memory:" or getattr(raw, "in_transaction", True):
        return
    fd = os.open(database + "-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
    except BaseException:
        os.close(fd)
        raise
    session.info[_HELD] = fd


@event.listens_for(Session, "after_transaction_end")
def _leave(session: Session, transaction) -> None:
    if transaction.parent is None:
        fd = session.info.pop(_HELD, None)
        if fd is not None:
            os.close(fd)  # closing the file releases the lock
