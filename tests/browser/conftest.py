"""Browser test harness: the app in a real HTTP server, driven by Debian's headless Chromium.

One Chromium per test session, one server (and one set of seeded data) per test module.
Without /usr/bin/chromium the tests are skipped locally and fail in CI (``CI`` set).
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from werkzeug.security import generate_password_hash
from werkzeug.serving import make_server

from app import create_app
from surveys.extensions import db
from surveys.models import Forbund, Insats, SurveyLink, User
from tests.conftest import BASE_CONFIG, PASSWORD, TODAY, clean_database

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
PHONE = {"width": 320, "height": 640}
PHONE_L = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"phone320": PHONE, "phone375": PHONE_L, "desktop": DESKTOP}
#: The browser's language (Accept-Language): Swedish, so respondent pages open in Swedish unless a
#: test chooses another language (the first visit follows Accept-Language).
BROWSER_LOCALE = "sv-SE"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _axe_script() -> str:
    import axe_playwright_python

    return str(Path(axe_playwright_python.__file__).parent / "axe.min.js")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium package (CI must run the browser tests)")
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium package to run the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield chromium
        chromium.close()


@dataclass
class Site:
    """A running server with seeded data: links by name and users by role."""

    url: str
    app: object
    links: dict[str, str] = field(default_factory=dict)  # name -> token
    link_ids: dict[str, int] = field(default_factory=dict)  # name -> id
    users: dict[str, str] = field(default_factory=dict)  # role -> username

    def link(self, name: str, path: str = "", lang: str | None = None) -> str:
        url = f"{self.url}/s/{self.links[name]}{path}"
        return url + (f"?lang={lang}" if lang else "")


def seed(app) -> tuple[dict[str, SurveyLink], dict[str, str]]:
    today = dt.date.fromisoformat(TODAY)
    forbund = Forbund(slug="browser", name="Samordningsförbundet Webbläsare")
    db.session.add(forbund)
    db.session.flush()
    insats = Insats(forbund=forbund, name="Steg för steg")
    db.session.add(insats)
    db.session.flush()

    def link(questionnaire, opens=-30, closes=30, **kw):
        made = SurveyLink(forbund_id=forbund.id, insats_id=insats.id, questionnaire=questionnaire,
                          instrument_version="2026.1", opens_on=today + dt.timedelta(days=opens),
                          closes_on=today + dt.timedelta(days=closes), **kw)
        db.session.add(made)
        db.session.flush()
        return made

    links = {
        "dp": link("DP"),
        "da": link("DA"),
        "pe": link("PE"),
        "closed": link("DP", opens=-60, closes=-1),
        "not_open": link("DP", opens=10, closes=40),
        "code": link("DP", requires_code=True),
    }
    demo = Forbund(slug="browser-demo", name="Demoförbundet", is_demo=True)
    db.session.add(demo)
    db.session.flush()
    links["demo"] = SurveyLink(forbund_id=demo.id, questionnaire="CH", instrument_version="2026.1",
                               opens_on=today - dt.timedelta(days=30), closes_on=today + dt.timedelta(days=30))
    db.session.add(links["demo"])
    db.session.flush()
    users = {}
    for role, insatser in (("officer", []), ("staff", [insats]), ("admin", [])):
        username = f"browser-{role}"
        db.session.add(User(username=username, name=username.title(), role=role,
                            forbund=None if role == "admin" else forbund,
                            password_hash=generate_password_hash(PASSWORD), insatser=insatser))
        users[role] = username
    db.session.commit()
    return links, users


@pytest.fixture(scope="module")
def site(database_url):
    app = create_app({**BASE_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        clean_database()
        links, users = seed(app)
        tokens = {name: link.token for name, link in links.items()}
        ids = {name: link.id for name, link in links.items()}
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(url=f"http://127.0.0.1:{server.server_port}", app=app, links=tokens, link_ids=ids, users=users)
    finally:
        server.shutdown()
        thread.join(timeout=5)
        with app.app_context():
            db.session.remove()
            clean_database()
            db.engine.dispose()


@pytest.fixture
def context(browser):
    """A normal browser context: the app's CSP applies."""
    ctx = browser.new_context(locale=BROWSER_LOCALE, viewport=DESKTOP)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="module")
def axe_context(browser):
    """A context that bypasses the CSP so axe-core can be injected; shared by a module's axe runs."""
    ctx = browser.new_context(locale=BROWSER_LOCALE, viewport=DESKTOP, bypass_csp=True)
    yield ctx
    ctx.close()


def run_axe(page) -> list[dict]:
    """Run axe-core on the current page with the WCAG 2.0/2.1 A and AA rules; return the violations."""
    page.add_script_tag(path=_axe_script())
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return result["violations"]


def describe_violations(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} – {v['helpUrl']}")
        for node in v["nodes"][:8]:
            lines.append(f"    target={node['target']} {node.get('failureSummary', '').splitlines()[-1:]}")
    return "\n".join(lines)


def login(page, site: Site, role: str) -> None:
    page.goto(f"{site.url}/login")
    page.fill("input[name=username]", site.users[role])
    page.fill("input[name=password]", PASSWORD)
    submit(page)


def submit(page, selector: str = "button[type=submit]") -> None:
    """Click a submit button and wait until the next page has loaded."""
    with page.expect_navigation():
        page.click(selector)


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
