"""axe-core in headless Chromium: zero WCAG 2.0/2.1 A and AA violations on every respondent page and
the main staff and officer pages, at two phone widths and a desktop width."""

from __future__ import annotations

import pytest

from tests.browser.conftest import BROWSER_LOCALE, VIEWPORTS, describe_violations, login, run_axe, submit

pytestmark = pytest.mark.browser


def _questionnaire_with_errors(page, site, lang="sv"):
    page.goto(site.link("code", "/svar", lang=lang))
    page.check("#DP02-3")
    page.fill("#code", "fel-kod")
    submit(page)
    assert page.locator(".error-summary").count() == 1


def _go(path):
    return lambda page, site: page.goto(site.url + path)


#: Respondent pages: name -> how to get there. Checked at two phone widths and desktop width.
RESPONDENT_PAGES = {
    "intro": lambda page, site: page.goto(site.link("dp")),
    "intro-ar": lambda page, site: page.goto(site.link("dp", lang="ar")),
    "questionnaire": lambda page, site: page.goto(site.link("dp", "/svar")),
    "questionnaire-ar": lambda page, site: page.goto(site.link("da", "/svar", lang="ar")),
    "questionnaire-lattlast": lambda page, site: page.goto(site.link("dp", "/svar", lang="sv-LL")),
    "questionnaire-staff": lambda page, site: page.goto(site.link("pe", "/svar")),
    "validation-error": _questionnaire_with_errors,
    "validation-error-ar": lambda page, site: _questionnaire_with_errors(page, site, "ar"),
    "demo-banner": lambda page, site: page.goto(site.link("demo", "/svar")),
    "thanks": lambda page, site: page.goto(site.link("dp", "/tack")),
    "thanks-ar": lambda page, site: page.goto(site.link("dp", "/tack", lang="ar")),
    "closed": lambda page, site: page.goto(site.link("closed")),
    "not-open": lambda page, site: page.goto(site.link("not_open")),
    "404": _go("/s/finns-inte"),
    "404-ar": _go("/s/finns-inte?lang=ar"),
    "intro-lattlast": lambda page, site: page.goto(site.link("dp", lang="sv-LL")),
    "thanks-lattlast": lambda page, site: page.goto(site.link("dp", "/tack", lang="sv-LL")),
    "accessibility-statement": _go("/tillganglighet"),
    "home": _go("/"),
    "login": _go("/login"),
}

#: Staff, officer and admin pages: name -> (role, endpoint, how to get there). Checked at 320 px and desktop.
STAFF_PAGES = {
    "officer-dashboard": ("officer", "officer.dashboard", _go("/forbund/")),
    "officer-insatser": ("officer", "officer.insatser", _go("/forbund/insatser")),
    "officer-links": ("officer", "officer.links_list", _go("/forbund/lankar")),
    "officer-new-link": ("officer", "officer.new_link", _go("/forbund/lankar/ny")),
    "officer-link-page": ("officer", "links.show", lambda page, site: page.goto(f"{site.url}/lankar/{site.link_ids['dp']}")),
    "officer-results": ("officer", "results.index", _go("/resultat/")),
    "officer-free-text": ("officer", "results.free_text", _go("/resultat/fritext")),
    "officer-languages": ("officer", "languages.index", _go("/forbund/sprak/")),
    "officer-reports": ("officer", "reports.index", _go("/rapport/")),
    "officer-paper": ("officer", "paper.index", _go("/papper/")),
    "officer-paper-print-ar": ("officer", "paper.print_link",
                               lambda page, site: page.goto(f"{site.url}/papper/lank/{site.link_ids['dp']}/utskrift?lang=ar")),
    "staff-dashboard": ("staff", "staff.dashboard", _go("/personal/")),
    "admin-index": ("admin", "admin.index", _go("/admin/")),
    "account-password": ("officer", "account.password", _go("/konto/losenord")),
    "account-two-factor": ("officer", "account.two_factor", _go("/konto/tvastegs")),
}

CASES = [(name, vp) for name in RESPONDENT_PAGES for vp in VIEWPORTS] + [
    (name, vp) for name in STAFF_PAGES for vp in ("phone320", "desktop")]


@pytest.fixture(scope="module")
def contexts(browser, site):
    """One CSP-bypassing context per (viewport, role), created on first use."""
    made = {}

    def get(viewport: str, role: str | None):
        key = (viewport, role)
        if key not in made:
            ctx = browser.new_context(locale=BROWSER_LOCALE, viewport=VIEWPORTS[viewport], bypass_csp=True)
            if role:
                login(ctx.new_page(), site, role)
            made[key] = ctx
        return made[key]

    yield get
    for ctx in made.values():
        ctx.close()


@pytest.mark.parametrize("name,viewport", CASES)
def test_no_axe_violations(contexts, site, viewport, name):
    if name in STAFF_PAGES:
        role, endpoint, go = STAFF_PAGES[name]
        if endpoint not in site.app.view_functions:
            pytest.skip(f"{endpoint} does not exist in this installation yet")
    else:
        role, go = None, RESPONDENT_PAGES[name]
    page = contexts(viewport, role).new_page()
    try:
        response = go(page, site)
        page.wait_for_load_state()
        if role:
            assert response.status == 200, f"{name}: {page.url} answered {response.status}"
        assert page.locator("h1").count() == 1, f"{name}: expected one <h1>"
        violations = run_axe(page)
        assert not violations, f"{name} at {viewport}: {page.url}\n" + describe_violations(violations)
        width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner, f"{name} at {viewport} scrolls horizontally ({width} > {inner})"
    finally:
        page.close()
