"""Officer pages (förbundskansli): insatser, links, codes and response counts of one förbund."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..access import roles_required, user_forbund

bp = Blueprint("officer", __name__, url_prefix="/forbund")


@bp.get("/")
@roles_required("officer")
def dashboard():
    return render_template("officer/dashboard.html", forbund=user_forbund())
