"""Pages for everyone: the start page and the staff home that sends each role on its way."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, url_for
from flask_login import current_user, login_required

bp = Blueprint("pages", __name__)

#: Where each role starts after logging in (the first endpoint that exists is used).
ROLE_HOME = {
    "admin": ("admin.index",),
    "officer": ("officer.dashboard",),
    "staff": ("staff.dashboard",),
}


@bp.get("/")
def index():
    return render_template("pages/index.html")


@bp.get("/start")
@login_required
def home():
    for endpoint in ROLE_HOME.get(current_user.role, ()):
        if endpoint in current_app.view_functions:
            return redirect(url_for(endpoint))
    return render_template("pages/home.html")


@bp.get("/tillganglighet")
def accessibility():
    return render_template("pages/accessibility.html")
