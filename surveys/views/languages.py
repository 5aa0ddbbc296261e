"""Officer page: questionnaire texts not yet reviewed by a native speaker, per instrument version."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..access import roles_required
from ..instruments import instrument, versions
from ..languages import unreviewed_texts

bp = Blueprint("languages", __name__, url_prefix="/forbund/sprak")


@bp.get("/")
@roles_required("officer", "admin")
def index():
    entries = unreviewed_texts([instrument(v) for v in versions()])
    return render_template("languages/index.html", entries=entries)
