"""Password rules and hashing: length, a well-known strength checker (zxcvbn), and a login that
takes the same time whether or not the user name exists."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from werkzeug.security import check_password_hash, generate_password_hash
from zxcvbn import zxcvbn

from .errors import ServiceError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 256
#: zxcvbn score 0–4; 3 means "safely unguessable: moderate protection from offline attacks".
MIN_SCORE = 3

# A real hash of a random password, made once: an unknown user name is checked against it, so a
# failed login costs one hash whether the name exists or not (no user-name oracle by timing).
_DUMMY_HASH = generate_password_hash("dummy-password-that-never-matches")


def check_strength(password: str | None, user_inputs: Iterable[str] = ()) -> str:
    """Return the password or raise ``ServiceError`` (field "password") saying what is wrong."""
    if not password or len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError("password", _l("Minst %(n)d tecken.", n=MIN_PASSWORD_LENGTH))
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError("password", _l("Högst %(n)d tecken.", n=MAX_PASSWORD_LENGTH))
    # zxcvbn's own cost grows with length; the first 100 characters decide.
    result = zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])
    if result["score"] < MIN_SCORE:
        raise ServiceError("password", _l(
            "För lätt att gissa (ett vanligt lösenord, ord, namn eller mönster). "
            "Välj ett längre lösenord, till exempel fyra ord som inte hör ihop."
        ))
    return password


def hash_password(password: str) -> str:
    return generate_password_hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """Check a password; with no hash (unknown user) the dummy hash is checked, so it takes as long."""
    if password_hash is None:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)
