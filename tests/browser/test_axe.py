"""axe-core in headless Chromium: zero WCAG 2.0/2.1 A and AA violations on every respondent page and
the main staff and officer pages, at two phone widths and a desktop width."""

from __future__ import annotations

import pytest

from tests.browser.conftest import VIEWPORTS, describe_violations, login, run_axe

pytestmark = pytest.mark.browser


def _questionnaire_with_errors(page, site):
    page.goto(site.link("code", "/svar"))
    page.check("#DP02-3")
    page.fill("#code", "fel-kod")
    page.click("button[type=submit]")
    assert page.locator(".error-summary").count() == 1


#: name -> (role needed or None, how to get there)
PAGES = {
    "intro": (None, lambda page, site: page.goto(site.link("dp"))),
    "intro-ar": (None, lambda page, site: page.goto(site.link("dp", lang="ar"))),
    "questionnaire": (None, lambda page, site: page.goto(site.link("dp", "/svar"))),
    "questionnaire-ar": (None, lambda page, site: page.goto(site.link("da", "/svar", lang="ar"))),
    "questionnaire-lattlast": (None, lambda page, site: page.goto(site.link("dp", "/svar", lang="sv-LL"))),
    "questionnaire-staff": (None, lambda page, site: page.goto(site.link("pe", "/svar"))),
    "validation-error": (None, _questionnaire_with_errors),
    "thanks": (None, lambda page, site: page.goto(site.link("dp", "/tack"))),
    "closed": (None, lambda page, site: page.goto(site.link("closed"))),
    "not-open": (None, lambda page, site: page.goto(site.link("not_open"))),
    "404": (None, lambda page, site: page.goto(f"{site.url}/s/finns-inte")),
    "accessibility-statement": (None, lambda page, site: page.goto(f"{site.url}/tillganglighet")),
    "login": (None, lambda page, site: page.goto(f"{site.url}/login")),
    "officer-dashboard": ("officer", lambda page, site: page.goto(f"{site.url}/forbund/")),
    "officer-languages": ("officer", lambda page, site: page.goto(f"{site.url}/forbund/sprak/")),
    "staff-dashboard": ("staff", lambda page, site: page.goto(f"{site.url}/personal/")),
}


@pytest.fixture(scope="module")
def contexts(browser, site):
    """One CSP-bypassing context per (viewport, role), created on first use."""
    made = {}

    def get(viewport: str, role: str | None):
        key = (viewport, role)
        if key not in made:
            ctx = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)
            if role:
                login(ctx.new_page(), site, role)
            made[key] = ctx
        return made[key]

    yield get
    for ctx in made.values():
        ctx.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("name", list(PAGES))
def test_no_axe_violations(contexts, site, viewport, name):
    role, go = PAGES[name]
    page = contexts(viewport, role).new_page()
    try:
        go(page, site)
        page.wait_for_load_state()
        assert page.locator("h1").count() == 1, f"{name}: expected one <h1>"
        violations = run_axe(page)
        assert not violations, f"{name} at {viewport}: {page.url}\n" + describe_violations(violations)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{name} at {viewport} scrolls horizontally ({width} > {inner})"
    finally:
        page.close()
