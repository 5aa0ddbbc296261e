"""Two requests that create the same thing at the same moment (a double click on "Skapa").

A service checks that a name is free and then inserts; two requests can both pass the check, and
the database's unique constraint then refuses the one that commits second. That is not an error
page: :func:`once_more_on_conflict` rolls the loser back and handles the request again, and now the
service's own check finds what the other request stored and says so at its field ("finns redan"),
or, where sending the same thing again is harmless (a reference file replaces its rows), does it.
"""

from __future__ import annotations

import functools

from flask import current_app, request
from sqlalchemy.exc import IntegrityError

from ..extensions import db

#: Attempts in all; a third request racing the same name is refused by the second attempt's check.
ATTEMPTS = 3


def once_more_on_conflict(view):
    """Decorate a view whose service raises IntegrityError when a parallel request won the race."""

    @functools.wraps(view)
    def handle(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return view(*args, **kwargs)
            except IntegrityError:
                db.session.rollback()
                if attempt == ATTEMPTS:
                    raise
                current_app.logger.info("%s: a parallel request stored the same thing; handled again", request.endpoint)
                for upload in request.files.values():
                    upload.stream.seek(0)  # the file is read again from its start
        raise AssertionError("unreachable")  # pragma: no cover

    return handle
