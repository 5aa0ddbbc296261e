"""Admin pages for imported national reference values (riket): upload a CSV, list, delete."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField
from wtforms.validators import DataRequired, NumberRange

from ..access import roles_required
from ..extensions import db
from ..references import MAX_BYTES, ReferenceImportError, delete_source, import_references, list_sources
from .conflicts import once_more_on_conflict

bp = Blueprint("references", __name__, url_prefix="/admin/referenser")


class ReferenceUploadForm(FlaskForm):
    file = FileField(_l("CSV-fil med riksvärden"), validators=[FileRequired(_l("Välj en fil."))])


class DeleteSourceForm(FlaskForm):
    year = IntegerField(validators=[DataRequired(), NumberRange(2000, 2200)])
    source = HiddenField(validators=[DataRequired()])


def _render(form, errors=(), more=0):
    return render_template("references/index.html", form=form, sources=list_sources(), errors=errors, more=more,
                           delete_form=DeleteSourceForm(), max_mb=MAX_BYTES // (1024 * 1024))


@bp.get("/")
@roles_required("admin")
def index():
    return _render(ReferenceUploadForm())


@bp.post("/")
@roles_required("admin")
@once_more_on_conflict
def upload():
    form = ReferenceUploadForm()
    if not form.validate_on_submit():
        return _render(form), 400
    data = form.file.data.read(MAX_BYTES + 1)
    try:
        summary = import_references(data, filename=form.file.data.filename or "")
    except ReferenceImportError as exc:
        db.session.rollback()
        return _render(form, exc.errors, exc.more), 400
    db.session.commit()
    flash(_("%(n)d rader importerade.", n=sum(summary.values())), "success")
    return redirect(url_for("references.index"))


@bp.post("/ta-bort")
@roles_required("admin")
def delete():
    form = DeleteSourceForm()
    if form.validate_on_submit():
        try:
            count = delete_source(form.year.data, form.source.data)
        except ValueError:
            flash(_("Källan finns inte längre."), "error")
        else:
            db.session.commit()
            flash(_("%(n)d rader borttagna.", n=count), "success")
    else:
        flash(_("Borttagningen kunde inte göras."), "error")
    return redirect(url_for("references.index"))
