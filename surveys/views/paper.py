"""Paper questionnaires: printable versions, entry by staff and officers, batch import."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import StringField
from wtforms.validators import Length, Optional

from indicators.catalogue import measurement_year

from .. import links, paper
from ..access import insats_or_404, link_or_404, roles_required, user_forbund, visible_insatser
from ..clock import today
from ..errors import ServiceError
from ..extensions import csrf, db
from ..form_numbers import FormNumberError, normalise_form_number, stored_form_numbers
from ..forms import new_submission_key, questionnaire_form_class
from ..forms_admin import TrimmedDateField
from ..instruments import instrument, questionnaires_about
from ..models import Response, SurveyLink
from ..qr import qr_svg_inline
from ..releases import closed_since, dated_in_closed_year
from ..responses import SubmissionError
from . import paper_double

bp = Blueprint("paper", __name__, url_prefix="/papper")

#: Paper entry is in Swedish: the staff member types what the paper says, whatever its language.
ENTRY_LANG = "sv"


class WithdrawForm(FlaskForm):
    """Only the CSRF token: the entry is named by the URL."""


def paper_form_class(inst, q):
    """The web questionnaire form plus the date written on the paper."""
    base = questionnaire_form_class(
        inst, q, ENTRY_LANG, requires_code=False, max_text=current_app.config["FREE_TEXT_MAX_LENGTH"]
    )
    date_field = TrimmedDateField(_l("Datum på formuläret"), validators=[Optional()], format="%Y-%m-%d")
    number_field = StringField(_l("Formulärnummer"), validators=[Optional(), Length(max=40)])
    return type(f"Paper{q.code}Form", (base,), {"submitted_on": date_field, "form_number": number_field})


def _form_number(form, forbund_id: int) -> tuple[bool, str | None]:
    """(ok, number): the typed form number normalised, or a field error when it is invalid or is
    already stored for the förbund (surveys.form_numbers)."""
    try:
        number = normalise_form_number(form.form_number.data)
    except FormNumberError as exc:
        form.form_number.errors = [*form.form_number.errors, str(exc.message)]
        return False, None
    if number and stored_form_numbers(forbund_id, [number], include_pending=True) and not _sent_again(
            forbund_id, number, form.submission_key.data):
        form.form_number.errors = [*form.form_number.errors, _(
            "Formulärnummer %(number)s finns redan sparat i förbundet. Kontrollera numret på papperet.", number=number)]
        return False, None
    return True, number


# --- overview ---------------------------------------------------------------------------------


@bp.get("/")
@roles_required("officer", "staff")
def index():
    forbund = user_forbund()
    insatser = visible_insatser()
    if current_user.role == "officer":
        links = db.session.scalars(
            select(SurveyLink).where(SurveyLink.forbund_id == forbund.id).order_by(SurveyLink.questionnaire, SurveyLink.id)
        ).all()
    else:
        ids = [i.id for i in insatser] or [-1]
        links = db.session.scalars(
            select(SurveyLink).where(SurveyLink.insats_id.in_(ids)).order_by(SurveyLink.questionnaire, SurveyLink.id)
        ).all()
    inst = instrument()
    return render_template(
        "paper/index.html",
        forbund=forbund,
        insatser=insatser,
        links=links,
        inst=inst,
        codes=paper.enterable_questionnaires(current_user),
        insats_codes=questionnaires_about("insats"),
        forbund_codes=questionnaires_about("forbund") if current_user.role == "officer" else (),
        entries=paper.own_paper_entries(current_user),
        year=measurement_year(today()),
    )


# --- printable questionnaires ---------------------------------------------------------------


def _print_language(q) -> str:
    lang = request.args.get("lang", "")
    lang = lang if lang in q.languages else q.languages[0]
    ui = current_app.config["UI_LANGUAGES"]
    g.respondent_lang = lang if lang in ui else "sv"
    return lang


@bp.get("/lank/<int:link_id>/utskrift")
@roles_required("officer", "staff")
def print_link(link_id: int):
    link = link_or_404(link_id)
    inst = instrument(link.instrument_version)
    q = inst.questionnaires[link.questionnaire]
    lang = _print_language(q)
    url = links.respondent_url(link)
    return render_template(
        "paper/print.html",
        inst=inst,
        q=q,
        lang=lang,
        language=inst.languages[lang],
        blocks=paper.item_blocks(inst, q, lang),
        forbund=link.forbund,
        insats=link.insats,
        link=link,
        url=url,
        qr=qr_svg_inline(url, q.name[lang]),
    )


@bp.get("/blankett/<code>")
@roles_required("officer")
def print_blank(code: str):
    forbund = user_forbund()
    inst = instrument()
    q = inst.questionnaires.get(code)
    if q is None:
        abort(404)
    lang = _print_language(q)
    return render_template(
        "paper/print.html",
        inst=inst,
        q=q,
        lang=lang,
        language=inst.languages[lang],
        blocks=paper.item_blocks(inst, q, lang),
        forbund=forbund,
        insats=None,
        link=None,
        url=None,
        qr=None,
    )


# --- entry ------------------------------------------------------------------------------------


@bp.route("/registrera/<code>/insats/<int:insats_id>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one keeps what was typed
@roles_required("officer", "staff")
def enter(code: str, insats_id: int):
    insats = insats_or_404(insats_id)
    if code not in questionnaires_about("insats"):
        abort(404)
    return _entry_page(code, insats=insats)


@bp.route("/registrera/<code>", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one keeps what was typed
@roles_required("officer")
def enter_forbund(code: str):
    user_forbund()
    if code not in questionnaires_about("forbund"):
        abort(404)
    return _entry_page(code)


@bp.route("/lank/<int:link_id>/registrera", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, so an expired one keeps what was typed
@roles_required("officer", "staff")
def enter_link(link_id: int):
    link = link_or_404(link_id)
    if link.questionnaire not in paper.enterable_questionnaires(current_user):
        abort(404)
    return _entry_page(link.questionnaire, link=link)


def _sent_again(forbund_id: int, number: str, key: str | None) -> bool:
    """The number belongs to the entry stored under this form's submission key: the same page sent
    again (a double click, a refresh), answered as a repeat instead of a taken number."""
    return bool(key) and db.session.scalar(select(Response.id).where(
        Response.forbund_id == forbund_id, Response.form_number == number, Response.submission_key == key)) is not None


def _entry_page(code: str, *, insats=None, link=None):
    inst = instrument(link.instrument_version if link else None)
    q = inst.questionnaires[code]
    form = paper_form_class(inst, q)()
    status = 200
    diff = None
    action = request.form.get("action", "save")
    if request.method == "POST" and action not in ("save", "first", "second"):
        # Only the page's own buttons send an action: anything else stores nothing.
        form.validate()
        form.form_errors.append(_("Formuläret skickades med en knapp som inte finns på sidan. Ingenting sparades. "
                                  "Välj en av knapparna under formuläret."))
        action, status = "invalid", 400
    elif request.method == "POST" and not form.validate() and "csrf_token" in form.errors:
        # The page was open longer than its token lives (or the user logged in again meanwhile):
        # nothing is stored, and what was typed in stays on the page with a fresh token.
        form.csrf_token.errors = []
        form.form_errors.append(_("Sidan hade varit öppen för länge, så ingenting sparades. Det du skrev in finns "
                                  "kvar – välj knappen igen."))
        status = 400
    elif request.method == "POST":
        if form.validate() and action == "first" and _form_number(form, current_user.forbund_id)[0]:
            paper_double.keep_first(request.path, paper_double.values_of(form))
            flash(_("Första inmatningen är sparad för kontroll, inte som svar. Nu skriver en kollega in samma formulär."), "success")
            return redirect(f"{request.path}?andra=1", code=303)
        if form.validate() and action == "second":
            first = paper_double.first_for(request.path)
            paper_double.forget()
            if first is None:
                form.form_errors.append(_("Det finns ingen första inmatning att jämföra med. Börja om med den första."))
                action = "save"
            else:
                diff = paper_double.differences(first, paper_double.values_of(form), form.free_text_fields)
        number_ok, number = _form_number(form, current_user.forbund_id) if form.validate() else (False, None)
        if number_ok and action != "first" and not diff and not form.form_errors:
            try:
                submitted_on = paper.parse_paper_date(form.submitted_on.data)
                response, created = paper.enter_paper_response(
                    user=current_user,
                    inst=inst,
                    q=q,
                    submission=form.submission(),
                    submission_key=form.submission_key.data or "",
                    submitted_on=submitted_on,
                    insats=insats or (link.insats if link else None),
                    link=link,
                )
                if created and number:
                    response.form_number = number
                    db.session.flush()  # the unique constraint catches a number stored meanwhile
                db.session.commit()
                if created:
                    flash(_("Pappersenkäten är sparad. Du kan skriva in nästa."), "success")
                    if dated_in_closed_year(submitted_on):
                        flash(_("Datumet %(date)s ligger i mätåret %(year)d, som slutade den 31 oktober %(year)d. "
                                "Ett avslutat mätår är slutligt: formuläret är sparat men räknas inte i resultaten.",
                                date=submitted_on.isoformat(), year=measurement_year(submitted_on)), "warning")
                else:
                    flash(_("Den här pappersenkäten var redan sparad; den sparades inte en gång till."), "success")
                return redirect(request.path, code=303)
            except IntegrityError:
                db.session.rollback()
                form.form_number.errors = [*form.form_number.errors, _(
                    "Formulärnummer %(number)s finns redan sparat i förbundet. Kontrollera numret på papperet.",
                    number=number)]
            except ValueError as exc:
                db.session.rollback()
                if isinstance(exc, SubmissionError):
                    for field_id, message in exc.errors.items():
                        message = str(message)  # a lazy gettext string: in the user's language
                        if field_id in form:
                            form[field_id].errors = list(form[field_id].errors) + [message]
                        else:
                            form.form_errors.append(message)
                else:
                    text = exc.text if isinstance(exc, ServiceError) else str(exc)
                    form.submitted_on.errors = list(form.submitted_on.errors) + [text]
        status = 200 if diff else 400
    if not form.submission_key.data:
        form.submission_key.data = new_submission_key()
    if not form.submitted_on.data and not form.submitted_on.raw_data:
        form.submitted_on.data = today()
    return render_template(
        "paper/enter.html", form=form, q=q, lang=ENTRY_LANG, insats=insats or (link.insats if link else None),
        link=link, forbund=user_forbund(), diff=diff, closed_since=format_date(closed_since(), "long"),
        second_entry=request.method == "GET" and bool(request.args.get("andra"))
        and paper_double.first_for(request.path) is not None,
    ), status


@bp.post("/svar/<response_id>/aterkalla")
@roles_required("officer", "staff")
def withdraw(response_id: str):
    user_forbund()
    response = paper.own_entry_or_none(current_user, response_id)
    if response is None:
        abort(404)
    form = WithdrawForm()
    if not form.validate():
        abort(400)
    if paper.withdraw_entry(current_user, response):
        db.session.commit()
        flash(_("Pappersenkäten är återkallad och räknas inte längre med i resultaten."), "success")
    else:
        db.session.rollback()
        flash(_("Pappersenkäten var redan återkallad."), "info")
    return redirect(url_for("paper.index"), code=303)
