"""Förbund, insatser and user accounts: creating and changing them, with an audit event each.

These functions validate (``ValueError`` with a Swedish message naming the field), flush and
record; the request or CLI command commits once.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select, update

from . import audit
from .errors import ServiceError
from .extensions import db
from .locks import change_if, lock_forbund
from .models import ROLES, Forbund, Insats, User, utcnow
from .passwords import MIN_PASSWORD_LENGTH, check_strength, hash_password, verify

SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,119}$")
__all__ = ["MIN_PASSWORD_LENGTH"]


def _clean_name(name: str | None, field: str = "name", max_length: int = 200) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise ServiceError(field, _l("Fyll i ett namn."))
    if len(name) > max_length:
        raise ServiceError(field, _l("Högst %(n)d tecken.", n=max_length))
    return name


# --- förbund ---------------------------------------------------------------------------------


def forbund_by_slug(slug: str) -> Forbund:
    forbund = db.session.scalar(select(Forbund).where(Forbund.slug == (slug or "").strip().lower()))
    if forbund is None:
        raise ServiceError("forbund", _l("Det finns inget förbund med kortnamnet %(slug)s.", slug=repr(slug)))
    return forbund


def create_forbund(slug: str, name: str) -> Forbund:
    """Create a förbund with a unique short name (lower-case letters, digits and hyphens)."""
    slug = (slug or "").strip().lower()
    if not SLUG.match(slug):
        raise ServiceError("slug", _l("1–64 tecken, bara a–z, siffror och bindestreck, börjar med bokstav eller siffra."))
    if db.session.scalar(select(Forbund.id).where(Forbund.slug == slug)) is not None:
        raise ServiceError("slug", _l("Det finns redan ett förbund med kortnamnet %(slug)s.", slug=repr(slug)))
    forbund = Forbund(slug=slug, name=_clean_name(name))
    db.session.add(forbund)
    db.session.flush()
    audit.record("forbund.create", f"förbund {slug}", forbund_id=forbund.id)
    return forbund


# --- insatser --------------------------------------------------------------------------------


def _check_unique_insats(forbund_id: int, name: str, exclude_id: int | None = None) -> None:
    query = select(Insats.id).where(Insats.forbund_id == forbund_id, func.lower(Insats.name) == name.lower())
    if exclude_id is not None:
        query = query.where(Insats.id != exclude_id)
    if db.session.scalar(query) is not None:
        raise ServiceError("name", _l("Förbundet har redan en insats som heter %(name)s.", name=repr(name)))


def create_insats(forbund: Forbund, name: str) -> Insats:
    name = _clean_name(name)
    lock_forbund(forbund.id)  # "Fall X" and "FALL X" at once: the second sees the first (any case)
    _check_unique_insats(forbund.id, name)
    insats = Insats(forbund_id=forbund.id, name=name)
    db.session.add(insats)
    db.session.flush()
    audit.record("insats.create", f"insats {name}", forbund_id=forbund.id)
    return insats


def rename_insats(insats: Insats, name: str) -> Insats:
    name = _clean_name(name)
    if name == insats.name:
        return insats
    lock_forbund(insats.forbund_id)
    _check_unique_insats(insats.forbund_id, name, exclude_id=insats.id)
    old = insats.name
    insats.name = name
    db.session.flush()
    audit.record("insats.rename", f"insats {name}", f"tidigare namn: {old}", forbund_id=insats.forbund_id)
    return insats


def close_insats(insats: Insats) -> Insats:
    """Close an insats: its data stays, it gets no new links."""
    if not insats.closed:
        insats.closed = True
        db.session.flush()
        audit.record("insats.close", f"insats {insats.name}", forbund_id=insats.forbund_id)
    return insats


# --- users -----------------------------------------------------------------------------------


def _check_password(password: str | None, username: str = "", name: str = "") -> str:
    """At least 12 characters and not easy to guess (zxcvbn), also given the user's own names."""
    parts = re.split(r"[\s._@-]+", f"{username} {name}".lower())
    return check_strength(password, [username, name, *parts])


def create_user(
    username: str,
    role: str,
    password: str,
    *,
    forbund: Forbund | None = None,
    insatser: Iterable[Insats] = (),
    name: str = "",
) -> User:
    """Create an account: admin (no förbund), officer (one förbund) or staff (insatser of one förbund)."""
    username = (username or "").strip().lower()
    insatser = list(insatser)
    if not USERNAME.match(username):
        raise ServiceError("username", _l("2–120 tecken, bara a–z, siffror och . _ @ -."))
    if db.session.scalar(select(User.id).where(User.username == username)) is not None:
        raise ServiceError("username", _l("%(username)s är redan upptaget.", username=repr(username)))
    if role not in ROLES:
        raise ServiceError("role", _l("Måste vara en av %(roles)s.", roles=', '.join(ROLES)))
    if role == "admin" and (forbund is not None or insatser):
        raise ServiceError("forbund", _l("En administratör hör inte till något förbund eller någon insats."))
    if role in ("officer", "staff") and forbund is None:
        raise ServiceError("forbund", _l("Välj förbundet som kontot hör till."))
    if role == "officer" and insatser:
        raise ServiceError("insatser", _l("Insatser väljs bara för personal; förbundskansliet ser alla förbundets insatser."))
    if role == "staff" and not insatser:
        raise ServiceError("insatser", _l("Välj minst en insats för personal."))
    foreign = [i.name for i in insatser if forbund is None or i.forbund_id != forbund.id]
    if foreign:
        raise ServiceError("insatser", _l("%(names)s hör inte till förbundet.", names=', '.join(foreign)))
    user = User(
        username=username,
        role=role,
        name=" ".join((name or "").split())[:200],
        password_hash=hash_password(_check_password(password, username, name)),
        forbund_id=forbund.id if forbund else None,
        insatser=insatser,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.create", f"användare {username}", f"roll: {role}", forbund_id=user.forbund_id)
    return user


def deactivate_user(user: User) -> bool:
    """Deactivate an account; a new session token ends every session it has. False when it was
    inactive already (also when another request deactivated it a moment ago: nothing is logged)."""
    if not change_if(user, User.active.is_(True), active=False, session_token=secrets.token_hex(16)):
        return False
    audit.record("user.deactivate", f"användare {user.username}", forbund_id=user.forbund_id)
    return True


def reset_password(user: User, password: str) -> User:
    """An admin sets a new password; the user's sessions end and the user must choose their own
    password at the next login (so the admin does not keep knowing it)."""
    user.password_hash = hash_password(_check_password(password, user.username, user.name))
    user.session_token = secrets.token_hex(16)
    user.must_change_password = True
    db.session.flush()
    audit.record("user.reset_password", f"användare {user.username}", "byte krävs vid nästa inloggning",
                 forbund_id=user.forbund_id)
    return user


class PasswordAlreadyChanged(ValueError):
    """The form was sent again after it had changed the password (a double click, a resend)."""


def change_own_password(user: User, current: str, new: str) -> User:
    """The user changes their own password; every other session of theirs ends."""
    if not verify(user.password_hash, current or ""):
        if new and verify(user.password_hash, new):
            raise PasswordAlreadyChanged()  # the new password is already the one stored
        raise ServiceError("current", _l("Stämmer inte."))
    if new == current:
        raise ServiceError("password", _l("Välj ett annat lösenord än det nuvarande."))
    user.password_hash = hash_password(_check_password(new, user.username, user.name))
    user.session_token = secrets.token_hex(16)
    user.must_change_password = False
    db.session.flush()
    audit.record("user.change_password", f"användare {user.username}", forbund_id=user.forbund_id, user_id=user.id)
    return user


# --- login lock (in the database, so it holds across workers and servers) --------------------


def check_login_lock(user: User, now: dt.datetime | None = None) -> dt.datetime | None:
    """When the user's login lock ends (UTC), or None when the user may try to log in."""
    now = now or utcnow()
    if user.locked_until is not None and user.locked_until > now:
        return user.locked_until
    return None


def record_login_failure(user: User, now: dt.datetime | None = None) -> bool:
    """Count a failed login; lock the user for LOGIN_LOCK_MINUTES at LOGIN_MAX_FAILURES in a row.

    Failures more than LOGIN_LOCK_MINUTES apart do not add up. The counter is raised by one UPDATE
    in the database, so attempts on different workers and servers all count. Returns whether the
    user is now locked. Flushes; the caller commits.
    """
    now = now or utcnow()
    cfg = current_app.config
    window = dt.timedelta(minutes=int(cfg["LOGIN_LOCK_MINUTES"]))
    fresh = User.last_failed_login.is_not(None) & (User.last_failed_login > now - window)
    db.session.execute(
        update(User).where(User.id == user.id)
        .values(failed_logins=case((fresh, User.failed_logins + 1), else_=1), last_failed_login=now),
        execution_options={"synchronize_session": False},
    )
    failures = db.session.scalar(select(User.failed_logins).where(User.id == user.id))
    locked = failures >= int(cfg["LOGIN_MAX_FAILURES"])
    if locked:
        db.session.execute(
            update(User).where(User.id == user.id).values(locked_until=now + window, failed_logins=0),
            execution_options={"synchronize_session": False},
        )
    db.session.expire(user, ["failed_logins", "last_failed_login", "locked_until"])
    return locked


def record_login_success(user: User) -> None:
    """A successful login clears the failure counter. Flushes; the caller commits."""
    if user.failed_logins or user.last_failed_login is not None or user.locked_until is not None:
        user.failed_logins = 0
        user.last_failed_login = None
        user.locked_until = None
        db.session.flush()


def unlock_user(user: User) -> None:
    """End a user's login lock (an administrator's action). Flushes; the caller commits."""
    record_login_success(user)
