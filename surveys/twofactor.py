"""TOTP second factor (RFC 6238, via pyotp) and one-time recovery codes (stored hashed).

Services flush and audit; the request commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import time
import unicodedata

import pyotp
from flask import current_app
from markupsafe import Markup

from . import audit
from .extensions import db
from .locks import change_if
from .models import User
from .qr import qr_svg_inline

ISSUER = "Finsam-indikatorer"
RECOVERY_CODES = 10


def required_for(user: User) -> bool:
    """Whether the configuration (``REQUIRE_2FA_ROLES``) requires a second factor for this user."""
    return user.role in tuple(current_app.config.get("REQUIRE_2FA_ROLES") or ())


def enrolled(user: User) -> bool:
    return bool(user.totp_secret)


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_for(user: User, secret: str, title: str) -> Markup:
    return qr_svg_inline(provisioning_uri(user, secret), title=title, scale=4)


def _normalise(code: str) -> str:
    """Spaces and dashes removed, lower case, and digits of any script (full-width, Arabic-Indic:
    phone keyboards type them) as ASCII digits."""
    code = "".join((code or "").split()).replace("-", "").lower()
    return "".join(str(unicodedata.decimal(ch)) if ch.isdecimal() else ch for ch in code)


def _hash_recovery(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _matching_step(secret: str, code: str, at: float | None = None) -> int | None:
    """Return the time step a 6-digit code belongs to (now ± one step), or None."""
    code = _normalise(code)
    if len(code) != 6 or not (code.isascii() and code.isdigit()):
        return None
    totp = pyotp.TOTP(secret)
    now = time.time() if at is None else at
    step = totp.timecode(dt.datetime.fromtimestamp(now, dt.UTC))
    for offset in (0, -1, 1):
        if secrets.compare_digest(totp.generate_otp(step + offset), code):
            return step + offset
    return None


def check_new_code(secret: str, code: str) -> bool:
    """During enrolment: does the code from the app match the proposed secret?"""
    return _matching_step(secret, code) is not None


class AlreadyChanged(Exception):
    """Another request changed this user's second factor meanwhile (a double click, a second tab):
    what this request would have shown would not be what is stored."""


def _store(user: User, unchanged, **values) -> None:
    """Write ``values`` to the user's row only if ``unchanged`` (a condition on what this request
    read) still holds, else raise AlreadyChanged: of two requests at once, exactly one stores."""
    if not change_if(user, unchanged, **values):
        raise AlreadyChanged()


def enable(user: User, secret: str) -> list[str]:
    """Store the secret and return fresh recovery codes (shown once, stored hashed). Raises
    AlreadyChanged when another request enabled the second factor first."""
    codes, hashes = _new_recovery_codes()
    _store(user, User.totp_secret.is_(None), totp_secret=secret, totp_last_step=None, recovery_codes=hashes)
    audit.record("user.2fa_enable", f"användare {user.username}", forbund_id=user.forbund_id, user_id=user.id)
    return codes


def _new_recovery_codes() -> tuple[list[str], str]:
    """Fresh codes to show once, and their hashes as stored."""
    raw = [secrets.token_hex(5) for _ in range(RECOVERY_CODES)]  # 40 random bits each
    codes = [f"{c[:5]}-{c[5:]}" for c in raw]
    return codes, json.dumps([_hash_recovery(c) for c in codes])


def regenerate_recovery_codes(user: User) -> list[str]:
    """Replace the recovery codes; raises AlreadyChanged when they changed since this request
    read them (the other request's codes are the ones stored and shown)."""
    old = user.recovery_codes
    codes, hashes = _new_recovery_codes()
    _store(user, User.recovery_codes.is_(None) if old is None else User.recovery_codes == old,
           recovery_codes=hashes)
    audit.record("user.2fa_recovery_codes", f"användare {user.username}", forbund_id=user.forbund_id, user_id=user.id)
    return codes


def remaining_recovery_codes(user: User) -> int:
    return len(json.loads(user.recovery_codes or "[]"))


def verify_login(user: User, code: str) -> str | None:
    """Check a login code: a TOTP code (not replayed) or an unused recovery code (then spent).

    Returns "totp" or "recovery" on success, None otherwise. Flushes.
    """
    if not user.totp_secret:
        return None
    step = _matching_step(user.totp_secret, code)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return None  # this code (or an earlier one) was already used
        user.totp_last_step = step
        db.session.flush()
        return "totp"
    hashes = json.loads(user.recovery_codes or "[]")
    digest = _hash_recovery(code)
    for stored in hashes:
        if secrets.compare_digest(stored, digest):
            hashes.remove(stored)
            user.recovery_codes = json.dumps(hashes)
            db.session.flush()
            audit.record("user.2fa_recovery_used", f"användare {user.username}",
                         f"{len(hashes)} återställningskoder kvar", forbund_id=user.forbund_id, user_id=user.id)
            return "recovery"
    return None


def disable(user: User, *, by_admin: bool) -> None:
    """Remove the second factor; the user's sessions end. Audited (by whom is in the event)."""
    user.totp_secret = None
    user.recovery_codes = None
    user.totp_last_step = None
    user.session_token = secrets.token_hex(16)
    db.session.flush()
    action = "user.2fa_reset" if by_admin else "user.2fa_disable"
    audit.record(action, f"användare {user.username}", forbund_id=user.forbund_id)
