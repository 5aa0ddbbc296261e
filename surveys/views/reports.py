"""Report downloads: the appendix PDF, XLSX, CSV, chart ZIP, and every chart with its text alternative.

Officers for their förbund (or one of its insatser); staff for their own insatser. Building the
files is a job on the task queue (``surveys.jobs``): the job page says the report is being prepared
and reloads itself until the job has ended; the report page lists the förbund's jobs.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from indicators.catalogue import measurement_year
from indicators.chart_style import FORMATS, render
from indicators.report_data import chart_by_name, chart_names, group_name

from .. import jobs
from ..access import roles_required, user_forbund, visible_insatser
from ..audit import record
from ..clock import today
from ..extensions import db
from ..instruments import instrument
from ..job_models import Job
from ..reports import ReportOptions, report_options, report_tr, result_set, start_report_job
from ..results import available_years

bp = Blueprint("reports", __name__, url_prefix="/rapport")

REFERENCES = {
    "computed": _l("Beräknat riket (alla förbund i installationen)"),
    "imported": _l("Importerade riksvärden"),
    "none": _l("Ingen jämförelse"),
}
FORMAT_NAMES = {
    "png300": _l("PNG 300 dpi för tryck"),
    "png": _l("PNG för skärm"),
    "svg": _l("SVG"),
    "pdf": _l("PDF"),
}
REFERENCE_CHOICES = [SelectChoice(k, v) for k, v in REFERENCES.items()]
FORMAT_CHOICES = [SelectChoice(k, v) for k, v in FORMAT_NAMES.items()]


class ReportForm(FlaskForm):
    year = SelectField(_l("Mätår"), coerce=int)
    scope = SelectField(_l("Enhet"))
    reference = RadioField(_l("Jämför med"), choices=REFERENCE_CHOICES, default="computed")
    chart_format = RadioField(_l("Format för diagrammen i zip-filen"), choices=FORMAT_CHOICES, default="png300")
    free_text = BooleanField(_l("Ta med fritextsvar (aldrig för grupper under rapporteringsgränsen)"))


class ChartsForm(FlaskForm):
    """Which charts to look at. GET form: no CSRF (it changes nothing)."""

    class Meta:
        csrf = False

    year = SelectField(_l("Mätår"), coerce=int)
    scope = SelectField(_l("Enhet"))
    reference = RadioField(_l("Jämför med"), choices=REFERENCE_CHOICES, default="computed")


def _lang() -> str:
    return current_user.language if current_user.language in ("sv", "en") else "sv"


def _years(forbund) -> list[int]:
    years = set(available_years(forbund.id)) | {measurement_year(today())}
    return sorted(years, reverse=True)


def _fill_choices(form, forbund) -> None:
    form.year.choices = [SelectChoice(y, str(y)) for y in _years(forbund)]
    scopes = [] if current_user.role == "staff" else [SelectChoice("forbund", _("Hela förbundet"))]
    form.scope.choices = scopes + [SelectChoice(str(i.id), i.name) for i in visible_insatser()]
    if not form.scope.choices:
        abort(404)
    if not form.scope.data or form.scope.data == "None":
        form.scope.data = form.scope.choices[0].value
    if form.year.data not in {c.value for c in form.year.choices}:
        # Not given, or not one offered: the latest year with answers (a new measurement year has
        # none yet); else the current one.
        form.year.data = max(available_years(forbund.id), default=form.year.choices[0].value)


def _insats_id(scope: str) -> int | None:
    """The insats of a scope value; 404 outside the user's scope (never a form error)."""
    if scope == "forbund" and current_user.role == "officer":
        return None
    for insats in visible_insatser():
        if str(insats.id) == scope:
            return insats.id
    abort(404)


def _options_from_args() -> ReportOptions:
    forbund = user_forbund()
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        abort(404)
    if year not in _years(forbund):
        abort(404)
    reference = request.args.get("reference", "computed")
    if reference not in REFERENCES:
        abort(404)
    return ReportOptions(year=year, reference=reference, insats_id=_insats_id(request.args.get("scope", "forbund")),
                         lang=_lang())


def _visible_jobs(forbund) -> list[Job]:
    insats_ids = {i.id for i in visible_insatser()} if current_user.role == "staff" else None
    return jobs.list_jobs(forbund.id, kind="report", insats_ids=insats_ids)


def _limit_message() -> str:
    return _("Förbundet har redan %(limit)d rapporter som väntar eller skapas. Vänta tills någon av dem är "
             "klar och försök sedan igen; gränsen finns för att rapporterna ska bli klara snabbt för alla.",
             limit=current_app.config["JOB_LIMIT_PER_FORBUND"])


def _start(forbund, options: ReportOptions, detail: str):
    """Queue a report job and go to its page; None (and nothing changed) at the förbund's limit."""
    try:
        job = start_report_job(forbund, options, current_user.id)
    except jobs.JobLimitError:
        db.session.rollback()
        return None
    except jobs.JobAlreadyQueued as same:
        db.session.rollback()
        flash(_("Samma rapport skapas redan; här är den."), "info")
        return redirect(url_for(".job", job_id=same.job.id), code=303)
    record("report.create", target=f"{options.year}", detail=detail)
    db.session.commit()
    jobs.enqueue(job)
    return redirect(url_for(".job", job_id=job.id), code=303)


@bp.route("/", methods=["GET", "POST"])
@roles_required("officer", "staff")
def index():
    forbund = user_forbund()
    form = ReportForm()
    _fill_choices(form, forbund)
    if form.validate_on_submit():
        options = ReportOptions(year=form.year.data, reference=form.reference.data,
                                include_free_text=form.free_text.data, chart_format=form.chart_format.data,
                                insats_id=_insats_id(form.scope.data), lang=_lang())
        started = _start(forbund, options, f"scope={form.scope.data} reference={options.reference} "
                                           f"free_text={options.include_free_text} format={options.chart_format}")
        if started is not None:
            return started
        form.form_errors.append(_limit_message())
    return render_template("reports/index.html", form=form, forbund=forbund, demo=forbund.is_demo,
                           jobs=_visible_jobs(forbund), scope_names=_scope_names(), job_options=report_options,
                           expiry_days=int(current_app.config["JOB_EXPIRY_DAYS"]),
                           job_limit=int(current_app.config["JOB_LIMIT_PER_FORBUND"]))


def _scope_names() -> dict:
    return {i.id: i.name for i in visible_insatser()}


def _own_job(job_id: str) -> Job:
    """A report job of the current user's förbund (staff: their own insatser); 404 otherwise."""
    job = jobs.get_job(job_id)
    if job is None or job.kind != "report" or job.forbund_id != current_user.forbund_id:
        abort(404)
    if current_user.role == "staff" and (job.insats_id is None or job.insats_id not in _scope_names()):
        abort(404)
    return job


@bp.route("/jobb/<job_id>")
@roles_required("officer", "staff")
def job(job_id: str):
    job = _own_job(job_id)
    db.session.commit()  # a job found stale has just been marked failed
    forbund = user_forbund()
    response = Response(render_template("reports/job.html", job=job, options=report_options(job), forbund=forbund,
                                        demo=forbund.is_demo, format_names=FORMAT_NAMES,
                                        scope_names=_scope_names(), limit_error=None))
    if job.status in ("queued", "running"):
        response.headers["Refresh"] = "2"  # also in a <meta>; either keeps the page waiting until the job ends
    return response


@bp.post("/jobb/<job_id>/igen")
@roles_required("officer", "staff")
def job_again(job_id: str):
    """Start a failed job again with the same options (a form with CSRF on the job page)."""
    job = _own_job(job_id)
    db.session.commit()
    if not FlaskForm().validate_on_submit():
        abort(400)
    if job.status != "failed":
        return redirect(url_for(".job", job_id=job.id), code=303)
    options = report_options(job)
    started = _start(user_forbund(), options, f"again={job.id[:8]} reference={options.reference}")
    if started is not None:
        return started
    forbund = user_forbund()
    return render_template("reports/job.html", job=job, options=options, forbund=forbund, demo=forbund.is_demo,
                           format_names=FORMAT_NAMES, scope_names=_scope_names(), limit_error=_limit_message())


@bp.route("/jobb/<job_id>/<name>")
@roles_required("officer", "staff")
def job_download(job_id: str, name: str):
    job = _own_job(job_id)
    stored = jobs.job_file(job, name)
    if stored is None:
        abort(404)
    record("report.download", target=name, detail=f"job={job_id[:8]}")
    db.session.commit()
    response = Response(stored.data, mimetype=stored.mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stored.name}"'
    return response


@bp.route("/diagram")
@roles_required("officer", "staff")
def charts():
    forbund = user_forbund()
    form = ChartsForm(formdata=request.args)
    _fill_choices(form, forbund)
    if form.reference.data not in REFERENCES:
        form.reference.data = "computed"
    options = ReportOptions(year=form.year.data, reference=form.reference.data,
                            insats_id=_insats_id(form.scope.data), lang=_lang())
    rs = result_set(forbund, options, cache=True)
    inst = instrument(rs.instrument_version)
    wanted = request.args.get("group", "")
    figures = []
    for name, group in chart_names(rs, options.year):
        if wanted and group != wanted:
            continue
        figures.append((name, group, chart_by_name(rs, inst, options.year, name, lang=report_tr(options.lang))))
    groups = [(g, group_name(inst, g, options.lang)) for g in rs.groups]
    args = {"year": options.year, "scope": form.scope.data, "reference": options.reference}
    return render_template("reports/charts.html", form=form, figures=figures, groups=groups, wanted=wanted,
                           args=args, forbund=forbund, demo=rs.is_demo, formats=FORMAT_NAMES.items(),
                           group_names=dict(groups))


@bp.route("/diagram/<name>.<fmt>")
@roles_required("officer", "staff")
def chart_file(name: str, fmt: str):
    if fmt not in FORMATS:
        abort(404)
    forbund = user_forbund()
    options = _options_from_args()
    rs = result_set(forbund, options, cache=True)
    chart = chart_by_name(rs, instrument(rs.instrument_version), options.year, name, lang=report_tr(options.lang))
    if chart is None:
        abort(404)
    data = render(chart, fmt)
    ext, _dpi, mimetype = FORMATS[fmt]
    download = request.args.get("download") == "1"
    if download:
        record("report.chart", target=f"{name}.{fmt}", detail=f"year={options.year} reference={options.reference}")
        db.session.commit()
    suffix = "-300dpi" if fmt == "png300" else ""
    response = Response(data, mimetype=mimetype)
    disposition = "attachment" if download else "inline"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}{suffix}.{ext}"'
    return response
