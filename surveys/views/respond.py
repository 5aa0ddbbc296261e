"""The public respondent side: /s/<token> -> intro -> questionnaire -> thank-you."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy.exc import OperationalError

from .. import link_cache, respondent_language
from ..clock import today
from ..extensions import csrf, db, limiter
from ..forms import new_submission_key, questionnaire_form_class
from ..instruments import instrument
from ..link_cache import LinkView, read_link, shown_link
from ..models import SurveyLink
from ..questionnaire_page import cached_page, hidden_inputs, page_key, questionnaire_body
from ..responses import SUBMISSION_KEY, LinkChanged, SubmissionError, repeat_of, store_response

bp = Blueprint("respond", __name__, url_prefix="/s")


def _token_limit() -> str:
    return current_app.config["RATELIMIT_TOKEN_LOOKUP"]


def _answer_limit() -> str:
    return current_app.config["RATELIMIT_ANSWER"]


#: One budget for every page that looks up a token, so guessing cannot spread over several routes.
token_lookup_limit = limiter.shared_limit(_token_limit, scope="token-lookup", methods=["GET"])


def load_link(token: str) -> LinkView:
    """Return the link for a token as it is now, or 404; the same page for every unknown token."""
    if not token or len(token) > 64:
        abort(404)
    link = read_link(token)
    if link is None:
        abort(404)
    return link


@bp.before_request
def provisional_language():
    """Until the questionnaire is known (an unknown token gives a 404), any respondent language."""
    respondent_language.apply(respondent_language.pick(respondent_language.respondent_languages()))


@bp.after_request
def vary_on_language(response):
    response.vary.add("Accept-Language")
    return response


def choose_language(q) -> str:
    """?lang=, else the browser's language among those the questionnaire is offered in."""
    return respondent_language.apply(respondent_language.pick(q.languages))


#: Plain headings for the respondent pages, by questionnaire; the group names ("Deltagare
#: pågående") are the staff's words. A questionnaire without one here shows its name.
HEADINGS = {
    "DP": _l("Enkät för dig som deltar i %(name)s"),
    "DA": _l("Enkät för dig som har deltagit i %(name)s"),
    "PE": _l("Enkät för dig som arbetar i %(name)s"),
    "CH": _l("Enkät för dig som är chef hos en av medlemmarna i %(name)s"),
    "ST": _l("Enkät för dig som sitter i styrelsen för %(name)s"),
}


def heading(link: SurveyLink | LinkView, q, lang: str) -> str:
    text = HEADINGS.get(q.code)
    if text is None:
        return q.name[lang]
    name = link.insats.name if link.insats and q.about == "insats" else link.forbund.name
    return str(text) % {"name": name}


def context(link: SurveyLink | LinkView, lang: str) -> dict:
    inst = instrument(link.instrument_version)
    q = inst.questionnaires[link.questionnaire]
    return {
        "link": link,
        "instrument": inst,
        "q": q,
        "lang": lang,
        "language": inst.languages[lang],
        "languages": [inst.languages[code] for code in q.languages],
        "heading": heading(link, q, lang),
    }


def closed_page(link: SurveyLink | LinkView, lang: str):
    state = "not_open" if link.active and today() < link.opens_on else "closed"
    return render_template("respond/closed.html", state=state, **context(link, lang)), 410 if state == "closed" else 403


@bp.get("/<token>")
@token_lookup_limit
def intro(token: str):
    link = shown_link(token, load_link)
    q = instrument(link.instrument_version).questionnaires[link.questionnaire]
    lang = choose_language(q)
    if not link.is_open(today()):
        return closed_page(link, lang)
    return render_template("respond/intro.html", **context(link, lang))


@bp.route("/<token>/svar", methods=["GET", "POST"])
@csrf.exempt  # the form validates its own token, so an expired one keeps the answers
@token_lookup_limit
@limiter.limit(_answer_limit, methods=["POST"])
def answer(token: str):
    # The link as read a moment ago (surveys.link_cache). Storing an answer checks it again in the
    # insert itself; if it was closed or changed meanwhile, the answer is handled again with the
    # link read afresh.
    try:
        return _answer(token, shown_link(token, load_link), recheck=True)
    except LinkChanged:
        db.session.rollback()
        link_cache.clear()
        return _answer(token, load_link(token), recheck=False)


def _answer(token: str, link: LinkView, *, recheck: bool):
    inst = instrument(link.instrument_version)
    q = inst.questionnaires[link.questionnaire]
    lang = choose_language(q)
    max_text = current_app.config["FREE_TEXT_MAX_LENGTH"]
    form_cls = questionnaire_form_class(inst, q, lang, requires_code=link.requires_code, max_text=max_text)
    if not link.is_open(today()):
        if request.method == "POST" and _received_before(link, q, form_cls):
            # Sent again after the link closed (a refresh, a retry): it was stored when sent.
            return redirect(url_for("respond.thanks", token=token, lang=lang), code=303)
        return closed_page(link, lang)
    if request.method == "GET":
        # The questions are the same for every respondent: reuse them, add only this request's fields.
        hidden = hidden_inputs(generate_csrf(), new_submission_key(), lang)

        def render(slot):
            body = questionnaire_body(inst, q, lang, form_cls, requires_code=link.requires_code, max_text=max_text)
            return render_questionnaire(link, lang, None, slot, body, 200)[0]

        if current_user.is_authenticated or session.get("_flashes"):
            return render(hidden), 200  # a page that shows more than the questionnaire
        return cached_page(page_key(inst, q, lang, link, max_text), inst, hidden, render), 200
    # The common case (a plainly valid form) is read without building the form; anything else,
    # and any refusal, goes through the full form and its messages.
    plain = None if request.files else form_cls.plain_submission(request.form)
    if plain is not None:
        submission, key = plain
        try:
            return _store(link, q, submission, key, None, lang, token, max_text, recheck)
        except SubmissionError as exc:
            db.session.rollback()
            form = form_cls()
            form.validate()  # passes: the answers are shown again with the refusal below
            status = _show_refusal(form, exc)
    else:
        form = form_cls()
        status = 200
        unknown = sorted(set(request.form) - form.expected_fields())
        if unknown:
            form.form_errors.append(_("Formuläret innehöll fält som inte hör till enkäten: %(fields)s.", fields=", ".join(unknown[:5])))
            status = 400
        elif form.validate():
            try:
                code = form.code.data if link.requires_code else None
                return _store(link, q, form.submission(), form.submission_key.data or "", code, lang, token, max_text,
                              recheck)
            except SubmissionError as exc:
                db.session.rollback()
                status = _show_refusal(form, exc)
        else:
            if "csrf_token" in form.errors:
                # Expired session: keep every answer, issue a fresh token, ask to send again.
                form.form_errors.append(_("Din session hade gått ut. Dina svar finns kvar – skicka formuläret igen."))
                form.csrf_token.errors = []
            if any(name != "csrf_token" for name in form.errors if name):
                status = 400  # a value the form cannot produce: tampered or broken input
    if not form.submission_key.data:
        form.submission_key.data = new_submission_key()
    # Answers shown again (with their errors): the whole form is rendered for this request.
    hidden = Markup("\n  ").join([form.csrf_token(), form.submission_key(), form.lang(value=lang)])
    body = Markup(render_template("respond/_questionnaire_body.html", form=form))
    return render_questionnaire(link, lang, form, hidden, body, status)


def _received_before(link: LinkView, q, form_cls) -> bool:
    """Whether this POST repeats a submission stored under its key with the same answers."""
    key = request.form.get("submission_key", "")
    if not SUBMISSION_KEY.match(key):
        return False
    try:
        form = form_cls(meta={"csrf": False})
        if not form.validate():
            return False
        submission = form.submission()
        return repeat_of(key, q, submission, link) is not None
    except SubmissionError:
        return False  # the same key with other answers: not what was received


class DatabaseUnavailable(SubmissionError):
    """The answers could not be stored because the database did not answer (restarting,
    connection lost, locked too long): shown again with a message, status 503."""


def _store(link: LinkView, q, submission, key: str, code: str | None, lang: str, token: str, max_text: int,
           recheck: bool):
    """Store the response, commit, and send the respondent to the thank-you page.

    A dropped database connection is tried once more on a fresh one (the submission key makes a
    second attempt store the answer once at most); if the database still does not answer, the
    answers are shown again with a message instead of an error page."""
    for attempt in (1, 2):
        try:
            store_response(
                forbund_id=link.forbund_id,
                insats_id=link.insats_id,
                link=link,
                questionnaire=q,
                instrument_version=link.instrument_version,
                submission=submission,
                submission_key=key,
                submitted_on=today(),
                max_text=max_text,
                access_code=code,
                recheck_link=recheck,
            )
            db.session.commit()
            return redirect(url_for("respond.thanks", token=token, lang=lang), code=303)
        except OperationalError as exc:
            db.session.rollback()
            current_app.logger.warning("database unavailable while storing an answer (attempt %d)", attempt)
            if not exc.connection_invalidated:
                break  # not a dropped connection (e.g. SQLite locked too long): trying again would not help
    raise DatabaseUnavailable({"form": _l("Svaren kunde inte sparas just nu eftersom tjänsten inte svarar. "
                                          "Dina svar finns kvar. Vänta en stund och skicka igen.")})


def _show_refusal(form, exc: SubmissionError) -> int:
    """Put a refused submission's messages on the form; return the page's status."""
    for field_id, message in exc.errors.items():
        field_id = "form" if field_id == "received" else field_id
        message = str(message)  # a lazy gettext string: in the respondent's language
        if field_id in form:
            form[field_id].errors = list(form[field_id].errors) + [message]
        else:
            form.form_errors.append(message)
    if isinstance(exc, DatabaseUnavailable):
        return 503
    return 400 if _is_tampered(exc, form) else 409 if "received" in exc.errors else 200


def render_questionnaire(link: SurveyLink | LinkView, lang: str, form, hidden: Markup, body: Markup, status: int):
    has_errors = form is not None and bool(form.errors or form.form_errors)
    page = render_template(
        "respond/questionnaire.html", form=form, has_errors=has_errors, hidden_fields=hidden, body=body,
        **context(link, lang),
    )
    return page, status


def _is_tampered(exc: SubmissionError, form) -> bool:
    return any(key not in ("form", "code", "received") for key in exc.errors)


@bp.get("/<token>/tack")
@token_lookup_limit
def thanks(token: str):
    link = shown_link(token, load_link)
    q = instrument(link.instrument_version).questionnaires[link.questionnaire]
    lang = choose_language(q)
    return render_template("respond/thanks.html", **context(link, lang))
