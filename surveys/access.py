"""Who may see what. Every staff-side view goes through these helpers.

- admin: runs the installation (förbund, users, reference values); no answer access needed.
- officer: everything of their own förbund.
- staff: the insatser they work in, within their förbund.

Anything outside a user's scope is a 404, never a 403, so that the existence of another
förbund's insatser, links or responses does not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from .extensions import db
from .models import Forbund, Insats, SurveyLink, User

F = TypeVar("F", bound=Callable)


def roles_required(*roles: str) -> Callable[[F], F]:
    """Require a logged-in user with one of ``roles``; others get 404 (403 is a leak too)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(404)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


def user_forbund(user: User | None = None) -> Forbund:
    """Return the förbund of an officer or staff member; 404 for anyone without one."""
    user = user or current_user
    if user.role not in ("officer", "staff") or user.forbund_id is None:
        abort(404)
    forbund = db.session.get(Forbund, user.forbund_id)
    if forbund is None:
        abort(404)
    return forbund


def visible_insatser(user: User | None = None) -> list[Insats]:
    """Insatser a user may see: all of an officer's förbund, a staff member's own ones."""
    user = user or current_user
    if user.role == "officer":
        return list(db.session.scalars(select(Insats).where(Insats.forbund_id == user.forbund_id).order_by(Insats.name)))
    if user.role == "staff":
        return sorted((i for i in user.insatser if i.forbund_id == user.forbund_id), key=lambda i: i.name)
    return []


def insats_or_404(insats_id: int, user: User | None = None) -> Insats:
    """Return an insats the user may see, or 404."""
    user = user or current_user
    insats = db.session.get(Insats, insats_id)
    if insats is None or insats.forbund_id != user.forbund_id:
        abort(404)
    if user.role == "staff" and insats not in user.insatser:
        abort(404)
    if user.role not in ("officer", "staff"):
        abort(404)
    return insats


def link_or_404(link_id: int, user: User | None = None) -> SurveyLink:
    """Return a link the user may see: an officer's förbund, or a staff member's insats."""
    user = user or current_user
    link = db.session.get(SurveyLink, link_id)
    if link is None or user.role not in ("officer", "staff") or link.forbund_id != user.forbund_id:
        abort(404)
    if user.role == "staff" and (link.insats is None or link.insats not in user.insatser):
        abort(404)
    return link
