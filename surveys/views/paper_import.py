"""Batch import of paper questionnaires (routes on the ``paper`` blueprint) and the XLSX templates."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired

from ..access import roles_required, user_forbund
from ..import_store import duplicate_warning, run_import, summary_text
from ..import_template import template_xlsx
from ..imports import ImportRejected
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
            result = run_import(forbund.id, current_user.id, data, filename)
        except ImportRejected as exc:
            rejection = exc
            status = 400
        else:
            flash(summary_text(result), "success")
            warning = duplicate_warning(result)
            if warning:
                flash(warning, "warning")
            return redirect(url_for("paper.import_file"), code=303)
    elif request.method == "POST":
        status = 400
    inst = instrument()
    return render_template(
        "paper/import.html", form=form, rejection=rejection, forbund=forbund, inst=inst
    ), status


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
