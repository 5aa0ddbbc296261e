"""Staff pages (insatspersonal): the links of their own insatser and response counts."""

from __future__ import annotations

from flask import Blueprint, render_template

from indicators.catalogue import measurement_year

from .. import links
from ..access import roles_required, user_forbund, visible_insatser
from ..clock import today
from ..instruments import instrument
from .link_pages import link_rows, questionnaire_names

bp = Blueprint("staff", __name__, url_prefix="/personal")


@bp.get("/")
@roles_required("staff")
def dashboard():
    forbund = user_forbund()
    insatser = visible_insatser()
    year = measurement_year(today())
    counts = links.questionnaire_counts(forbund, insatser)
    return render_template(
        "staff/dashboard.html",
        forbund=forbund,
        insatser=insatser,
        rows=link_rows(links.links_of_insatser(insatser), year),
        year=year,
        years=sorted(set(counts) | {year}, reverse=True),
        counts=counts,
        codes=[code for code, q in instrument().questionnaires.items() if q.about == "insats"],
        names=questionnaire_names(),
    )

