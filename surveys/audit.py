"""The audit log: who did what to links, users, paper entries, imports, exports, deletions."""

from __future__ import annotations

from flask_login import current_user

from .extensions import db
from .models import AuditEvent


def record(action: str, target: str = "", detail: str = "", *, forbund_id: int | None = None, user_id: int | None = None) -> AuditEvent:
    """Add an audit event for the current user (flushes; the request commits).

    ``detail`` holds counts and parameters, never answers or free text.
    """
    if user_id is None and current_user and getattr(current_user, "is_authenticated", False):
        user_id = current_user.id
    if forbund_id is None and current_user and getattr(current_user, "is_authenticated", False):
        forbund_id = current_user.forbund_id
    event = AuditEvent(user_id=user_id, forbund_id=forbund_id, action=action, target=target[:200], detail=detail)
    db.session.add(event)
    db.session.flush()
    return event
