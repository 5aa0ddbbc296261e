"""PostgreSQL: a pooled connection is checked for life without a round trip to the server.

SQLAlchemy's ``pool_pre_ping`` sends an empty statement on every checkout, i.e. once per request:
on the submission's path one round trip of seven, and with the database on another host one more
network round trip for every page. A connection that the server has ended (a restart, a
``pg_terminate_backend``, an idle timeout, a crash of its backend) is seen without one: the server
sends its "terminating connection" notice and closes the socket, so the idle connection's socket
becomes readable. At checkout (:func:`check_on_checkout`) a connection whose socket has anything
to read, that the driver knows to be closed or broken, or that is not idle, is discarded and the
pool opens a fresh one.

What this cannot see -- a server that vanished without closing the connection (a host powered
off, a network cut) -- the first statement finds out: the request fails as "database unavailable"
(503, a submission is tried once more on a fresh connection, ``surveys.views.respond._store``)
and the pool discards its connections, as it does for any disconnect.
"""

from __future__ import annotations

import select

from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import Pool


def engine_options(database_uri: str, options: dict) -> dict:
    """The engine options for ``database_uri``: PostgreSQL checks connections at checkout itself
    (:func:`check_on_checkout`), so the pre-ping's round trip is dropped."""
    if database_uri.startswith("postgresql"):
        return {**options, "pool_pre_ping": False}
    return options


def is_alive(dbapi_connection) -> bool:
    """Whether an idle psycopg connection may be used: not closed or broken, idle (no
    transaction left open), and nothing waiting on its socket (an idle connection receives
    nothing unless the server is ending it). Never blocks."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return False
    from psycopg.pq import TransactionStatus

    if dbapi_connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    poller = select.poll()
    poller.register(dbapi_connection.fileno(), select.POLLIN | select.POLLPRI)
    return not poller.poll(0)  # readable (a notice, end of file) or an error or hang-up: not alive


@event.listens_for(Pool, "checkout")
def check_on_checkout(dbapi_connection, connection_record, connection_proxy) -> None:
    """Discard a dead psycopg connection at checkout; the pool then opens a fresh one. Other
    drivers (SQLite) are left alone."""
    if _is_psycopg(dbapi_connection) and not is_alive(dbapi_connection):
        raise DisconnectionError("the PostgreSQL server has closed this connection")


def _is_psycopg(dbapi_connection) -> bool:
    module = type(dbapi_connection).__module__
    return module == "psycopg" or module.startswith("psycopg.")
