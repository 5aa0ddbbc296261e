"""Officer pages (förbundskansli): insatser, links, codes and response counts of one förbund.

Counts only: nothing here shows an answer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from indicators.catalogue import measurement_year

from .. import accounts, audit, links
from ..access import insats_or_404, link_or_404, roles_required, user_forbund, visible_insatser
from ..clock import today
from ..extensions import db
from ..forms import new_submission_key
from ..forms_admin import SERVICE_FIELDS, AskedForm, ButtonForm, CodesForm, InsatsForm, LinkForm, apply_service_error
from ..instruments import instrument
from ..instruments import versions as instrument_versions
from ..responses import SUBMISSION_KEY
from .conflicts import once_more_on_conflict
from .link_pages import link_rows, questionnaire_names

bp = Blueprint("officer", __name__, url_prefix="/forbund")


def _current_year() -> int:
    return measurement_year(today())


@bp.get("/")
@roles_required("officer")
def dashboard():
    forbund = user_forbund()
    year = _current_year()
    counts = links.questionnaire_counts(forbund)
    years = sorted(set(counts) | {year}, reverse=True)
    return render_template(
        "officer/dashboard.html",
        forbund=forbund,
        insatser=visible_insatser(),
        rows=link_rows(links.links_of_forbund(forbund), year),
        year=year,
        years=years,
        counts=counts,
        codes=instrument().questionnaires.keys(),
        names=questionnaire_names(),
    )


# --- insatser --------------------------------------------------------------------------------


@bp.route("/insatser", methods=["GET", "POST"])
@roles_required("officer")
@once_more_on_conflict
def insatser():
    forbund = user_forbund()
    form = InsatsForm()
    if form.validate_on_submit():
        try:
            insats = accounts.create_insats(forbund, form.name.data)
        except ValueError as exc:
            db.session.rollback()
            apply_service_error(form, exc, SERVICE_FIELDS)
        else:
            db.session.commit()
            flash(_("Insatsen %(name)s är skapad.", name=insats.name), "success")
            return redirect(url_for("officer.insats", insats_id=insats.id), code=303)
    return render_template("officer/insatser.html", forbund=forbund, insatser=visible_insatser(), form=form)


@bp.route("/insatser/<int:insats_id>", methods=["GET", "POST"])
@roles_required("officer")
@once_more_on_conflict
def insats(insats_id: int):
    obj = insats_or_404(insats_id)
    form = InsatsForm(obj=obj) if request.method == "GET" else InsatsForm()
    if form.validate_on_submit():
        try:
            accounts.rename_insats(obj, form.name.data)
        except ValueError as exc:
            db.session.rollback()
            apply_service_error(form, exc, SERVICE_FIELDS)
        else:
            db.session.commit()
            flash(_("Insatsen heter nu %(name)s.", name=obj.name), "success")
            return redirect(url_for("officer.insats", insats_id=obj.id), code=303)
    return render_template(
        "officer/insats.html", insats=obj, form=form, button=ButtonForm(),
        rows=link_rows(links.links_of_insatser([obj]), _current_year()), year=_current_year(),
        names=questionnaire_names(),
    )


@bp.post("/insatser/<int:insats_id>/avsluta")
@roles_required("officer")
def close_insats(insats_id: int):
    obj = insats_or_404(insats_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    accounts.close_insats(obj)
    db.session.commit()
    flash(_("Insatsen %(name)s är avslutad. Dess svar finns kvar.", name=obj.name), "success")
    return redirect(url_for("officer.insats", insats_id=obj.id), code=303)


# --- links -----------------------------------------------------------------------------------


@bp.get("/lankar")
@roles_required("officer")
def links_list():
    forbund = user_forbund()
    return render_template("officer/links.html", forbund=forbund, year=_current_year(),
                           rows=link_rows(links.links_of_forbund(forbund), _current_year()), names=questionnaire_names())


def _link_form(forbund) -> LinkForm:
    form = LinkForm()
    inst = instrument()
    names = questionnaire_names()
    form.questionnaire.choices = [
        SelectChoice(code, f"{names[code]} ({code}) – " + (_("per insats") if q.about == "insats" else _("hela förbundet")))
        for code, q in inst.questionnaires.items()
    ]
    # A closed insats is not offered, but one closed while the form was open is accepted here, so
    # that the service says why it cannot get a link ("... är avslutad").
    form.insats.choices = [SelectChoice("", _("Ingen insats (chefsgrupp och styrelse)"))] + [
        SelectChoice(str(i.id), i.name) for i in visible_insatser()
        if not i.closed or (request.method == "POST" and str(i.id) == request.form.get("insats"))
    ]
    default = current_app.config["DEFAULT_INSTRUMENT_VERSION"]
    form.instrument_version.choices = [
        SelectChoice(v, f"{v} ({_('standard')})" if v == default else v) for v in instrument_versions()]
    if not form.instrument_version.data:
        form.instrument_version.data = default
    return form


@bp.route("/lankar/ny", methods=["GET", "POST"])
@roles_required("officer")
@once_more_on_conflict
def new_link():
    forbund = user_forbund()
    form = _link_form(forbund)
    if request.method == "GET":
        form.form_key.data = new_submission_key()
        form.insats.data = request.args.get("insats", "")
        start, end = _year_bounds(_current_year())
        form.opens_on.data = max(today(), start)
        form.closes_on.data = end
    if form.validate_on_submit():
        insats = insats_or_404(int(form.insats.data)) if form.insats.data else None
        try:
            link = links.create_link(
                forbund, form.questionnaire.data, form.opens_on.data, form.closes_on.data, insats=insats,
                label=form.label.data or "", requires_code=form.requires_code.data, created_by=current_user,
                asked=form.asked.data,
                instrument_version=form.instrument_version.data or None,
                form_key=form.form_key.data if SUBMISSION_KEY.match(form.form_key.data or "") else None,
            )
        except links.LinkAlreadyCreated as repeat:
            db.session.rollback()
            flash(_("Länken var redan skapad: formuläret skickades två gånger. Här är den."), "info")
            return redirect(url_for("links.show", link_id=repeat.link.id), code=303)
        except ValueError as exc:
            db.session.rollback()
            apply_service_error(form, exc, SERVICE_FIELDS)
        else:
            db.session.commit()
            flash(_("Länken är skapad."), "success")
            return redirect(url_for("links.show", link_id=link.id), code=303)
    return render_template("officer/new_link.html", form=form)


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    """The measurement year runs 1 November - 31 October and is named by its end year."""
    return dt.date(year - 1, 11, 1), dt.date(year, 10, 31)


@bp.post("/lankar/<int:link_id>/tillfragade")
@roles_required("officer")
def set_asked(link_id: int):
    """Record how many were asked to answer through the link (for the response rate)."""
    link = link_or_404(link_id)
    form = AskedForm()
    if not form.validate_on_submit():
        if form.asked.errors:  # the first says it (a text that is no number gets two)
            flash(_("%(field)s: %(message)s", field=form.asked.label.text, message=form.asked.errors[0]), "error")
        return redirect(url_for("links.show", link_id=link.id), code=303)
    links.set_asked(link, form.asked.data)
    db.session.commit()
    flash(_("Antalet tillfrågade är sparat."), "success")
    return redirect(url_for("links.show", link_id=link.id), code=303)


@bp.post("/lankar/<int:link_id>/inaktivera")
@roles_required("officer")
def deactivate_link(link_id: int):
    link = link_or_404(link_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    links.deactivate_link(link)
    db.session.commit()
    flash(_("Länken är inaktiverad. Den tar inte emot fler svar."), "success")
    return redirect(url_for("links.show", link_id=link.id), code=303)


# --- single-use codes ------------------------------------------------------------------------


@bp.route("/lankar/<int:link_id>/koder", methods=["GET", "POST"])
@roles_required("officer")
def codes(link_id: int):
    link = link_or_404(link_id)
    if not link.requires_code:
        abort(404)
    form = CodesForm()
    if form.validate_on_submit():
        try:
            new_codes = links.create_access_codes(link, form.count.data)
        except ValueError as exc:
            db.session.rollback()
            apply_service_error(form, exc, SERVICE_FIELDS)
        else:
            db.session.commit()
            # Shown this once and never again: only the hashes are stored.
            return render_template("officer/codes_created.html", link=link, codes=new_codes,
                                   url=url_for("respond.intro", token=link.token, _external=True),
                                   names=questionnaire_names())
    return render_template("officer/codes.html", link=link, form=form, counts=links.code_counts(link),
                           names=questionnaire_names())


@bp.post("/lankar/<int:link_id>/koder.csv")
@roles_required("officer")
def codes_csv(link_id: int):
    """The batch just created as CSV: the page posts the codes back; only codes of this link are echoed, used or not (D5)."""
    link = link_or_404(link_id)
    if not link.requires_code or not ButtonForm().validate_on_submit():
        abort(404 if not link.requires_code else 400)
    valid = links.codes_of_link(link, request.form.getlist("code")[: links.MAX_CODES_PER_BATCH])
    url = url_for("respond.intro", token=link.token, _external=True)
    audit.record("codes.download", f"länk {link.id}", f"{len(valid)} engångskoder", forbund_id=link.forbund_id)
    db.session.commit()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["kod", "adress"])
    for code in valid:
        writer.writerow([code, url])
    return Response(
        out.getvalue().encode("utf-8-sig"),  # BOM: Excel opens the file as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="engangskoder-lank-{link.id}.csv"'},
    )
