"""Property-based fuzzing of every form: random and malicious payloads never cause a 500, and a
refused post stores nothing.

POST routes are discovered from ``app.url_map`` (see tests/test_security.py), so forms added later
are fuzzed automatically, as the role(s) that may use them. Hypothesis runs derandomized so CI is
reproducible. The long variant runs with ``SLOW_TESTS=1 python -m pytest -m slow tests/test_fuzz.py``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from types import SimpleNamespace
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, union_all
from sqlalchemy import literal as sql_literal
from werkzeug.datastructures import MultiDict

from surveys.extensions import db
from surveys.web_input import strip_control
from tests.formwalk import login, state_changing_rules, url_for_rule, valid_answers
from tests.helpers import form_fields
from tests.test_access_matrix import EXPECTED, build_world

ROLES = ("anonymous", "admin", "officer_a", "staff_a1")
STAFF_ROLES = ROLES[1:]
RESPONSE_TABLES = ("response", "answer", "background_answer", "free_text")
SLOW = pytest.mark.skipif(not os.environ.get("SLOW_TESTS"), reason="long fuzz run: set SLOW_TESTS=1")

MALICIOUS = [
    "' OR '1'='1", "1; DROP TABLE response; --", "\" OR 1=1 --", "admin'--", "1 UNION SELECT password_hash FROM user",
    '<script>alert("x")</script>', "<img src=x onerror=alert(1)>", "javascript:alert(1)", "{{7*7}}", "${7*7}",
    "{% debug %}", "=cmd|' /C calc'!A0", "+SUM(A1:A2)", "@HYPERLINK(\"http://x\")", "-2+3", "../../etc/passwd",
    "\x00", "a\x00b", "%00", "%ff%fe%fd", "\u202e\u0645", "😀" * 50, "\r\nSet-Cookie: x=1", "NaN", "inf", "-1",
    "0", "7", "9999999999999999999999999", "1e308", "1.5", "true", "null", "[]", "{}", "   ", "",
]


class Big(str):
    """A huge value with a short repr, so Hypothesis' reports stay readable."""

    def __repr__(self) -> str:
        return f"Big({self[:1]!r} * {len(self)})"


def values():
    return st.one_of(
        st.sampled_from(MALICIOUS),
        st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
        st.integers(min_value=1000, max_value=60_000).map(lambda n: Big("Å" * n)),  # huge values
    )


# --- the world and its clients ----------------------------------------------------------------


@dataclass
class Target:
    endpoint: str
    url: str
    methods: tuple[str, ...]
    roles: tuple[str, ...]
    fields: tuple[str, ...]


def _allowed_roles(endpoint: str) -> tuple[str, ...]:
    """The roles that may use the route (so the payload reaches the form), plus anonymous."""
    route = EXPECTED.get(endpoint)
    if route is None:
        return ("anonymous", *STAFF_ROLES)
    allowed = [role for role in STAFF_ROLES if route.get.get(role) == 200]
    if not allowed and route.post:
        allowed = [role for role in STAFF_ROLES if role not in route.post]
    return ("anonymous", *(allowed or STAFF_ROLES))


def _field_names(html: str) -> tuple[str, ...]:
    return tuple(sorted(set(re.findall(r'<(?:input|textarea|select)[^>]*\sname="([^"]+)"', html))))


class World:
    """The role-matrix world, a logged-in client per role and every state-changing route.

    Requests run with no app context pushed: a pushed one would share ``g`` (the current user,
    the CSRF token) between the clients. Database checks push their own.
    """

    def __init__(self, app):
        self.app = app
        with app.app_context():
            w = build_world()
            self.w = SimpleNamespace(
                usernames={role: getattr(w, role).username for role in STAFF_ROLES},
                dp_token=w.link_a1.token, ch_token=w.link_a_ch.token,
            )
            rules = [(rule, url_for_rule(app, rule, w)) for rule in state_changing_rules(app)]
        self.clients = {}
        for role in ROLES:
            client = app.test_client()
            if role != "anonymous":
                login(client, self.w.usernames[role])
            self.clients[role] = client
        self.tokens = {role: self._token(client) for role, client in self.clients.items()}
        self.targets = []
        for rule, url in rules:
            assert url is not None, f"cannot build a URL for {rule.endpoint}"
            roles = _allowed_roles(rule.endpoint)
            fields: set[str] = set()
            if "GET" in rule.methods:
                for role in roles:
                    fields |= set(_field_names(self.clients[role].get(url).get_data(as_text=True)))
            methods = tuple(sorted(rule.methods & {"POST", "PUT", "PATCH", "DELETE"}))
            self.targets.append(Target(rule.endpoint, url, methods, roles, tuple(sorted(fields))))

    @staticmethod
    def _token(client) -> str:
        for page in ("/tillganglighet", "/login"):
            token = form_fields(client.get(page).get_data(as_text=True)).get("csrf_token")
            if token:
                return token
        raise AssertionError("no CSRF token found")

    def counts(self, tables=None) -> dict[str, int]:
        """Row counts of the given tables (default all) in one query."""
        chosen = [t for t in db.metadata.sorted_tables if tables is None or t.name in tables]
        query = union_all(*(select(sql_literal(t.name), func.count()).select_from(t) for t in chosen))
        with self.app.app_context():
            result = dict(db.session.execute(query).all())
            db.session.remove()
        return result


def _assert_ok(resp, what):
    assert resp.status_code < 500, f"{what} -> {resp.status_code}\n{resp.get_data(as_text=True)[:2000]}"


def queued(tmp_path) -> dict:
    """Jobs (reports, large imports) wait on a queue nobody consumes, instead of running inside
    the request as in other tests: what is fuzzed here is the web layer, and a report built
    for every accepted request took more than half of this file's time. The jobs themselves
    are tested in test_jobs.py, test_reports_views.py and test_import_jobs.py."""
    return {"QUEUE_IMMEDIATE": False, "QUEUE_URL": f"sqlite:///{tmp_path / 'queue.sqlite'}"}


@pytest.fixture
def world(make_app, tmp_path):
    return World(make_app(**queued(tmp_path)))


# --- every form: structured payloads ----------------------------------------------------------


def payloads(world: World):
    @st.composite
    def build(draw):
        target = draw(st.sampled_from(world.targets))
        role = draw(st.sampled_from(target.roles))
        method = draw(st.sampled_from(target.methods))
        names = st.one_of(st.sampled_from(target.fields or ("name",)), st.text(min_size=1, max_size=20),
                          st.sampled_from(["id", "forbund_id", "role", "__proto__", "csrf_token", "submission_key"]))
        pairs = draw(st.lists(st.tuples(names, values()), max_size=12))  # repeated keys allowed
        csrf = draw(st.sampled_from(["valid", "valid", "valid", "missing", "garbage"]))
        if csrf == "valid":
            pairs.append(("csrf_token", world.tokens[role]))
        elif csrf == "garbage":
            pairs.append(("csrf_token", draw(values())))
        upload = draw(st.one_of(st.none(), st.binary(max_size=2000)))
        return target, role, method, pairs, upload

    return build()


def _fuzz_forms(world: World, examples: int):
    state = {"counts": world.counts()}  # only our own requests change the database

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(payloads(world))
    def run(case):
        target, role, method, pairs, upload = case
        data = MultiDict(pairs)
        if upload is not None:
            import io

            data.add("file", (io.BytesIO(upload), "svar.csv"))
        resp = world.clients[role].open(target.url, method=method, data=data)
        _assert_ok(resp, f"{method} {target.url} ({target.endpoint}) as {role} with {pairs[:6]!r}")
        after = world.counts()
        if resp.status_code not in (200, 301, 302, 303) or resp.status_code == 200 and target.endpoint == "respond.answer":
            # Refused (400, 404, 413 ...): nothing in the database changed.
            assert after == state["counts"], (
                f"{method} {target.url} as {role} was refused ({resp.status_code}) but stored data")
        state["counts"] = after

    run()


def test_fuzz_every_form(world):
    assert any(t.endpoint == "respond.answer" for t in world.targets)
    assert any(t.endpoint == "auth.login" for t in world.targets)
    _fuzz_forms(world, 600)


@pytest.mark.slow
@SLOW
def test_fuzz_every_form_long(world):
    _fuzz_forms(world, 20_000)


# --- raw bodies: broken encodings, percent garbage, wrong content types -------------------------


def raw_bodies(world: World):
    @st.composite
    def build(draw):
        target = draw(st.sampled_from(world.targets))
        role = draw(st.sampled_from(target.roles))
        token = world.tokens[role]
        chunks = draw(st.lists(st.one_of(
            st.binary(max_size=60),
            st.binary(max_size=30).map(lambda b: b"x=" + quote_from_bytes(b).encode()),
            st.sampled_from([b"%", b"%G1", b"%ff%fe", b"\xff\xfe\x00", b"\xc3\x28", b"\xed\xa0\x80", b"a=%E0%A4%A",
                             b"&&&==&", b"csrf_token=" + token.encode(), b"csrf_token=%00"]),
        ), max_size=8))
        content_type = draw(st.sampled_from([
            "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=latin-1",
            "multipart/form-data; boundary=xyz", "multipart/form-data", "application/json", "text/plain",
            "application/x-www-form-urlencoded; charset=utf-7",
        ]))
        return target, role, b"&".join(chunks), content_type

    return build()


def test_fuzz_raw_bodies(world):
    @settings(max_examples=400, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(raw_bodies(world))
    def run(case):
        target, role, body, content_type = case
        before = world.counts()
        resp = world.clients[role].post(target.url, data=body, content_type=content_type)
        _assert_ok(resp, f"POST {target.url} ({target.endpoint}) as {role}: {content_type} {body[:200]!r}")
        if resp.status_code not in (301, 302, 303):
            assert world.counts(RESPONSE_TABLES) == {k: v for k, v in before.items() if k in RESPONSE_TABLES}

    run()


def test_bodies_above_the_size_limit_are_refused_everywhere(make_app, tmp_path):
    world = World(make_app(MAX_CONTENT_LENGTH=32 * 1024, **queued(tmp_path)))
    before = world.counts()
    for target in world.targets:
        for role in target.roles:
            client = world.clients[role]
            big = {"csrf_token": world.tokens[role], "x": "A" * (40 * 1024)}
            resp = client.post(target.url, data=big)
            _assert_ok(resp, f"huge form to {target.url} as {role}")
            assert resp.status_code == 413 or resp.status_code == 400, (target.endpoint, role, resp.status_code)
            import io

            resp = client.post(target.url, data={"csrf_token": world.tokens[role],
                                                 "file": (io.BytesIO(b"a;b\n" * 20_000), "stor.csv")})
            _assert_ok(resp, f"huge upload to {target.url} as {role}")
            assert resp.status_code in (400, 413), (target.endpoint, role, resp.status_code)
    assert world.counts() == before


# --- the respondent form: only invalid variants, nothing stored -------------------------------


# Control characters are removed from every input (surveys/web_input.py): "4\x00" is the answer 4.
INVALID_ITEM_VALUES = st.one_of(values(), st.sampled_from(["0", "7", "10", "-4", "4.0", " 4", "4 ", "09"])).filter(
    lambda v: strip_control(v) not in {"", "1", "2", "3", "4", "5", "6", "9"})


def invalid_submissions(base: dict, items: list[str], free_text: list[str], background: list[str]):
    @st.composite
    def build(draw):
        data = MultiDict(dict(base))
        kinds = draw(st.sets(st.sampled_from(
            ["item", "unknown", "long_text", "bad_key", "csrf", "empty", "background"]), min_size=1, max_size=3))
        if "item" in kinds:
            data.setlist(draw(st.sampled_from(items)), [draw(INVALID_ITEM_VALUES)])
        if "unknown" in kinds:
            name = draw(st.text(min_size=1, max_size=20).filter(lambda n: strip_control(n) not in base))
            data.add(name, draw(values()))
        if "long_text" in kinds and free_text:
            data[draw(st.sampled_from(free_text))] = Big("x" * draw(st.integers(2001, 20_000)))
        if "bad_key" in kinds:
            data["submission_key"] = draw(st.one_of(st.text(max_size=15), st.sampled_from(MALICIOUS)).filter(
                lambda k: not re.fullmatch(r"[A-Za-z0-9_-]{16,64}", strip_control(k))))
        if "csrf" in kinds:
            if draw(st.booleans()):
                data.pop("csrf_token")
            else:
                data["csrf_token"] = draw(values())
        if "empty" in kinds:
            for item in items:
                data.pop(item, None)
            for name in free_text:
                data[name] = draw(st.sampled_from(["", "   ", "\n\t"]))
        if "background" in kinds and background:
            data[draw(st.sampled_from(background))] = draw(values().filter(lambda v: v not in ("",)))
        # Benign noise on the other fields: repeated keys and stray values.
        if "empty" not in kinds and draw(st.booleans()):
            data.add(draw(st.sampled_from(items)), draw(st.sampled_from(["1", "9", ""])))
        return kinds, data

    return build()


def test_fuzz_respondent_form_invalid_variants_store_nothing(world):
    client = world.app.test_client()
    url = f"/s/{world.w.dp_token}/svar"
    html = client.get(url).get_data(as_text=True)
    base = valid_answers(html)
    items = sorted(k for k in base if re.fullmatch(r"DP\d\d", k))
    free_text = re.findall(r'<textarea[^>]*name="([^"]+)"', html)
    background = sorted(set(re.findall(r'name="([^"]+)" type="radio"', html)) - set(items))
    before = world.counts(RESPONSE_TABLES)

    @settings(max_examples=300, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(invalid_submissions(base, items, free_text, background))
    def run(case):
        kinds, data = case
        if "background" in kinds:
            # An unknown background code is invalid only if it is not one of the options.
            name = next(n for n in background if n in data)
            options = set(re.findall(rf'name="{re.escape(name)}" type="radio" value="([^"]*)"', html))
            if all(strip_control(v) in options or strip_control(v) == "" for v in data.getlist(name)) and len(kinds) == 1:
                return
        resp = client.post(url, data=data)
        _assert_ok(resp, f"respondent form {kinds}")
        assert resp.status_code in (200, 400, 413), (kinds, resp.status_code)  # 413: form fields over 500 kB
        assert world.counts(RESPONSE_TABLES) == before, f"an invalid submission was stored: {kinds}"

    run()
    # The same client can still answer validly afterwards.
    fresh = valid_answers(client.get(url).get_data(as_text=True))
    assert client.post(url, data=fresh).status_code == 303
    assert world.counts(["response"])["response"] == before["response"] + 1


def test_fuzz_access_code_form_wrong_codes_store_nothing(world):
    client = world.app.test_client()
    url = f"/s/{world.w.ch_token}/svar"
    html = client.get(url).get_data(as_text=True)
    base = form_fields(html)
    items = sorted(set(re.findall(r'name="(CH\d\d)" type="radio"', html)))
    before = world.counts(RESPONSE_TABLES + ("access_code",))

    @settings(max_examples=100, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.one_of(values(), st.none()))
    def run(code):
        data = {**base, **{item: "5" for item in items}}
        if code is not None:
            data["code"] = code
        resp = client.post(url, data=data)
        _assert_ok(resp, f"access code {code!r}")
        assert world.counts(RESPONSE_TABLES + ("access_code",)) == before

    run()


# --- a file part under a text field's name --------------------------------------------------------


def test_file_parts_named_like_text_fields_are_a_clear_400_everywhere(world):
    """A multipart file part named like a text field (once a 500, "FileStorage has no len()")."""
    import io

    before = world.counts()
    checked = 0
    for target in world.targets:
        for role in target.roles:
            for name in [f for f in target.fields if f not in ("csrf_token", "file")][:3] or ["name"]:
                data = {"csrf_token": world.tokens[role], name: (io.BytesIO(b"A" * 300), "text.txt")}
                resp = world.clients[role].post(target.url, data=data)
                _assert_ok(resp, f"file part {name!r} to {target.url} as {role}")
                assert resp.status_code == 400, (target.endpoint, role, name, resp.status_code)
                assert "en fil i ett fält för text" in resp.get_data(as_text=True)
                checked += 1
    assert checked > 20
    assert world.counts() == before
