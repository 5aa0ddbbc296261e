"""A test client whose every request starts with an empty ``flask.g``.

The ``app`` fixture keeps one application context pushed for the whole test, and a request
reuses a pushed context, so ``g`` would otherwise carry values from one request to the next:
Flask-Login's cached user (a deactivated user would stay logged in) and Flask-WTF's CSRF
token (a token generated before login would not be in the new session). Real requests never
share ``g``; this client makes the tests behave the same way. ``conftest.make_app`` makes it
every test app's client.
"""

from __future__ import annotations

from flask import g, has_app_context
from flask.testing import FlaskClient


class FreshGClient(FlaskClient):
    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name, None)
        return super().open(*args, **kwargs)
