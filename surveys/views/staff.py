"""Staff pages (insatspersonal): the links of their own insatser and response counts."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..access import roles_required, user_forbund, visible_insatser

bp = Blueprint("staff", __name__, url_prefix="/personal")


@bp.get("/")
@roles_required("staff")
def dashboard():
    return render_template("staff/dashboard.html", forbund=user_forbund(), insatser=visible_insatser())
