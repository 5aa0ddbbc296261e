"""Results pages: indicator overview and per-question tables, free text, and I15/I16 entry.

Officers see their whole förbund or one insats; staff see only their own insatser (anything
else is 404). The choice form is a GET form: choosing what to look at changes nothing.
Free text: officers for the förbund or an insats, staff for their own insatser, and only for
a group whose response count for that year and unit is at or above the threshold.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_decimal, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from indicators.catalogue import GROUP_CODES, measurement_year
from indicators.disclosure import subgroups_shown
from indicators.results import CENSUS_GROUPS, SUPPORT_CATEGORIES, SUPPORT_PHASES, Economic
from indicators.summary import summary

from .. import audit
from ..access import roles_required, user_forbund, visible_insatser
from ..breakdowns import breakdown_labels
from ..clock import today
from ..extensions import db
from ..instruments import instrument
from ..local_indicators import CATEGORY_LABELS, PHASE_LABELS, load_local, save_local
from ..reports import report_tr
from ..results import ResultRequest, available_years, build_result_set, free_texts

bp = Blueprint("results", __name__, url_prefix="/resultat")

REFERENCE_CHOICES = [
    SelectChoice("computed", _l("Beräknat riket (alla förbund i installationen)")),
    SelectChoice("imported", _l("Importerade riksvärden")),
    SelectChoice("none", _l("Ingen jämförelse")),
]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ResultsFilterForm(FlaskForm):
    """What to show. GET form: no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    year = MultiCheckboxField(_l("Mätår"), coerce=int)
    group = SelectField(_l("Svarsgrupp"))
    scope = SelectField(_l("Enhet"))
    reference = RadioField(_l("Jämför med"), choices=REFERENCE_CHOICES, default="computed")


def _scope_choices(forbund, insatser):
    choices = [] if current_user.role == "staff" else [SelectChoice("forbund", _("Hela förbundet"))]
    return choices + [SelectChoice(str(i.id), i.name) for i in insatser]


def _chosen_insats(scope: str, insatser):
    """The insats of a ``scope`` value; 404 outside the user's scope (never a form error)."""
    if scope == "forbund":
        if current_user.role == "staff":
            abort(404)
        return None
    for insats in insatser:
        if str(insats.id) == scope:
            return insats
    abort(404)


def _localized(texts: dict) -> str:
    return texts.get(str(get_locale() or "sv")) or texts["sv"]


def _filter_form(forbund, insatser, years):
    inst = instrument()
    form = ResultsFilterForm(formdata=request.args)
    form.year.choices = [SelectChoice(y, str(y)) for y in years]
    form.group.choices = [SelectChoice("", _("Alla grupper"))] + [
        SelectChoice(c, f"{c} – {_localized(inst.questionnaires[c].name)}") for c in GROUP_CODES]
    form.scope.choices = _scope_choices(forbund, insatser)
    if not form.scope.data or form.scope.data == "None":
        form.scope.data = form.scope.choices[0].value
    if not form.reference.data:
        form.reference.data = "computed"
    chosen = [y for y in (form.year.data or []) if y in years]
    form.year.data = chosen or years[:1]
    return form


def _years(forbund, insatser):
    ids = None if current_user.role == "officer" else [i.id for i in insatser]
    years = available_years(forbund.id, ids)
    current = measurement_year(today())
    return sorted(set(years) | {current}, reverse=True) if not years else sorted(years, reverse=True)


def _overview_charts(result, year, lang: str) -> dict:
    """The indicator overview of each shown group for ``year`` as inline SVG (glyphs as paths),
    drawn from the page's own result set (no second scoring)."""
    import re

    from markupsafe import Markup

    from indicators.chart_style import render
    from indicators.report_data import overview_chart

    if year is None:
        return {}
    tr = report_tr(lang if lang in ("sv", "en") else "sv")
    inst = instrument(result.instrument_version)
    out = {}
    for group in result.groups:
        if not result.indicators_for(group, year) or result.response_count(group, year) is None:
            continue
        chart = overview_chart(result, inst, year, group, lang=tr)
        svg = render(chart, "svg").decode("utf-8")
        svg = svg[svg.index("<svg"):]  # inline: no XML declaration or doctype
        svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1class="chart-svg" aria-hidden="true" focusable="false"', svg, count=1)
        out[group] = {"alt": chart.alt, "description": chart.description, "svg": Markup(svg)}
    return out


@bp.app_template_filter("dec")
def decimal_filter(value, digits: int = 1):
    """Format a number with the locale's decimal sign and ``digits`` decimals."""
    if value is None:
        return "–"
    return format_decimal(value, format="#,##0." + "0" * digits if digits else "#,##0")


@bp.app_template_filter("pval")
def p_value_filter(value):
    if value is None:
        return "–"
    if value < 0.001:
        return "< " + format_decimal(0.001, format="0.000")
    return format_decimal(value, format="0.000")


@bp.app_template_filter("pct")
def percent_filter(value):
    return "–" if value is None else format_decimal(value * 100, format="0") + " %"


@bp.get("/")
@roles_required("officer", "staff")
def index():
    forbund = user_forbund()
    insatser = visible_insatser()
    if current_user.role == "staff" and not insatser:
        return render_template("results/no_insats.html", forbund=forbund, demo=forbund.is_demo)
    years = _years(forbund, insatser)
    form = _filter_form(forbund, insatser, years)
    insats = _chosen_insats(form.scope.data, insatser)
    if form.reference.data not in {c.value for c in REFERENCE_CHOICES}:
        abort(400)
    if form.group.data and form.group.data not in GROUP_CODES:
        abort(400)
    groups = (form.group.data,) if form.group.data else GROUP_CODES
    result = build_result_set(ResultRequest(forbund=forbund, years=tuple(form.year.data), groups=groups,
                                            insats=insats, reference=form.reference.data))
    lang = str(get_locale() or "sv")
    summary_year = max(result.years) if result.years else None
    summary_text = (summary(result, instrument(result.instrument_version), summary_year,
                            lang=report_tr(lang if lang in ("sv", "en") else "sv")) if summary_year else [])
    return render_template("results/index.html", form=form, result=result, forbund=forbund,
                           summary_year=summary_year, summary_text=summary_text,
                           overview_charts=_overview_charts(result, summary_year, lang),
                           demo=forbund.is_demo, lang=lang, category_labels=CATEGORY_LABELS,
                           group_names={c: q.name for c, q in instrument().questionnaires.items()},
                           phase_labels=PHASE_LABELS, categories=SUPPORT_CATEGORIES, phases=SUPPORT_PHASES,
                           census_groups=CENSUS_GROUPS,
                           breakdown_labels=breakdown_labels(instrument(), str(get_locale() or "sv")),
                           free_text_args=_free_text_args(form))


def _free_text_args(form) -> dict:
    return {"year": max(form.year.data), "scope": form.scope.data}


class FreeTextFilterForm(FlaskForm):
    class Meta:
        csrf = False

    year = SelectField(_l("Mätår"), coerce=int)
    scope = SelectField(_l("Enhet"))


@bp.get("/fritext")
@roles_required("officer", "staff")
def free_text():
    forbund = user_forbund()
    insatser = visible_insatser()
    if current_user.role == "staff" and not insatser:
        abort(404)
    years = _years(forbund, insatser)
    form = FreeTextFilterForm(formdata=request.args)
    form.year.choices = [SelectChoice(y, str(y)) for y in years]
    form.scope.choices = _scope_choices(forbund, insatser)
    if form.year.data not in years:
        form.year.data = years[0]
    if not form.scope.data or form.scope.data == "None":
        form.scope.data = form.scope.choices[0].value
    insats = _chosen_insats(form.scope.data, insatser)
    inst = instrument()
    sections = []
    for code, q in inst.questionnaires.items():
        if not q.free_text or (insats is not None and q.about != "insats"):
            continue
        texts = free_texts(forbund, insats, form.year.data, code)
        questions = [(ft, [t for qid, t in texts if qid == ft.id] if texts is not None else None) for ft in q.free_text]
        sections.append((code, q, texts is not None, questions))
    shown = sum(len(texts or ()) for _c, _q, ok, qs in sections for _ft, texts in qs if ok)
    audit.record("free_text.view", f"fritext {form.year.data}",
                 f"enhet={insats.name if insats else 'förbundet'} svar={shown}", forbund_id=forbund.id)
    db.session.commit()
    return render_template("results/free_text.html", form=form, forbund=forbund, insats=insats,
                           sections=sections, demo=forbund.is_demo,
                           final=subgroups_shown(form.year.data, measurement_year(today())),
                           threshold=current_app.config["REPORTING_THRESHOLD"])


# --- I15 / I16 ----------------------------------------------------------------------------------


def _count_check(form, field):
    text = (field.data or "").strip()
    if text and (not text.isdigit() or int(text) > 1_000_000):
        raise ValidationError(_("Ange ett heltal, 0 eller större."))


class LocalIndicatorsForm(FlaskForm):
    """I15 counts per phase and category (blank = not entered) and the I16 value."""

    economic_value = StringField(_l("I16: värde"), validators=[Optional(), Length(max=200)])
    economic_method = TextAreaField(_l("I16: metod"), validators=[Optional(), Length(max=4000)])
    economic_source = TextAreaField(_l("I16: källa"), validators=[Optional(), Length(max=4000)])


for _phase in SUPPORT_PHASES:
    for _category in SUPPORT_CATEGORIES:
        setattr(LocalIndicatorsForm, f"{_phase}_{_category}", StringField(
            CATEGORY_LABELS[_category], validators=[Optional(), _count_check], filters=[lambda x: x.strip() if x else x]))


def local_field_label(phase: str, category: str) -> str:
    return f"{CATEGORY_LABELS[category]} ({str(PHASE_LABELS[phase]).lower()})"


@bp.route("/lokala", methods=["GET", "POST"])
@roles_required("officer")
def local():
    forbund = user_forbund()
    try:
        year = int(request.values.get("year", measurement_year(today())))
    except ValueError:
        abort(400)
    if not 2000 <= year <= 2200:
        abort(404)
    existing = load_local(forbund.id, [year])[0]
    form = LocalIndicatorsForm()
    for phase in SUPPORT_PHASES:
        for category in SUPPORT_CATEGORIES:
            field = form[f"{phase}_{category}"]
            field.label.text = local_field_label(phase, category)
            if request.method == "GET":
                value = existing.support_counts.get(phase, {}).get(category)
                field.data = "" if value is None else str(value)
    if request.method == "GET" and existing.economic:
        form.economic_value.data, form.economic_method.data, form.economic_source.data = existing.economic
    if form.validate_on_submit():
        counts = {p: {c: form[f"{p}_{c}"].data or None for c in SUPPORT_CATEGORIES} for p in SUPPORT_PHASES}
        economic = Economic(form.economic_value.data or "", form.economic_method.data or "",
                            form.economic_source.data or "")
        try:
            save_local(forbund, year, counts, economic)
        except ValueError as exc:
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("Uppgifterna för I15 och I16 %(year)s är sparade.", year=year), "success")
            return redirect(url_for("results.local", year=year))
    return render_template("results/local.html", form=form, forbund=forbund, year=year, demo=forbund.is_demo,
                           phases=SUPPORT_PHASES, categories=SUPPORT_CATEGORIES, phase_labels=PHASE_LABELS)
