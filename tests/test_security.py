"""Security: CSRF on every state-changing route, security headers, cookie flags, rate limits,
free text shown as text everywhere, and defensive imports.

Routes are discovered from ``app.url_map``, so routes added later are covered automatically; URL
variables come from the role matrix (tests/test_access_matrix.py) or, failing that, by name.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for
from sqlalchemy import func, select

from surveys.extensions import db
from tests.conftest import PASSWORD
from tests.helpers import form_fields
from tests.test_access_matrix import EXPECTED, build_world

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}
SCRIPT = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


# --- shared with tests/test_fuzz.py ------------------------------------------------------------


def state_changing_rules(app):
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint != "static" and rule.methods & STATE_CHANGING),
        key=lambda rule: rule.rule,
    )


def _by_name(w) -> dict:
    """URL variables by name, for routes without an entry in the role matrix yet."""
    response_id = getattr(getattr(w, "response_a1", None), "id", "0" * 32)
    return {
        "token": w.link_a1.token, "link_id": w.link_a1.id, "insats_id": w.insats_a1.id,
        "forbund_id": w.forbund_a.id, "user_id": w.staff_a1.id, "code": w.link_a1.questionnaire,
        "questionnaire": w.link_a1.questionnaire, "response_id": response_id, "year": 2026,
        "group": "DP", "slug": w.forbund_a.slug,
    }


def url_for_rule(app, rule, w) -> str | None:
    """The URL of ``rule`` in world ``w`` (objects of förbund A), or None if it cannot be built."""
    args = {}
    route = EXPECTED.get(rule.endpoint)
    if route is not None:
        try:
            args = route.args(w)
        except AttributeError:
            args = {}
    names = _by_name(w)
    for name in rule.arguments:
        if name not in args:
            if name not in names:
                return None
            args[name] = names[name]
    with app.test_request_context():
        return url_for(rule.endpoint, **args)


def table_counts() -> dict[str, int]:
    db.session.expire_all()
    return {t.name: db.session.scalar(select(func.count()).select_from(t)) for t in db.metadata.sorted_tables}


def login(client, username) -> None:
    fields = form_fields(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={**fields, "username": username, "password": PASSWORD})
    assert resp.status_code == 303, f"could not log in as {username}"


def valid_answers(token_page_html: str) -> dict:
    """A valid questionnaire submission for a DP form page: hidden fields plus every item answered."""
    fields = form_fields(token_page_html)
    items = sorted(set(re.findall(r'name="(DP\d\d)" type="radio"', token_page_html)))
    return {**fields, **{item: "4" for item in items}}


@pytest.fixture
def world(app):
    return build_world()


# --- CSRF ----------------------------------------------------------------------------------------


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


# --- imports are parsed defensively ------------------------------------------------------------


UPLOAD_ROLES = ("officer_a", "admin", "staff_a1")
IMPORT_ENDPOINTS = {"paper.import_file", "references.upload"}


def upload_targets(app, urls, usernames) -> list[tuple[str, str, str]]:
    """(endpoint, url, role) of every form with a file field, found from url_map and the pages."""
    clients = {}
    for role in UPLOAD_ROLES:
        clients[role] = app.test_client()
        login(clients[role], usernames[role])
    found = []
    for endpoint, url in urls:
        for role in UPLOAD_ROLES:
            page = clients[role].get(url)
            if page.status_code == 200 and 'type="file"' in page.get_data(as_text=True):
                found.append((endpoint, url, role))
                break
    return found


def _formula_csv(endpoint: str) -> bytes:
    if endpoint == "references.upload":
        return (b"year,group,target,mean,source\n"
                b"2024,DP,I01,=cmd|' /C calc'!A0,NNS 2024\n")
    return (b"questionnaire,insats,date,DP01,DP02\n"
            b"DP,A1,2026-03-01,=cmd|' /C calc'!A0,4\n"
            b"DP,A1,2026-03-01,\"=HYPERLINK(\"\"http://x\"\")\",4\n")


BAD_FILES = {
    "formula": (_formula_csv, ("formel", "Formel", "värde", "tal", "ogiltig", "Ogiltig")),
    "binary": (lambda e: bytes(range(256)) * 40, ("UTF-8", "binär")),
    "latin-1": (lambda e: "questionnaire,insats,date,DP01\nDP,Åtgärd,2026-03-01,4\n".encode("latin-1"), ("UTF-8",)),
    "utf-16": (lambda e: "year,group,target,mean,source\n2024,DP,I01,4.1,Källa\n".encode("utf-16"), ("UTF-8",)),
    "empty": (lambda e: b"", ("tom", "Välj", "fil")),
}


class UploadWorld:
    """The role-matrix world with every upload form; requests run with no app context pushed
    (a pushed one would share ``g`` -- the current user, the CSRF token -- between clients)."""

    def __init__(self, app):
        self.app = app
        with app.app_context():
            w = build_world()
            self.usernames = {role: getattr(w, role).username for role in UPLOAD_ROLES}
            # An upload form's POST route usually shares its URL with the page (or its GET twin).
            urls = [(rule.endpoint, url_for_rule(app, rule, w)) for rule in state_changing_rules(app)]
        self.targets = upload_targets(app, [(e, u) for e, u in urls if u], self.usernames)

    def counts(self) -> dict[str, int]:
        with self.app.app_context():
            counts = table_counts()
            db.session.remove()
        counts.pop("audit_event", None)  # a refused import may be logged; nothing else may change
        return counts

    def client(self, role):
        client = self.app.test_client()
        login(client, self.usernames[role])
        return client


@pytest.fixture
def uploads(make_app):
    world = UploadWorld(make_app())
    existing = IMPORT_ENDPOINTS & set(world.app.view_functions)
    found = {endpoint for endpoint, _, _ in world.targets}
    for endpoint in existing:
        # A POST-only upload route has its form on another page: post to its own URL.
        if endpoint not in found:
            with world.app.test_request_context():
                from flask import url_for as build

                world.targets.append((endpoint, build(endpoint), "admin" if "references" in endpoint else "officer_a"))
    return world


def _token(client) -> str:
    return form_fields(client.get("/tillganglighet").get_data(as_text=True))["csrf_token"]


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_imports_refuse_bad_files_clearly_and_store_nothing(uploads, kind):
    import io

    make, words = BAD_FILES[kind]
    assert uploads.targets
    for endpoint, url, role in uploads.targets:
        client = uploads.client(role)
        before = uploads.counts()
        resp = client.post(url, data={"csrf_token": _token(client), "file": (io.BytesIO(make(endpoint)), f"{kind}.csv")})
        html = resp.get_data(as_text=True)
        assert resp.status_code == 400, f"{endpoint} with a {kind} file: {resp.status_code}"
        assert any(word in html for word in words), f"{endpoint} with a {kind} file: no clear error"
        assert uploads.counts() == before, f"{endpoint} stored data from a {kind} file"


def _multipart(token: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body built in memory (the test client would spool a big one to an unclosed temp file)."""
    boundary = "----fuzzboundary7MA4YWxkTrZu0gW"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"stor.csv\"\r\n"
            "Content-Type: text/csv\r\n\r\n").encode() + content + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_imports_refuse_oversized_files(uploads):
    limit = uploads.app.config["MAX_CONTENT_LENGTH"]
    for endpoint, url, role in uploads.targets:
        client = uploads.client(role)
        before = uploads.counts()
        too_big = b"questionnaire,insats,date,DP01\n" + b"DP,A1,2026-03-01,4\n" * (limit // 18 + 10)
        body, content_type = _multipart(_token(client), too_big)
        resp = client.post(url, data=body, content_type=content_type)
        assert resp.status_code == 413, (endpoint, resp.status_code)
        assert "För stor fil" in resp.get_data(as_text=True)
        # Under the request limit but over the import's own limit (if lower): a clear 400.
        medium = b"year,group,target,mean,source\n" + b"2024,DP,I01,4.1,x\n" * (3 * 1024 * 1024 // 18)
        body, content_type = _multipart(_token(client), medium)
        resp = client.post(url, data=body, content_type=content_type)
        assert resp.status_code in (400, 413), (endpoint, resp.status_code)
        assert uploads.counts() == before


FORMULA = "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("username", ["officer_a", "staff_a1"])
def test_free_text_with_html_is_escaped_on_the_free_text_pages(app, world, client, username):
    if "results.free_text" not in app.view_functions:
        pytest.skip("no free-text page yet")
    url = f"/s/{world.link_a1.token}/svar"
    threshold = app.config["REPORTING_THRESHOLD"]
    for n in range(threshold):
        html = client.get(url).get_data(as_text=True)
        names = re.findall(r'<textarea[^>]*name="([^"]+)"', html)
        data = {**valid_answers(html), **{name: f"{SCRIPT} {FORMULA} nr {n}" for name in names}}
        assert client.post(url, data=data).status_code == 303
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
