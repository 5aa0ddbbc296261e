"""Batch import of paper questionnaires (routes on the ``paper`` blueprint) and the XLSX templates."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from .. import import_jobs, jobs
from ..access import roles_required, user_forbund
from ..extensions import db
from ..import_store import import_warnings, run_import, summary_text
from ..import_template import template_xlsx
from ..imports import ImportRejected, check_header
from ..instruments import instrument
from .paper import bp

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ImportForm(FlaskForm):
    file = FileField(_l("Fil med svar (Excel eller CSV)"), validators=[FileRequired(_l("Välj en fil att importera."))])


@bp.route("/import", methods=["GET", "POST"])
@roles_required("officer")
def import_file():
    forbund = user_forbund()
    form = ImportForm()
    rejection = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read()
        filename = upload.filename or ""
        try:
            if import_jobs.is_large(data, filename):
                check_header(data, instrument(), filename)  # a wrong file is refused at once, not queued
                return _start_job(forbund, data, filename, form)
            result = run_import(forbund.id, current_user.id, data, filename)
        except ImportRejected as exc:
            rejection = exc
            status = 400
        else:
            flash(summary_text(result), "success")
            for warning in import_warnings(result):
                flash(warning, "warning")
            return redirect(url_for("paper.import_file"), code=303)
    elif request.method == "POST":
        status = 400
    inst = instrument()
    return render_template(
        "paper/import.html", form=form, rejection=rejection, forbund=forbund, inst=inst
    ), status


def _start_job(forbund, data: bytes, filename: str, form):
    try:
        job = import_jobs.start_import_job(forbund.id, current_user.id, data, filename, str(get_locale() or "sv"))
    except jobs.JobLimitError as exc:
        db.session.rollback()
        limit = _l("Förbundet har redan %(limit)d jobb som väntar eller pågår. Vänta tills något av dem är klart och "
                   "importera filen igen.", limit=exc.limit)
        return render_template("paper/import.html", form=form, rejection=None, limit_error=limit, forbund=forbund,
                               inst=instrument()), 409
    db.session.commit()
    jobs.enqueue(job)
    return redirect(url_for("paper.import_job", job_id=job.id), code=303)


def _own_import_job(job_id: str):
    job = jobs.get_job(job_id)
    if job is None or job.kind != import_jobs.KIND or job.forbund_id != current_user.forbund_id:
        abort(404)
    return job


@bp.route("/import/jobb/<job_id>")
@roles_required("officer")
def import_job(job_id: str):
    job = _own_import_job(job_id)
    db.session.commit()  # a job found stale has just been marked failed
    outcome = import_jobs.outcome(job) if job.status == "done" else {}
    result = outcome.get("result")
    html = render_template(
        "paper/import_job.html", job=job, forbund=user_forbund(), result=result,
        summary=summary_text(result) if result else None, warnings=import_warnings(result) if result else [],
        problems=outcome.get("rejected"), more=outcome.get("more", 0),
    )
    response = Response(html)
    if job.status in ("queued", "running"):
        response.headers["Refresh"] = "2"
    return response


@bp.route("/import/mall/<code>.xlsx")
@roles_required("officer")
def import_template(code: str):
    forbund = user_forbund()
    inst = instrument()
    q = inst.questionnaires.get(code.upper())
    if q is None:
        abort(404)
    data = template_xlsx(inst, q, forbund)
    return Response(
        data,
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="importmall-{q.code}.xlsx"'},
    )
