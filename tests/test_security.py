"""Security: CSRF on every state-changing route, security headers, cookie flags, rate limits,
free text shown as text everywhere, and defensive imports.

Routes are discovered from ``app.url_map``, so routes added later are covered automatically; URL
variables come from the role matrix (tests/test_access_matrix.py) or, failing that, by name.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for

from surveys.extensions import db
from tests.conftest import PASSWORD
from tests.formwalk import STATE_CHANGING, login, state_changing_rules, table_counts, url_for_rule, valid_answers
from tests.helpers import form_fields
from tests.test_access_matrix import build_world
from tests.test_import_security import FORMULA

SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def world(app):
    return build_world()


# --- CSRF ----------------------------------------------------------------------------------------


#: Routes exempt from the global CSRF check whose form checks the token itself.
OWN_TOKEN_CHECK = {"paper.enter", "paper.enter_forbund", "paper.enter_link"}


@pytest.mark.parametrize("as_role", ["anonymous", "officer_a", "admin"])
def test_every_state_changing_route_refuses_a_request_without_csrf_token(app, world, as_role):
    client = app.test_client()
    if as_role != "anonymous":
        login(client, getattr(world, as_role).username)
    before = table_counts()
    checked = []
    for rule in state_changing_rules(app):
        url = url_for_rule(app, rule, world)
        assert url is not None, f"cannot build a URL for {rule.endpoint}: add it to the role matrix"
        for method in sorted(rule.methods & STATE_CHANGING):
            resp = client.open(url, method=method, data={"name": "x", "username": "admin", "password": PASSWORD})
            if rule.endpoint == "respond.answer":
                # The respondent form keeps the answers and asks to send again (checked below).
                assert resp.status_code in (200, 400), (rule.endpoint, resp.status_code)
            elif rule.endpoint in OWN_TOKEN_CHECK:
                # Paper entry checks its own token after the role check (keeping what was typed):
                # a role without access is turned away first, one with access gets the 400 page.
                assert resp.status_code in (302, 400, 403, 404), (rule.endpoint, resp.status_code)
            else:
                assert resp.status_code == 400, f"{method} {url} ({rule.endpoint}) without CSRF: {resp.status_code}"
            checked.append(rule.endpoint)
    assert "auth.login" in checked and "auth.logout" in checked
    assert table_counts() == before


def test_respondent_form_without_csrf_token_keeps_answers_and_stores_nothing(app, world, client):
    url = f"/s/{world.link_a1.token}/svar"
    data = valid_answers(client.get(url).get_data(as_text=True))
    data.pop("csrf_token")
    before = table_counts()
    resp = client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert "Din session hade gått ut" in html
    assert re.search(r'<input[^>]*checked[^>]*value="4"|<input[^>]*value="4"[^>]*checked', html)
    assert table_counts() == before
    # A forged token is refused the same way.
    resp = client.post(url, data={**data, "csrf_token": "forged"})
    assert "Din session hade gått ut" in resp.get_data(as_text=True)
    assert table_counts() == before


def test_multipart_field_without_a_name_is_a_bad_request_not_a_crash(app, world, client):
    # Found by tests/test_fuzz.py: Flask-WTF's CSRF check crashed on a field named None.
    import io

    for url in ("/login", f"/s/{world.link_a1.token}/svar"):
        resp = client.post(url, data={"\r": "x", "file": (io.BytesIO(b"a"), "a.csv")})
        assert resp.status_code == 400


# --- headers and cookies -------------------------------------------------------------------------


def _csp(resp) -> dict[str, str]:
    header = resp.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


def _assert_security_headers(resp):
    csp = _csp(resp)
    assert csp["script-src"] == "'self'"
    assert "'unsafe-inline'" not in resp.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in resp.headers["Content-Security-Policy"]
    assert csp["default-src"] == "'self'"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'self'"
    assert csp["form-action"] == "'self'"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert resp.headers["Referrer-Policy"] == "no-referrer"
    assert resp.headers["X-Frame-Options"] == "DENY"
    assert "no-store" in resp.headers.get("Cache-Control", "")


def test_security_headers_on_respondent_pages(app, world, client):
    token = world.link_a1.token
    for url in (f"/s/{token}", f"/s/{token}/svar", f"/s/{token}/tack", "/", "/login", "/s/okand-token"):
        _assert_security_headers(client.get(url))


@pytest.mark.parametrize("username", ["officer_a", "staff_a1", "admin"])
def test_security_headers_on_staff_pages(app, world, client, username):
    # One client per test: with the app context pushed, ``g`` (current user, CSRF token) is shared.
    login(client, username)
    resp = client.get("/start", follow_redirects=True)
    assert resp.status_code == 200
    _assert_security_headers(resp)


def test_no_inline_script_or_style_in_pages(app, world, client):
    login(client, "officer_a")
    html = client.get("/start", follow_redirects=True).get_data(as_text=True)
    html += client.get(f"/s/{world.link_a1.token}/svar").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html), "inline <script> would be blocked by the CSP"
    assert " style=" not in html and re.search(r"\son[a-z]+=", html) is None


def _cookie(resp, name="session") -> str:
    for header in resp.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return header
    raise AssertionError(f"no {name} cookie set")


def test_session_cookie_flags(app, world, client):
    fields = form_fields(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={**fields, "username": "officer_a", "password": PASSWORD})
    cookie = _cookie(resp)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # plain HTTP in development


def test_session_cookie_secure_behind_https(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    resp = client.get("/login", base_url="https://localhost")
    cookie = _cookie(resp)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_force_https_redirects_and_sends_hsts(make_app):
    app = make_app(FORCE_HTTPS=True, SESSION_COOKIE_SECURE=True)
    client = app.test_client()
    resp = client.get("/login")
    assert resp.status_code in (301, 302) and resp.headers["Location"].startswith("https://")
    resp = client.get("/login", base_url="https://localhost")
    assert "max-age" in resp.headers["Strict-Transport-Security"]


# --- rate limits ---------------------------------------------------------------------------------


@pytest.fixture
def limited_app(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_TOKEN_LOOKUP="3 per minute", RATELIMIT_ANSWER="2 per minute",
                   RATELIMIT_LOGIN="3 per minute", RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        from surveys.extensions import limiter

        limiter.reset()
        yield app
        limiter.reset()
        db.session.remove()


def _assert_swedish_429(resp):
    assert resp.status_code == 429
    html = resp.get_data(as_text=True)
    assert "För många försök" in html and 'lang="sv"' in html


def test_token_lookups_are_rate_limited(limited_app):
    client = limited_app.test_client()
    statuses = [client.get(f"/s/gissning-{n}").status_code for n in range(3)]
    assert statuses == [404, 404, 404]
    _assert_swedish_429(client.get("/s/gissning-4"))
    _assert_swedish_429(client.get("/s/gissning-5/svar"))


def test_answering_is_rate_limited(limited_app):
    w = build_world()
    client = limited_app.test_client()
    url = f"/s/{w.link_a1.token}/svar"
    data = valid_answers(client.get(url).get_data(as_text=True))
    first = client.post(url, data=data)
    assert first.status_code == 303
    client.post(url, data=data)
    before = table_counts()
    _assert_swedish_429(client.post(url, data={**data, "submission_key": "x" * 30}))
    assert table_counts() == before


def test_login_is_rate_limited(limited_app):
    build_world()
    client = limited_app.test_client()
    fields = form_fields(client.get("/login").get_data(as_text=True))
    for n in range(3):
        resp = client.post("/login", data={**fields, "username": f"nobody{n}", "password": "fel"})
        assert resp.status_code == 200
    _assert_swedish_429(client.post("/login", data={**fields, "username": "officer_a", "password": PASSWORD}))


def test_login_locks_a_username_after_failures(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute", LOGIN_MAX_FAILURES=3)
    with app.app_context():
        from surveys.extensions import limiter

        limiter.reset()
        build_world()
        client = app.test_client()
        fields = form_fields(client.get("/login").get_data(as_text=True))
        for _ in range(3):
            assert client.post("/login", data={**fields, "username": "officer_a", "password": "fel"}).status_code == 200
        _assert_swedish_429(client.post("/login", data={**fields, "username": "officer_a", "password": PASSWORD}))
        # Another username is not affected.
        assert client.post("/login", data={**fields, "username": "officer_b", "password": PASSWORD}).status_code == 303
        limiter.reset()
        db.session.remove()


# --- free text is shown as text ------------------------------------------------------------------


def _assert_escaped(html: str, where: str):
    assert "<script>alert" not in html, f"unescaped script in {where}"
    assert "<img src=x" not in html, f"unescaped HTML in {where}"


def test_free_text_with_html_is_escaped_when_the_form_is_shown_again(app, world, client):
    url = f"/s/{world.link_a1.token}/svar"
    html = client.get(url).get_data(as_text=True)
    free_text = re.findall(r'<textarea[^>]*name="([^"]+)"', html)
    assert free_text
    data = {**valid_answers(html), **{name: SCRIPT for name in free_text}}
    data.pop("csrf_token")  # forces a re-render with the answers kept
    again = client.post(url, data=data).get_data(as_text=True)
    _assert_escaped(again, "the re-rendered questionnaire")
    assert "&lt;script&gt;alert" in again


@pytest.mark.parametrize("username", ["officer_a", "staff_a1"])
def test_free_text_with_html_is_escaped_on_the_free_text_pages(app, world, client, username, monkeypatch):
    if "results.free_text" not in app.view_functions:
        pytest.skip("no free-text page yet")
    url = f"/s/{world.link_a1.token}/svar"
    threshold = app.config["REPORTING_THRESHOLD"]
    for n in range(threshold):
        html = client.get(url).get_data(as_text=True)
        names = re.findall(r'<textarea[^>]*name="([^"]+)"', html)
        data = {**valid_answers(html), **{name: f"{SCRIPT} {FORMULA} nr {n}" for name in names}}
        assert client.post(url, data=data).status_code == 303
    monkeypatch.setitem(app.config, "FIXED_TODAY", "2026-11-15")  # the year has ended: texts are shown
    login(client, username)
    with app.test_request_context():
        page_url = url_for("results.free_text", year=2026, scope=str(world.insats_a1.id))
    page = client.get(page_url)
    assert page.status_code == 200, (username, page.status_code)
    html = page.get_data(as_text=True)
    _assert_escaped(html, f"the free-text page as {username}")
    assert "&lt;script&gt;alert" in html, f"free text not shown to {username}"


def test_exports_make_formulas_inert_and_keep_markup_as_text():
    export = pytest.importorskip("indicators.export")
    from indicators.report_data import Table

    fields = Table.__dataclass_fields__ if hasattr(Table, "__dataclass_fields__") else {}
    values = {"name": "fritext", "title": "Fritext", "header": ("Fråga", "Svar"),
              "rows": ((FORMULA, SCRIPT), ("+SUM(A1)", "@x"), ("-1", 4.5))}
    table = Table(**{k: v for k, v in values.items() if k in fields}) if fields else Table(**values)
    text = export.table_csv(table).decode("utf-8-sig")
    for dangerous in (FORMULA, "+SUM(A1)", "@x", "-1"):
        assert f"'{dangerous}" in text and f";{dangerous}" not in text and not text.startswith(dangerous)
    assert SCRIPT.replace('"', '""') in text  # CSV is not HTML: the text is kept, quoted
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(export.workbook([table])))
    cells = [c for row in wb.active.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells), "a cell became a formula"
    assert "'" + FORMULA in [c.value for c in cells]
    assert 4.5 in [c.value for c in cells]  # numbers stay numbers


def test_healthz_answers_without_database_or_https_redirect(make_app):
    make_app()  # the first app cleans the session database afterwards; this one has none
    app = make_app(FORCE_HTTPS=True, SQLALCHEMY_DATABASE_URI="sqlite:////nonexistent/dir/db.sqlite")
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "ok"
    assert "session" not in resp.headers.get("Set-Cookie", "")
