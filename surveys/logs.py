"""Logging without the link between an answer and a moment.

A respondent's path ``/s/<token>/...`` next to a time would tie a submission to a moment (and a
link), which the data model is built to avoid; SQL parameters and database error details would
put a submission key or free text in a log. This filter, installed by the app factory on the
app's, Werkzeug's (``flask run``), gunicorn's and SQLAlchemy's loggers, rewrites each record before
any handler formats it: an access-log line of a respondent's request (with its client address and
time) is dropped, respondent paths elsewhere become ``/s/…`` (percent-encoded and dotted
spellings of the path too), and parameter lists and
``Key (...)=(...)`` details are dropped, also from tracebacks. The engine additionally runs with
``hide_parameters=True`` (config), so SQLAlchemy's own error messages never carry them.
"""

from __future__ import annotations

import logging
import posixpath
import re
from urllib.parse import unquote

RESPONDENT_PATH = re.compile(r"/s/[^/\s\"'?#]+")
#: A run of characters that may be a path or URL (what a request line or referer holds).
PATH_RUN = re.compile(r"[^\s\"'<>]+")
#: Loggers whose records are access-log lines (one per request, with address and time).
ACCESS_LOGGERS = ("werkzeug", "gunicorn.access")
#: "[parameters: {...}]" from SQLAlchemy, "DETAIL: Key (col)=(value) ..." from PostgreSQL.
PARAMETERS = re.compile(r"\[parameters: .*?\]\n?|\(Background on this error.*?\)", re.S)
KEY_DETAIL = re.compile(r"(DETAIL:\s*)?Key \(.*?\)=\(.*?\)[^\n]*", re.S)
LOGGERS = ("werkzeug", "gunicorn.error", "gunicorn.access", "sqlalchemy", "sqlalchemy.engine",
           "sqlalchemy.engine.Engine", "flask.app")


def _normalised(run: str) -> str:
    """A logged path or URL as the server reads it: percent-decoded (also twice-encoded), repeated
    slashes collapsed, ``.`` and ``..`` segments resolved, without the query."""
    decoded = run.split("?", 1)[0]
    for _ in range(3):
        decoded, before = unquote(decoded), decoded
        if decoded == before:
            break
    return posixpath.normpath(re.sub(r"/+", "/", decoded))


def is_respondent_path(run: str) -> bool:
    """Whether ``run`` names a respondent page: ``/s%2F<token>``, ``/%73/<token>`` and
    ``/s/./<token>`` are served as ``/s/<token>``."""
    if "/" not in run and "%" not in run:
        return False
    path = _normalised(run)
    return path == "/s" or "/s/" in path


def _redact_run(run: str) -> str:
    if not is_respondent_path(run):
        return run
    path, sep, query = run.partition("?")
    if _normalised(path) == path:  # spelt plainly: the page name stays, the token goes
        return RESPONDENT_PATH.sub("/s/…", path) + sep + query
    return "/s/…"


def mentions_respondent_path(text: str) -> bool:
    return any(is_respondent_path(run) for run in PATH_RUN.findall(text))


def redact(text: str) -> str:
    text = PATH_RUN.sub(lambda m: _redact_run(m.group()), text)
    text = PARAMETERS.sub("[parametrar dolda]", text)
    return KEY_DETAIL.sub("[värden dolda]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw message, redacted
            message = str(record.msg)
        if record.name in ACCESS_LOGGERS and mentions_respondent_path(message):
            # An access-log line of a respondent's request holds the address and the time next
            # to it: not logged at all (errors are logged by the app, without the path).
            return False
        record.msg, record.args = redact(message), ()
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None  # formatted (redacted) above; the formatter uses exc_text
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FILTER = RedactingFilter()


def install(app_logger: logging.Logger) -> None:
    """Add the filter to the app's logger and to every library logger that can see a request."""
    for logger in (app_logger, *(logging.getLogger(name) for name in LOGGERS)):
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        for handler in logger.handlers:  # records propagated from child loggers pass handlers only
            if _FILTER not in handler.filters:
                handler.addFilter(_FILTER)
