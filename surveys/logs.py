"""Logging without the link between an answer and a moment.

A respondent's path ``/s/<token>/...`` next to a time would tie a submission to a moment (and a
link), which the data model is built to avoid; SQL parameters and database error details would
put a submission key or free text in a log. This filter, installed by the app factory on the
app's, Werkzeug's (``flask run``), gunicorn's and SQLAlchemy's loggers, rewrites each record before
any handler formats it: respondent paths become ``/s/…``, and parameter lists and
``Key (...)=(...)`` details are dropped, also from tracebacks. The engine additionally runs with
``hide_parameters=True`` (config), so SQLAlchemy's own error messages never carry them.
"""

from __future__ import annotations

import logging
import re

RESPONDENT_PATH = re.compile(r"/s/[^/\s\"'?#]+")
#: "[parameters: {...}]" from SQLAlchemy, "DETAIL: Key (col)=(value) ..." from PostgreSQL.
PARAMETERS = re.compile(r"\[parameters: .*?\]\n?|\(Background on this error.*?\)", re.S)
KEY_DETAIL = re.compile(r"(DETAIL:\s*)?Key \(.*?\)=\(.*?\)[^\n]*", re.S)
LOGGERS = ("werkzeug", "gunicorn.error", "gunicorn.access", "sqlalchemy", "sqlalchemy.engine",
           "sqlalchemy.engine.Engine", "flask.app")


def redact(text: str) -> str:
    text = RESPONDENT_PATH.sub("/s/…", text)
    text = PARAMETERS.sub("[parametrar dolda]", text)
    return KEY_DETAIL.sub("[värden dolda]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep the raw message, redacted
            message = str(record.msg)
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
