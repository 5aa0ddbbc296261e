"""Known-device cookies: a browser where a user has logged in before is not locked out.

After a successful login the browser gets a signed cookie naming the user. While a user name is
locked after too many failed logins (by anyone, from anywhere), a login from a browser carrying
that user's cookie is still allowed to try, so locking an officer out takes their own browser.
The signature (the app's secret key) makes the cookie unforgeable; it carries no secret itself
and only ever lifts the user-name lock (the per-address limit and the password still apply).
"""

from __future__ import annotations

from flask import current_app, request
from flask.wrappers import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from .models import User

COOKIE = "known_device"
MAX_AGE_DAYS = 90


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="known-device")


def remember(response: Response, user: User) -> None:
    """Mark this browser as one where ``user`` logged in (keeps up to five users per browser)."""
    names = [n for n in known_usernames() if n != user.username][:4]
    response.set_cookie(
        COOKIE,
        _serializer().dumps([user.username, *names]),
        max_age=MAX_AGE_DAYS * 24 * 3600,
        httponly=True,
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        samesite="Lax",
        path="/login",
    )


def known_usernames() -> list[str]:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return []
    try:
        names = _serializer().loads(raw, max_age=MAX_AGE_DAYS * 24 * 3600)
    except BadSignature:
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def is_known(username: str) -> bool:
    return bool(username) and username in known_usernames()
