"""Paper entry for piles of forms: compact rows with the printed codes, digits and Tab only, under
1,500 px per questionnaire at 1280 px, fieldsets with legends, axe 0 violations."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveys.extensions import db
from surveys.models import Answer, Insats, Response
from tests.browser.conftest import DESKTOP, describe_violations, login, run_axe
from tests.browser.test_respondent import delete_responses

pytestmark = pytest.mark.browser


def _entry_url(site, code="DP"):
    with site.app.app_context():
        insats_id = db.session.scalar(select(Insats.id).where(Insats.name == "Steg för steg"))
        db.session.remove()
    return f"{site.url}/papper/registrera/{code}/insats/{insats_id}"


@pytest.mark.parametrize("code", ["DP", "DA", "PE"])
def test_compact_rows_fit_under_1500_px_and_pass_axe(browser, site, code):
    ctx = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    try:
        page = ctx.new_page()
        login(page, site, "staff")
        page.goto(_entry_url(site, code))
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 1500, height
        rows = page.locator("fieldset.paper-row")
        assert rows.count() >= 5
        assert page.locator("fieldset.paper-row > legend").count() == rows.count()
        first = rows.first
        # The visible codes are the printed columns; each radio's name also says what the code means.
        visible = first.locator("label").evaluate_all("ls => ls.map(l => l.firstChild.textContent.trim())")
        assert visible == ["1", "2", "3", "4", "5", "6", "9"]
        assert len(first.locator("label").first.text_content().strip()) > len("1 ")  # "1 Aldrig" and the like
        violations = run_axe(page)
        assert not violations, describe_violations(violations)
    finally:
        ctx.close()


def test_a_form_is_typed_with_digits_and_tab(browser, site):
    ctx = browser.new_context(viewport=DESKTOP)
    try:
        page = ctx.new_page()
        login(page, site, "staff")
        page.goto(_entry_url(site, "DP"))
        page.fill("input[name=submitted_on]", "2026-03-10")
        page.locator("#DP01 input").first.focus()  # the first row (after the date's own fields)
        page.keyboard.type("5")     # DP01 = 5, focus moves to DP02
        page.keyboard.type("9")     # DP02 = Vet ej
        page.keyboard.press("Tab")  # DP03 left empty
        page.keyboard.type("2")     # DP04 = 2 (Tab left DP03's group)
        assert page.is_checked("#DP01 input[value='5']") and page.is_checked("#DP02 input[value='9']")
        assert not page.locator("#DP03 input:checked").count()
        assert page.is_checked("#DP04 input[value='2']")
        with page.expect_navigation():
            page.click("main form.paper-entry button[type=submit]")
        with site.app.app_context():
            stored = sorted((a.item_id, a.value) for a in db.session.scalars(select(Answer)))
            channel = db.session.scalar(select(Response.channel))
            db.session.remove()
        assert stored == [("DP01", 5), ("DP02", None), ("DP04", 2)]
        assert channel == "paper"
    finally:
        ctx.close()
        delete_responses(site)
