"""Staff login and logout. Participants never log in."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from .. import accounts
from ..extensions import db, limiter
from ..models import User

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField(_l("Användarnamn"), validators=[DataRequired(_l("Fyll i användarnamn.")), Length(max=120)])
    password = PasswordField(_l("Lösenord"), validators=[DataRequired(_l("Fyll i lösenord.")), Length(max=256)])


def _login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("pages.home"))
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip().lower()
        user = db.session.scalar(select(User).where(User.username == username))
        # The per-user lock lives in the database: it holds across workers and servers.
        if user is not None and accounts.check_login_lock(user) is not None:
            abort(429)  # even the right password does not help until the lock ends
        if user is not None and user.active and check_password_hash(user.password_hash, form.password.data):
            accounts.record_login_success(user)
            db.session.commit()
            session.clear()
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME of inactivity
            login_user(user)
            return redirect(url_for("pages.home"), code=303)
        if user is not None:
            accounts.record_login_failure(user)
            db.session.commit()
        form.form_errors.append(_("Fel användarnamn eller lösenord."))
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # A new session token invalidates every copy of the signed session cookie, on every device.
    current_user.session_token = secrets.token_hex(16)
    db.session.commit()
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"), code=303)
