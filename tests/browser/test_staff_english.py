"""Staff pages in English in a real browser: an officer who picked English sees English pages,
English service errors at their fields and English questionnaire names; axe finds nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveys.extensions import db
from surveys.models import User
from tests.browser.conftest import describe_violations, login, run_axe, submit

pytestmark = pytest.mark.browser


@pytest.fixture
def english_officer(site):
    def set_language(lang):
        with site.app.app_context():
            db.session.scalar(select(User).where(User.username == site.users["officer"])).language = lang
            db.session.commit()
            db.session.remove()

    set_language("en")
    yield
    set_language("sv")


def test_officer_in_english_sees_english_errors_and_names(browser, site, english_officer):
    ctx = browser.new_context(bypass_csp=True)
    try:
        page = ctx.new_page()
        login(page, site, "officer")
        page.goto(f"{site.url}/forbund/lankar/ny")
        assert page.get_attribute("html", "lang") == "en"
        page.check("input[name=questionnaire][value=DP]")
        page.fill("input[name=opens_on]", "2026-03-01")
        page.fill("input[name=closes_on]", "2026-04-30")
        submit(page, "main form button[type=submit]")
        text = page.inner_text("main")
        assert "Choose the intervention the questionnaire is about." in text
        assert "Välj vilken insats" not in text
        violations = run_axe(page)
        assert not violations, describe_violations(violations)

        page.goto(f"{site.url}/papper/")
        text = page.inner_text("main")
        assert "Participants during the intervention" in text and "Deltagare pågående" not in text
        violations = run_axe(page)
        assert not violations, describe_violations(violations)
    finally:
        ctx.close()
