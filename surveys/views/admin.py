"""Admin pages: the installation (förbund and user accounts). Admins never see answers."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select
from wtforms.fields.choices import SelectChoice

from .. import accounts, twofactor
from ..access import roles_required
from ..extensions import db
from ..forms_admin import SERVICE_FIELDS, ButtonForm, ForbundForm, PasswordForm, UserForm, apply_service_error
from ..models import Forbund, Insats, SurveyLink, User
from .conflicts import once_more_on_conflict

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@roles_required("admin")
def index():
    forbund_list = list(db.session.scalars(select(Forbund).order_by(Forbund.name)))
    users = dict(db.session.execute(
        select(User.forbund_id, func.count()).where(User.active.is_(True)).group_by(User.forbund_id)).all())
    insatser = dict(db.session.execute(select(Insats.forbund_id, func.count()).group_by(Insats.forbund_id)).all())
    link_counts = dict(db.session.execute(
        select(SurveyLink.forbund_id, func.count()).where(SurveyLink.active.is_(True))
        .group_by(SurveyLink.forbund_id)).all())
    return render_template("admin/index.html", forbund_list=forbund_list, users=users, insatser=insatser,
                           link_counts=link_counts, admins=users.get(None, 0))


@bp.get("/instrument")
@roles_required("admin")
def instruments():
    """The instrument versions in the installation, the default one, their links and answers, and
    every file that could not be loaded with why (the other versions work regardless)."""
    from indicators.catalogue import INSTRUMENT_DIR, load_errors

    from ..instruments import instrument, versions
    from ..models import Response

    link_counts = dict(db.session.execute(
        select(SurveyLink.instrument_version, func.count()).group_by(SurveyLink.instrument_version)).all())
    response_counts = dict(db.session.execute(
        select(Response.instrument_version, func.count()).group_by(Response.instrument_version)).all())
    default = current_app.config["DEFAULT_INSTRUMENT_VERSION"]
    return render_template("admin/instruments.html", instruments=[instrument(v) for v in versions()],
                           errors=load_errors(), default=default, default_ok=default in versions(),
                           link_counts=link_counts, response_counts=response_counts, folder=INSTRUMENT_DIR)


@bp.route("/forbund", methods=["GET", "POST"])
@roles_required("admin")
@once_more_on_conflict
def forbund():
    form = ForbundForm()
    if form.validate_on_submit():
        try:
            created = accounts.create_forbund(form.slug.data, form.name.data)
        except ValueError as exc:
            db.session.rollback()
            apply_service_error(form, exc, SERVICE_FIELDS)
        else:
            db.session.commit()
            flash(_("Förbundet %(name)s är skapat.", name=created.name), "success")
            return redirect(url_for("admin.forbund"), code=303)
    forbund_list = list(db.session.scalars(select(Forbund).order_by(Forbund.name)))
    return render_template("admin/forbund.html", forbund_list=forbund_list, form=form)


def _user_form() -> UserForm:
    form = UserForm()
    forbund_list = list(db.session.scalars(select(Forbund).order_by(Forbund.name)))
    form.forbund.choices = [SelectChoice("", _("Inget förbund (administratör)"))] + [
        SelectChoice(str(f.id), f.name) for f in forbund_list
    ]
    form.insatser.choices = [
        SelectChoice(i.id, f"{f.name} – {i.name}") for f in forbund_list for i in f.insatser if not i.closed
    ]
    return form


@bp.route("/anvandare", methods=["GET", "POST"])
@roles_required("admin")
@once_more_on_conflict
def users():
    form = _user_form()
    if form.validate_on_submit():
        chosen = db.session.get(Forbund, int(form.forbund.data)) if form.forbund.data else None
        insatser = [db.session.get(Insats, i) for i in form.insatser.data or []]
        try:
            user = accounts.create_user(form.username.data, form.role.data, form.password.data, forbund=chosen,
                                        insatser=[i for i in insatser if i is not None], name=form.name.data or "")
        except ValueError as exc:
            db.session.rollback()
            apply_service_error(form, exc, SERVICE_FIELDS)
        else:
            db.session.commit()
            flash(_("Användaren %(name)s är skapad.", name=user.username), "success")
            return redirect(url_for("admin.users"), code=303)
    user_list = list(db.session.scalars(select(User).order_by(User.active.desc(), User.username)))
    return render_template("admin/users.html", user_list=user_list, form=form)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/anvandare/<int:user_id>")
@roles_required("admin")
def user(user_id: int):
    return render_template("admin/user.html", user=_user_or_404(user_id), form=PasswordForm(), button=ButtonForm())


@bp.post("/anvandare/<int:user_id>/inaktivera")
@roles_required("admin")
def deactivate_user(user_id: int):
    target = _user_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if target.id == current_user.id:
        flash(_("Du kan inte inaktivera ditt eget konto."), "error")
        return redirect(url_for("admin.user", user_id=target.id), code=303)
    if not accounts.deactivate_user(target):
        db.session.rollback()
        flash(_("Kontot %(name)s var redan inaktiverat.", name=target.username), "info")
        return redirect(url_for("admin.user", user_id=target.id), code=303)
    db.session.commit()
    flash(_("Kontot %(name)s är inaktiverat och alla dess inloggningar har avslutats.", name=target.username), "success")
    return redirect(url_for("admin.user", user_id=target.id), code=303)


@bp.post("/anvandare/<int:user_id>/losenord")
@roles_required("admin")
def reset_password(user_id: int):
    target = _user_or_404(user_id)
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            accounts.reset_password(target, form.password.data)
        except ValueError as exc:
            db.session.rollback()
            apply_service_error(form, exc, SERVICE_FIELDS)
        else:
            db.session.commit()
            if target.id == current_user.id:
                return redirect(url_for("auth.login"), code=303)
            flash(_("Lösenordet för %(name)s är bytt. Kontots inloggningar har avslutats.", name=target.username),
                  "success")
            return redirect(url_for("admin.user", user_id=target.id), code=303)
    return render_template("admin/user.html", user=target, form=form, button=ButtonForm())


@bp.post("/anvandare/<int:user_id>/tvastegs")
@roles_required("admin")
def reset_two_factor(user_id: int):
    """Remove a user's second factor (lost phone); they set it up again at their next login."""
    target = _user_or_404(user_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    if twofactor.enrolled(target):
        twofactor.disable(target, by_admin=True)
        db.session.commit()
    if target.id == current_user.id:
        return redirect(url_for("auth.login"), code=303)
    flash(_("Tvåstegsverifieringen för %(name)s är återställd. Kontots inloggningar har avslutats.",
            name=target.username), "success")
    return redirect(url_for("admin.user", user_id=target.id), code=303)
