"""Every logged-in user's own account: change password, second factor (TOTP) and recovery codes.

A user whose password an admin reset, or whose role requires a second factor they have not set
up, can do nothing else until that is done (``require_account_steps``).
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user

from .. import accounts, twofactor
from ..extensions import db
from ..forms_admin import SERVICE_FIELDS, ButtonForm, ChangePasswordForm, TotpCodeForm, apply_service_error

bp = Blueprint("account", __name__, url_prefix="/konto")

#: Endpoints a user with an unfinished account step may still reach.
OPEN_ENDPOINTS = {"account.index", "account.password", "account.two_factor", "auth.logout", "static"}


@bp.before_app_request
def require_account_steps():
    # Without a user in the session nobody is signed in (there is no remember-me login); asking
    # flask-login anyway would mark the session (``_fresh``) and send every respondent's cookie
    # back re-signed.
    if "_user_id" not in session:
        return None
    if not current_user.is_authenticated or request.endpoint in OPEN_ENDPOINTS or request.endpoint is None:
        return None
    if current_user.must_change_password:
        flash(_("Välj ett eget lösenord innan du fortsätter."), "error")
        return redirect(url_for("account.password"), code=303)
    if twofactor.required_for(current_user) and not twofactor.enrolled(current_user):
        flash(_("Ditt konto kräver tvåstegsverifiering. Aktivera den innan du fortsätter."), "error")
        return redirect(url_for("account.two_factor"), code=303)
    return None


@bp.get("/")
@login_required
def index():
    return render_template("account/index.html", required=twofactor.required_for(current_user),
                           enrolled=twofactor.enrolled(current_user),
                           remaining=twofactor.remaining_recovery_codes(current_user))


@bp.route("/losenord", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_own_password(current_user, form.current.data, form.password.data)
        except accounts.PasswordAlreadyChanged:
            db.session.rollback()
            flash(_("Ditt lösenord är redan bytt till det nya."), "success")
            return redirect(url_for("account.index"), code=303)
        except ValueError as exc:
            db.session.rollback()
            apply_service_error(form, exc, SERVICE_FIELDS)
        else:
            user = current_user._get_current_object()
            db.session.commit()
            login_user(user)  # the new session token ended other sessions; this one continues
            flash(_("Ditt lösenord är bytt. Dina andra inloggningar har avslutats."), "success")
            return redirect(url_for("account.index"), code=303)
    return render_template("account/password.html", form=form, forced=current_user.must_change_password)


@bp.route("/tvastegs", methods=["GET", "POST"])
@login_required
def two_factor():
    if twofactor.enrolled(current_user):
        return render_template("account/two_factor.html", enrolled=True, button=ButtonForm(),
                               required=twofactor.required_for(current_user),
                               remaining=twofactor.remaining_recovery_codes(current_user))
    secret = session.get("totp_new")
    if not secret or request.method == "GET":
        secret = session["totp_new"] = twofactor.new_secret()
    form = TotpCodeForm()
    if form.validate_on_submit():
        if twofactor.check_new_code(secret, form.code.data):
            try:
                codes = twofactor.enable(current_user, secret)
            except twofactor.AlreadyChanged:
                db.session.rollback()
                session.pop("totp_new", None)
                flash(_("Tvåstegsverifieringen slogs redan på av en annan begäran (till exempel ett dubbelklick). "
                        "Om du inte har sparat återställningskoderna som visades då: skapa nya här."), "info")
                return redirect(url_for("account.two_factor"), code=303)
            db.session.commit()
            session.pop("totp_new", None)
            return render_template("account/recovery_codes.html", codes=codes)
        form.code.errors = [*form.code.errors, _("Koden stämmer inte. Kontrollera att telefonens klocka går rätt "
                                                 "och skriv den kod som visas just nu.")]
    return render_template("account/two_factor.html", enrolled=False, form=form, secret=secret,
                           qr=twofactor.qr_for(current_user, secret, _("QR-kod för autentiseringsappen")))


@bp.post("/tvastegs/nya-koder")
@login_required
def new_recovery_codes():
    if not ButtonForm().validate_on_submit() or not twofactor.enrolled(current_user):
        abort(400)
    try:
        codes = twofactor.regenerate_recovery_codes(current_user)
    except twofactor.AlreadyChanged:
        db.session.rollback()
        flash(_("Nya återställningskoder skapades samtidigt av en annan begäran (till exempel ett dubbelklick), "
                "så de här visas inte: de skulle inte gälla. Skapa nya koder igen för att se koder som gäller."),
              "error")
        return redirect(url_for("account.two_factor"), code=303)
    db.session.commit()
    return render_template("account/recovery_codes.html", codes=codes)


@bp.post("/tvastegs/stang-av")
@login_required
def disable_two_factor():
    if not ButtonForm().validate_on_submit() or not twofactor.enrolled(current_user):
        abort(400)
    if twofactor.required_for(current_user):
        flash(_("Din roll kräver tvåstegsverifiering; den kan inte stängas av."), "error")
        return redirect(url_for("account.two_factor"), code=303)
    user = current_user._get_current_object()
    twofactor.disable(user, by_admin=False)
    db.session.commit()
    login_user(user)
    flash(_("Tvåstegsverifieringen är avstängd."), "success")
    return redirect(url_for("account.index"), code=303)
