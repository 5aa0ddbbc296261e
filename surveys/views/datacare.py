"""Care of data: the audit log (officers: own förbund; admins: installation-wide) and gallring."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectMultipleField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from .. import datacare
from ..access import roles_required, user_forbund
from ..extensions import db

bp = Blueprint("datacare", __name__, url_prefix="/forbund/data")

#: Readable names of audit actions; unknown actions are shown as they are stored.
ACTION_LABELS = {
    "paper.enter": _l("Pappersenkät inskriven"),
    "paper.withdraw": _l("Pappersenkät återkallad"),
    "responses.import": _l("Svar importerade"),
    "responses.delete_years": _l("Gallring av mätår"),
    "login": _l("Inloggning"),
    "login.failed": _l("Misslyckad inloggning"),
    "login.locked": _l("Användarnamn spärrat efter misslyckade inloggningar"),
    "user.change_password": _l("Eget lösenord bytt"),
    "user.reset_password": _l("Lösenord återställt av administratör"),
    "user.2fa_enable": _l("Tvåstegsverifiering aktiverad"),
    "user.2fa_disable": _l("Tvåstegsverifiering avstängd"),
    "user.2fa_reset": _l("Tvåstegsverifiering återställd av administratör"),
    "user.2fa_recovery_codes": _l("Nya återställningskoder"),
    "user.2fa_recovery_used": _l("Återställningskod använd"),
    "free_text.view": _l("Fritextsvar visade"),
    "codes.download": _l("Engångskoder hämtade"),
    "report.create": _l("Rapport skapad"),
    "report.download": _l("Rapportfil hämtad"),
    "report.chart": _l("Diagram hämtat"),
    "results.export": _l("Resultat exporterade"),
    "backup.create": _l("Säkerhetskopia skapad"),
}


class YearsForm(FlaskForm):
    years = SelectMultipleField(
        _l("Mätår att gallra"), coerce=int, widget=ListWidget(prefix_label=False), option_widget=CheckboxInput()
    )


class ConfirmForm(FlaskForm):
    years = HiddenField()
    expected = IntegerField(validators=[Optional()])


def _parse_years(value: str, allowed: list[int]) -> list[int]:
    years = []
    for part in (value or "").split(","):
        if part.strip().isdigit() and int(part) in allowed:
            years.append(int(part))
    return sorted(set(years))


def _audit_view(forbund_id, template: str, **extra):
    action = request.args.get("action", "")
    actions = datacare.audit_actions(forbund_id)
    if action not in actions:
        action = ""
    page = request.args.get("page", 1, type=int)
    pagination = datacare.audit_page(forbund_id, action or None, max(page, 1))
    return render_template(
        template, pagination=pagination, events=pagination.items, actions=actions, action=action,
        labels=ACTION_LABELS, **extra,
    )


@bp.get("/logg")
@roles_required("officer")
def audit():
    forbund = user_forbund()
    return _audit_view(forbund.id, "datacare/audit.html", forbund=forbund, endpoint="datacare.audit")


@bp.get("/admin/logg")
@roles_required("admin")
def admin_audit():
    return _audit_view(None, "datacare/audit.html", forbund=None, endpoint="datacare.admin_audit")


@bp.route("/gallring", methods=["GET", "POST"])
@roles_required("officer")
def gallring():
    """Step 1: choose years (GET shows the form; POST shows what would be deleted)."""
    forbund = user_forbund()
    available = datacare.response_years(forbund.id)
    form = YearsForm()
    form.years.choices = [(year, str(year)) for year in available]
    if form.validate_on_submit():
        years = sorted(set(form.years.data or []))
        if years:
            counts = datacare.count_years(forbund.id, years)
            confirm = ConfirmForm(formdata=None, years=",".join(map(str, years)),
                                  expected=sum(c.responses for c in counts))
            return render_template("datacare/confirm.html", forbund=forbund, counts=counts, form=confirm, changed=False)
        form.years.errors = [_("Välj minst ett mätår.")]
    status = 400 if request.method == "POST" else 200
    return render_template("datacare/gallring.html", forbund=forbund, form=form, years=available), status


@bp.post("/gallring/radera")
@roles_required("officer")
def gallring_delete():
    """Step 2: re-count; delete if the counts are what the officer confirmed, else ask again."""
    forbund = user_forbund()
    form = ConfirmForm()
    if not form.validate():
        return redirect(url_for("datacare.gallring"), code=303)
    years = _parse_years(form.years.data, datacare.response_years(forbund.id))
    if not years:
        flash(_("Det finns inga svar kvar att gallra för de valda åren."), "error")
        return redirect(url_for("datacare.gallring"), code=303)
    counts = datacare.count_years(forbund.id, years)
    total = sum(c.responses for c in counts)
    if form.expected.data != total:
        confirm = ConfirmForm(formdata=None, years=",".join(map(str, years)), expected=total)
        return render_template("datacare/confirm.html", forbund=forbund, counts=counts, form=confirm, changed=True), 409
    deleted = datacare.delete_years(forbund.id, years)
    db.session.commit()
    if not any(c.responses for c in deleted):  # another request (a double click) deleted them just now
        flash(_("Det finns inga svar kvar att gallra för de valda åren."), "error")
        return redirect(url_for("datacare.gallring"), code=303)
    flash(
        _("Gallringen är klar: %(responses)d svar med %(answers)d frågesvar raderades för mätår %(years)s.",
          responses=sum(c.responses for c in deleted), answers=sum(c.answers for c in deleted),
          years=", ".join(str(c.year) for c in deleted)),
        "success",
    )
    return redirect(url_for("datacare.gallring"), code=303)
