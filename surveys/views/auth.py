"""Staff login (password, then the second factor where enrolled) and logout. Participants never
log in. Every login, failed login and lock is in the audit log.

The per-user lock after LOGIN_MAX_FAILURES failed logins lives in the database
(``accounts.check_login_lock``), so it holds across workers and servers. It does not apply to a
browser where the user has logged in before (``surveys.devices``): a stranger typing wrong
passwords cannot keep an officer out of their own browser.
"""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import accounts, audit, devices, passwords, twofactor
from ..extensions import db, limiter
from ..models import User

bp = Blueprint("auth", __name__)

#: Seconds between the password step and the second-factor step before starting again.
PENDING_SECONDS = 300


class LoginForm(FlaskForm):
    username = StringField(_l("Användarnamn"), validators=[DataRequired(_l("Fyll i användarnamn.")), Length(max=120)])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Fyll i lösenord.")), Length(max=256)])


class CodeForm(FlaskForm):
    code = StringField(_l("Kod"), validators=[DataRequired(_l("Fyll i koden.")), Length(max=32)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def _known_device(user: User) -> bool:
    """A browser where this user logged in before is exempt from the user's lock."""
    return devices.is_known(user.username)


def _failure(user: User, detail: str) -> None:
    """Count a failed attempt (the lock is set at LOGIN_MAX_FAILURES) and audit it; commits."""
    locked = accounts.record_login_failure(user)
    audit.record("login.failed", f"användare {user.username}", detail, forbund_id=user.forbund_id, user_id=user.id)
    if locked:
        audit.record("login.locked", f"användare {user.username}",
                     f"för många misslyckade inloggningar; spärrad i {current_app.config['LOGIN_LOCK_MINUTES']} minuter "
                     "(utom i webbläsare där användaren loggat in förut)", forbund_id=user.forbund_id, user_id=user.id)
    db.session.commit()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user = db.session.scalar(select(User).where(User.username == username))
        # An unknown name is checked against a dummy hash: the answer takes as long either way.
        ok = passwords.verify(user.password_hash if user is not None else None, form.password.data)
        if user is not None and accounts.check_login_lock(user) is not None and not _known_device(user):
            audit.record("login.failed", f"användare {user.username}", "spärrad efter misslyckade inloggningar",
                         forbund_id=user.forbund_id, user_id=user.id)
            db.session.commit()
            abort(429)  # even the right password does not help here until the lock ends
        if ok and user is not None and user.active:
            if twofactor.enrolled(user):
                session.clear()
                session["pending_login"] = {"id": user.get_id(), "at": time.time()}
                return redirect(url_for("auth.login_code"), code=303)
            return _finish_login(user, "lösenord")
        if user is not None:
            _failure(user, "fel lösenord" if not ok else "kontot är inaktiverat")
        else:
            audit.record("login.failed", "okänt användarnamn")
            db.session.commit()
        form.form_errors.append(_("Fel användarnamn eller lösenord."))
    return render_template("auth/login.html", form=form)


def _pending_user() -> User | None:
    pending = session.get("pending_login") or {}
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    ident, _sep, token = str(pending.get("id", "")).partition(":")
    user = db.session.get(User, int(ident)) if ident.isdigit() else None
    if user is None or not user.active or user.session_token != token or not twofactor.enrolled(user):
        return None
    return user


@bp.route("/login/kod", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login_code():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    user = _pending_user()
    if user is None:
        session.pop("pending_login", None)
        return redirect(url_for("auth.login"))
    if request.method == "POST" and accounts.check_login_lock(user) is not None and not _known_device(user):
        session.pop("pending_login", None)
        abort(429)
    form = CodeForm()
    if form.validate_on_submit():
        method = twofactor.verify_login(user, form.code.data)
        if method:
            return _finish_login(user, "lösenord och engångskod" if method == "totp" else "lösenord och återställningskod")
        _failure(user, "fel kod i andra steget")
        form.code.errors = [*form.code.errors, _("Koden stämmer inte. Skriv koden som appen visar just nu, "
                                                 "eller en av dina återställningskoder.")]
    return render_template("auth/login_code.html", form=form)


def _finish_login(user: User, how: str):
    accounts.record_login_success(user)
    session.clear()
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity
    login_user(user)
    audit.record("login", f"användare {user.username}", how, forbund_id=user.forbund_id, user_id=user.id)
    db.session.commit()
    response = redirect(url_for("pages.home"), code=303)
    devices.remember(response, user)
    return response


@bp.post("/logout")
@login_required
def logout():
    # A new session token invalidates every copy of the signed session cookie, on every device.
    current_user.session_token = secrets.token_hex(16)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)
