"""SQLite under several gunicorn workers: one writer at a time, and as little as possible of
each write done while the others wait.

SQLite lets one connection write at a time, and under a crowd of respondents that single lock is
what limits the submissions, not the processor: measured under load, a submission held it for
about 1.3 ms, half of it in the fsync of its commit, and the other workers slept meanwhile.

Two things here shorten the queue:

- **The fsync after the lock.** Connections of the app's engine are :class:`DurableConnection`
  and run with ``synchronous = NORMAL``: in WAL mode a commit then appends its pages to the
  write-ahead log and releases the lock without waiting for the disk, and
  :meth:`DurableConnection.commit` fsyncs the log itself before it returns. A commit that has
  returned is on disk, exactly as with ``synchronous = FULL`` (the acknowledged answer survives
  a power cut); only the wait for the disk happens after the next writer has taken over. The
  log is synced as a whole, so a later commit's fsync also covers every earlier one, and SQLite
  itself syncs the log before each checkpoint and the database after it.
- **A queue in the kernel.** A connection that finds SQLite's lock taken sleeps and retries
  (``busy_timeout``) in steps that grow from 1 ms to 100 ms, although the holder needs it for well
  under a millisecond. A respondent's submission therefore first takes an exclusive ``flock`` on
  a file beside the database (:func:`queue_for_writer`), and waits there instead: the kernel wakes
  the next one as soon as the lock is given up, when the transaction ends (commit, rollback or
  close of the connection, or the death of the process).

The queue only orders submissions among themselves; SQLite's own lock still guards the data
(imports and staff changes do not queue and wait for the lock as before). A connection that is
already in a transaction never queues, so nobody waits for the queue while holding SQLite's lock.
Other databases are left alone.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3

from sqlalchemy.orm import Session


class DurableConnection(sqlite3.Connection):
    """A sqlite3 connection whose commits are on disk when :meth:`commit` returns, synced after
    SQLite's write lock is released (see the module). Made by the app's engine for SQLite
    (``connect_args={"factory": DurableConnection}``); :func:`configure` sets it up on connect."""

    #: The write-ahead log to sync after each commit (None: nothing to sync, e.g. ``:memory:``).
    log_path: str | None = None
    #: (device, inode) of the log last synced: a new log file's directory entry is synced once.
    _log_id: tuple[int, int] | None = None
    #: The file descriptor holding the writers' queue, while this connection holds it.
    _queue_fd: int | None = None
    #: False while an import writes its pending steps (rows nobody sees until the import's last,
    #: synced commit: ``surveys.import_writer``).
    sync_commits: bool = True

    def commit(self) -> None:
        wrote = self.in_transaction
        try:
            super().commit()
        finally:
            self.leave_queue()
        if wrote and self.sync_commits:
            self.sync_log()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_queue()

    def sync_log(self) -> None:
        """fsync the write-ahead log (and, the first time this log file is seen, its directory)."""
        if not self.log_path:
            return
        try:
            fd = os.open(self.log_path, os.O_RDONLY)
        except FileNotFoundError:
            return  # checkpointed and removed: SQLite synced the database file itself
        try:
            os.fsync(fd)
            stat = os.fstat(fd)
        finally:
            os.close(fd)
        if self._log_id != (stat.st_dev, stat.st_ino):
            directory = os.open(os.path.dirname(self.log_path) or ".", os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
            self._log_id = (stat.st_dev, stat.st_ino)

    def enter_queue(self, database: str) -> None:
        """Wait for the writers' queue of ``database`` unless this connection holds it already or
        is in a transaction (then it may hold SQLite's lock: never wait for the queue with it)."""
        if self._queue_fd is not None or self.in_transaction:
            return
        fd = os.open(database + "-writers.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except BaseException:
            os.close(fd)
            raise
        self._queue_fd = fd

    def leave_queue(self) -> None:
        fd, self._queue_fd = self._queue_fd, None
        if fd is not None:
            os.close(fd)  # closing the file gives up the lock


def configure(connection: sqlite3.Connection, journal_mode: str, main_file: str) -> None:
    """Synchronous setting of a new connection to ``main_file`` (empty: in memory): NORMAL where
    :class:`DurableConnection` syncs the write-ahead log after each commit itself, FULL (SQLite
    syncs inside the commit) for any other connection or journal mode."""
    if isinstance(connection, DurableConnection) and journal_mode.lower() == "wal" and main_file:
        connection.log_path = main_file + "-wal"
    sync_each_commit(connection, True)


def sync_each_commit(connection: sqlite3.Connection, enabled: bool) -> None:
    """True: the app's setting (see :func:`configure`). False, for the steps of an import that
    nobody sees until its last, synced commit: ``synchronous = NORMAL`` and no sync of the log
    after the commit either. Call outside a transaction."""
    durable = getattr(connection, "log_path", None) is not None
    connection.execute(f"PRAGMA synchronous = {'NORMAL' if durable or not enabled else 'FULL'}")
    if isinstance(connection, DurableConnection):
        connection.sync_commits = enabled


def engine_options(database_uri: str, options: dict) -> dict:
    """The engine options for ``database_uri``: SQLite connections are :class:`DurableConnection`,
    and are not pinged before each use (a file beside the app does not go away like a server's
    connection: the ping was one more statement in every request)."""
    if not database_uri.startswith("sqlite"):
        return options
    connect_args = {**options.get("connect_args", {}), "factory": DurableConnection}
    return {**options, "connect_args": connect_args, "pool_pre_ping": False}


def queue_for_writer(session: Session) -> None:
    """Queue for SQLite's writer before the first write of ``session``'s transaction (a
    respondent's submission); held until the transaction ends. Other databases: nothing."""
    connection = session.connection()
    raw = connection.connection.dbapi_connection
    database = connection.engine.url.database
    if isinstance(raw, DurableConnection) and database and database != ":memory:":
        raw.enter_queue(database)
