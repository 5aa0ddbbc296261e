"""A link's own pages for officers and staff: URL, QR code (PNG, SVG) and the printable A4 sheet.

Officers see every link of their förbund; staff the links of their own insatser (``link_or_404``).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale

from indicators.catalogue import measurement_year

from .. import links, respondent_language
from ..access import link_or_404, roles_required
from ..clock import today
from ..forms_admin import AskedForm, ButtonForm
from ..instruments import instrument
from ..models import SurveyLink
from ..qr import qr_png, qr_svg
from .respond import heading

bp = Blueprint("links", __name__, url_prefix="/lankar")


def questionnaire_names() -> dict[str, str]:
    """Questionnaire code -> name in the interface language (instrument data, not gettext)."""
    lang = str(get_locale() or "sv")
    return {code: q.name.get(lang, q.name.get("sv", code)) for code, q in instrument().questionnaires.items()}


def link_state(link: SurveyLink) -> str:
    """One of "inactive", "not_open", "closed", "open"."""
    if not link.active:
        return "inactive"
    day = today()
    if day < link.opens_on:
        return "not_open"
    if day > link.closes_on:
        return "closed"
    return "open"


@dataclass(frozen=True)
class LinkRow:
    link: SurveyLink
    url: str
    state: str
    count: int


def link_rows(link_list: list[SurveyLink], year: int) -> list[LinkRow]:
    counts = links.link_counts(link_list, year)
    return [LinkRow(link, links.respondent_url(link), link_state(link), counts[link.id]) for link in link_list]


def _filename(link: SurveyLink, ext: str) -> str:
    return f"qr-{link.questionnaire.lower()}-lank-{link.id}.{ext}"


@bp.get("/<int:link_id>")
@roles_required("officer", "staff")
def show(link_id: int):
    link = link_or_404(link_id)
    year = measurement_year(today())
    return render_template(
        "links/show.html", link=link, url=links.respondent_url(link), state=link_state(link), year=year,
        count=links.link_counts([link], year)[link.id], names=questionnaire_names(),
        code_counts=links.code_counts(link) if link.requires_code else None, button=ButtonForm(),
        asked_form=AskedForm(asked=link.asked),
    )


@bp.get("/<int:link_id>/qr.png")
@roles_required("officer", "staff")
def qr_png_file(link_id: int):
    link = link_or_404(link_id)
    return Response(qr_png(links.respondent_url(link)), mimetype="image/png",
                    headers={"Content-Disposition": f'attachment; filename="{_filename(link, "png")}"'})


@bp.get("/<int:link_id>/qr.svg")
@roles_required("officer", "staff")
def qr_svg_file(link_id: int):
    """The SVG; ``?inline=1`` shows it in a page (the A4 sheet) instead of downloading it."""
    link = link_or_404(link_id)
    disposition = "inline" if request.args.get("inline") else "attachment"
    return Response(qr_svg(links.respondent_url(link), title=links.respondent_url(link)), mimetype="image/svg+xml",
                    headers={"Content-Disposition": f'{disposition}; filename="{_filename(link, "svg")}"'})


@bp.get("/<int:link_id>/utskrift")
@roles_required("officer", "staff")
def sheet(link_id: int):
    link = link_or_404(link_id)
    url = links.respondent_url(link)
    inst = instrument(link.instrument_version)
    q = inst.questionnaires[link.questionnaire]
    # Every language the questionnaire is offered in, each with a short line in that language.
    sheet_languages = [(inst.languages[code], respondent_language.sheet_line(code)) for code in q.languages]
    return render_template("links/sheet.html", link=link, url=url, short_url=url.split("://", 1)[-1],
                           names=questionnaire_names(), sheet_languages=sheet_languages,
                           heading=heading(link, q, q.languages[0]))
