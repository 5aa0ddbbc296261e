"""The role matrix: every route of the app, requested as every role, with the expected outcome.

HOW TO ADD YOUR ROUTE (a new route without an entry fails ``test_every_route_has_an_entry``):

1. Add one entry to ``EXPECTED`` below, keyed by the endpoint name ("blueprint.function").
2. ``args`` builds the URL's variables from the test world ``w`` (see ``build_world``), e.g.
   ``args=lambda w: {"link_id": w.link_a1.id}``. Extend ``build_world`` if you need an object
   that is not there yet (keep the existing names and their meaning).
3. ``get`` maps every role in ``ROLES`` to the expected outcome of a GET:
   an HTTP status (200, 404, 405 ...), ``LOGIN`` (302 to the login page) or ``REDIRECT``
   (any 302/303 except to the login page). The shorthands help:
   ``only("officer_a")`` = 200 for that role, 404 for every other logged-in role, LOGIN for anonymous;
   ``everyone(200)`` = the same outcome for all roles.
4. Routes that accept POST but not GET: use ``get=everyone(405)`` and ``post=denied(...)``: a POST
   carrying only a valid CSRF token is sent as each role listed there (never as the roles that may
   use the route, so nothing in the world changes) and must give the outcome listed.

Roles: anonymous; admin; officer_a / officer_b (officers of förbund A and B); staff_a1 (staff of
insats A1 in förbund A); staff_a2 (staff of insats A2, also in förbund A). Anything outside a
user's scope must be 404, never 403.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from types import SimpleNamespace

import pytest
from flask import url_for
from werkzeug.security import generate_password_hash

from surveys.extensions import db
from surveys.models import Forbund, Insats, SurveyLink, User
from tests.conftest import PASSWORD, TODAY
from tests.helpers import form_fields
from tests.webclient import FreshGClient

ROLES = ("anonymous", "admin", "officer_a", "officer_b", "staff_a1", "staff_a2")
LOGIN = "login"
REDIRECT = "redirect"


def everyone(outcome) -> dict:
    return {role: outcome for role in ROLES}


def only(*roles: str, ok=200, other=404, anonymous=LOGIN) -> dict:
    """``ok`` for ``roles``, ``other`` for every other logged-in role, LOGIN for anonymous."""
    outcome = {role: (ok if role in roles else other) for role in ROLES}
    outcome["anonymous"] = anonymous
    return outcome


def denied(*allowed: str, other=404, anonymous=LOGIN) -> dict:
    """POST expectations for everyone except ``allowed`` (who are not POSTed as)."""
    outcome = {role: other for role in ROLES if role not in allowed}
    outcome["anonymous"] = anonymous
    return outcome


@dataclass
class Route:
    get: dict
    args: Callable[[SimpleNamespace], dict] = lambda w: {}
    post: dict = field(default_factory=dict)


# Public routes (respondents, start page, login) ------------------------------------------------
PUBLIC = {
    "pages.index": Route(get=everyone(200)),
    "pages.accessibility": Route(get=everyone(200)),
    "respond.intro": Route(get=everyone(200), args=lambda w: {"token": w.link_a1.token}),
    "respond.answer": Route(get=everyone(200), args=lambda w: {"token": w.link_a1.token}),
    "respond.thanks": Route(get=everyone(200), args=lambda w: {"token": w.link_a1.token}),
    "auth.login": Route(get={**everyone(REDIRECT), "anonymous": 200}),
    "health.healthz": Route(get=everyone(200)),
}

EXPECTED: dict[str, Route] = {
    **PUBLIC,
    # Logged-in home: redirects each role to its own start page.
    "pages.home": Route(get={**everyone(REDIRECT), "anonymous": LOGIN}),
    "auth.logout": Route(get=everyone(405), post=denied(*ROLES[1:])),
    # The second login step: only after a right password of a user with a second factor.
    "auth.login_code": Route(get={**everyone(REDIRECT), "anonymous": LOGIN}),
    # Every logged-in user's own account (password, second factor).
    "account.index": Route(get={**everyone(200), "anonymous": LOGIN}),
    "account.password": Route(get={**everyone(200), "anonymous": LOGIN}),
    "account.two_factor": Route(get={**everyone(200), "anonymous": LOGIN}),
    # Without an enrolled second factor there is nothing to renew or turn off.
    "account.new_recovery_codes": Route(get=everyone(405), post={**everyone(400), "anonymous": LOGIN}),
    "account.disable_two_factor": Route(get=everyone(405), post={**everyone(400), "anonymous": LOGIN}),
    # Admin: the installation.
    "admin.index": Route(get=only("admin")),
    "admin.instruments": Route(get=only("admin")),
    "admin.forbund": Route(get=only("admin")),
    "admin.users": Route(get=only("admin")),
    "admin.user": Route(get=only("admin"), args=lambda w: {"user_id": w.officer_a.id}),
    "admin.deactivate_user": Route(get=everyone(405), args=lambda w: {"user_id": w.officer_a.id},
                                   post=denied("admin")),
    "admin.reset_password": Route(get=everyone(405), args=lambda w: {"user_id": w.officer_a.id},
                                  post=denied("admin")),
    "admin.reset_two_factor": Route(get=everyone(405), args=lambda w: {"user_id": w.officer_a.id},
                                    post=denied("admin")),
    # Officer: one förbund. Objects of förbund A: officer_b gets 404.
    "officer.dashboard": Route(get=only("officer_a", "officer_b")),
    "officer.insatser": Route(get=only("officer_a", "officer_b")),
    "officer.insats": Route(get=only("officer_a"), args=lambda w: {"insats_id": w.insats_a1.id}),
    "officer.close_insats": Route(get=everyone(405), args=lambda w: {"insats_id": w.insats_a1.id},
                                  post=denied("officer_a")),
    "officer.links_list": Route(get=only("officer_a", "officer_b")),
    "officer.new_link": Route(get=only("officer_a", "officer_b")),
    "officer.deactivate_link": Route(get=everyone(405), args=lambda w: {"link_id": w.link_a1.id},
                                     post=denied("officer_a")),
    "officer.set_asked": Route(get=everyone(405), args=lambda w: {"link_id": w.link_a1.id},
                               post=denied("officer_a")),
    "officer.codes": Route(get=only("officer_a"), args=lambda w: {"link_id": w.link_a_ch.id}),
    "officer.codes_csv": Route(get=everyone(405), args=lambda w: {"link_id": w.link_a_ch.id},
                               post=denied("officer_a")),
    # A link's pages: the officer of its förbund and the staff of its insats (A1), nobody else.
    "links.show": Route(get=only("officer_a", "staff_a1"), args=lambda w: {"link_id": w.link_a1.id}),
    "links.qr_png_file": Route(get=only("officer_a", "staff_a1"), args=lambda w: {"link_id": w.link_a1.id}),
    "links.qr_svg_file": Route(get=only("officer_a", "staff_a1"), args=lambda w: {"link_id": w.link_a1.id}),
    "links.sheet": Route(get=only("officer_a", "staff_a1"), args=lambda w: {"link_id": w.link_a1.id}),
    # Staff: own insatser.
    "staff.dashboard": Route(get=only("staff_a1", "staff_a2")),
    # Results (issue 4): officers their förbund, staff their own insatser; I15/I16 officers only.
    "results.index": Route(get=only("officer_a", "officer_b", "staff_a1", "staff_a2")),
    "results.free_text": Route(get=only("officer_a", "officer_b", "staff_a1", "staff_a2")),
    "results.local": Route(get=only("officer_a", "officer_b"), post=denied("officer_a", "officer_b")),
    # Reports and charts (issue 5): officers their förbund, staff their own insatser; jobs are per förbund.
    "reports.index": Route(get=only("officer_a", "officer_b", "staff_a1", "staff_a2"),
                           post=denied("officer_a", "officer_b", "staff_a1", "staff_a2")),
    "reports.charts": Route(get=only("officer_a", "officer_b", "staff_a1", "staff_a2")),
    "reports.chart_file": Route(get=only("officer_a", "officer_b"), args=lambda w: {
        "name": "indikatorer-DP-2026", "fmt": "svg", "year": 2026, "scope": "forbund"}),
    "reports.job": Route(get=only(), args=lambda w: {"job_id": "no-such-job"}),
    "reports.job_download": Route(get=only(), args=lambda w: {"job_id": "no-such-job", "name": "bilaga-2026.pdf"}),
    # GET .../igen is the download route with a file called "igen": none exists.
    "reports.job_again": Route(get=only(), post=denied(), args=lambda w: {"job_id": "no-such-job"}),
    # Imported reference values (riket): admins only.
    "references.index": Route(get=only("admin")),
    "references.upload": Route(get=only("admin"), post=denied("admin")),
    "references.delete": Route(get=everyone(405), post=denied("admin")),
    # Unreviewed translations of the instrument (no förbund data): officers and admins.
    "languages.index": Route(get=only("admin", "officer_a", "officer_b")),
    # Paper questionnaires (issue 3): print, enter, withdraw own entries, import (officers).
    "paper.index": Route(get=only("officer_a", "officer_b", "staff_a1", "staff_a2")),
    "paper.print_link": Route(get=only("officer_a", "staff_a1"), args=lambda w: {"link_id": w.link_a1.id}),
    "paper.print_blank": Route(get=only("officer_a", "officer_b"), args=lambda w: {"code": "DP"}),
    "paper.enter": Route(get=only("officer_a", "staff_a1"), args=lambda w: {"code": "DP", "insats_id": w.insats_a1.id},
                         post=denied("officer_a", "staff_a1")),
    "paper.enter_forbund": Route(get=only("officer_a", "officer_b"), args=lambda w: {"code": "CH"},
                                 post=denied("officer_a", "officer_b")),
    "paper.enter_link": Route(get=only("officer_a", "staff_a1"), args=lambda w: {"link_id": w.link_a1.id},
                              post=denied("officer_a", "staff_a1")),
    "paper.withdraw": Route(get=everyone(405), args=lambda w: {"response_id": "0" * 32}, post=denied("officer_a")),
    "paper.import_file": Route(get=only("officer_a", "officer_b"), post=denied("officer_a", "officer_b")),
    "paper.import_template": Route(get=only("officer_a", "officer_b"), args=lambda w: {"code": "DP"}),
    "paper.import_job": Route(get=only(), args=lambda w: {"job_id": "no-such-job"}),
    # Care of data: audit log (officers their förbund, admins installation-wide) and gallring.
    "datacare.audit": Route(get=only("officer_a", "officer_b")),
    "datacare.admin_audit": Route(get=only("admin")),
    "datacare.gallring": Route(get=only("officer_a", "officer_b"), post=denied("officer_a", "officer_b")),
    "datacare.gallring_delete": Route(get=everyone(405), post=denied("officer_a", "officer_b")),
}


# The world ----------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _password_hash() -> str:
    return generate_password_hash(PASSWORD)


def build_world() -> SimpleNamespace:
    """Förbund A (insatser A1, A2) and B (insats B1), their links and one user per role."""
    w = SimpleNamespace()
    today = dt.date.fromisoformat(TODAY)
    w.forbund_a = Forbund(slug="forbund-a", name="Förbund A")
    w.forbund_b = Forbund(slug="forbund-b", name="Förbund B")
    w.insats_a1 = Insats(forbund=w.forbund_a, name="A1")
    w.insats_a2 = Insats(forbund=w.forbund_a, name="A2")
    w.insats_b1 = Insats(forbund=w.forbund_b, name="B1")
    db.session.add_all([w.forbund_a, w.forbund_b, w.insats_a1, w.insats_a2, w.insats_b1])
    db.session.flush()

    def link(forbund, questionnaire, insats=None, **kw):
        obj = SurveyLink(forbund_id=forbund.id, insats_id=insats.id if insats else None, questionnaire=questionnaire,
                         instrument_version="2026.1", opens_on=today - dt.timedelta(days=10),
                         closes_on=today + dt.timedelta(days=10), **kw)
        db.session.add(obj)
        return obj

    w.link_a1 = link(w.forbund_a, "DP", w.insats_a1)  # DP link of insats A1
    w.link_a2 = link(w.forbund_a, "PE", w.insats_a2)  # PE link of insats A2
    w.link_a_ch = link(w.forbund_a, "CH", requires_code=True)  # förbund-wide CH link of A, with codes
    w.link_b1 = link(w.forbund_b, "DP", w.insats_b1)  # DP link of insats B1

    def user(username, role, forbund=None, insatser=()):
        obj = User(username=username, name=username, role=role, forbund=forbund, insatser=list(insatser),
                   password_hash=_password_hash())
        db.session.add(obj)
        return obj

    w.admin = user("admin", "admin")
    w.officer_a = user("officer_a", "officer", w.forbund_a)
    w.officer_b = user("officer_b", "officer", w.forbund_b)
    w.staff_a1 = user("staff_a1", "staff", w.forbund_a, [w.insats_a1])
    w.staff_a2 = user("staff_a2", "staff", w.forbund_a, [w.insats_a2])
    db.session.commit()
    return w


# The tests ----------------------------------------------------------------------------------


def _rules(app):
    return [rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"]


def test_every_route_has_an_entry(app):
    endpoints = {rule.endpoint for rule in _rules(app)}
    missing = sorted(endpoints - set(EXPECTED))
    assert not missing, f"Routes without an entry in tests/test_access_matrix.py EXPECTED: {missing}"
    stale = sorted(set(EXPECTED) - endpoints)
    assert not stale, f"Entries in EXPECTED for routes that no longer exist: {stale}"
    for endpoint, route in EXPECTED.items():
        assert set(route.get) == set(ROLES), f"{endpoint}: 'get' must name every role"


def test_public_endpoints_are_exactly_the_public_ones():
    assert set(PUBLIC) == {"pages.index", "pages.accessibility", "respond.intro", "respond.answer",
                           "respond.thanks", "auth.login", "health.healthz"}


def _outcome_matches(expected, response) -> bool:
    location = response.headers.get("Location", "")
    if expected == LOGIN:
        return response.status_code == 302 and "/login" in location
    if expected == REDIRECT:
        return response.status_code in (301, 302, 303) and "/login" not in location
    return response.status_code == expected


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(app, role):
    w = build_world()
    app.test_client_class = FreshGClient
    client = app.test_client()
    if role != "anonymous":
        fields = form_fields(client.get("/login").get_data(as_text=True))
        resp = client.post("/login", data={**fields, "username": getattr(w, role).username, "password": PASSWORD})
        assert resp.status_code == 303, f"could not log in as {role}"
    csrf = form_fields(client.get("/login").get_data(as_text=True)).get("csrf_token") if role == "anonymous" else None

    mismatches = []
    for rule in _rules(app):
        route = EXPECTED.get(rule.endpoint)
        if route is None:
            continue  # reported by test_every_route_has_an_entry
        with app.test_request_context():
            url = url_for(rule.endpoint, **route.args(w))
        expected = route.get[role]
        got = client.get(url)
        if not _outcome_matches(expected, got):
            mismatches.append(f"GET {url} ({rule.endpoint}) as {role}: expected {expected}, got {got.status_code} "
                              f"{got.headers.get('Location', '')}")
        if role in route.post:
            token = csrf or _csrf_token(client)
            got = client.post(url, data={"csrf_token": token})
            if not _outcome_matches(route.post[role], got):
                mismatches.append(f"POST {url} ({rule.endpoint}) as {role}: expected {route.post[role]}, "
                                  f"got {got.status_code} {got.headers.get('Location', '')}")
    assert not mismatches, "\n".join(mismatches)


def _csrf_token(client) -> str:
    """A valid CSRF token of a logged-in client (the logout form is on every staff page)."""
    html = client.get("/tillganglighet").get_data(as_text=True)
    return form_fields(html)["csrf_token"]
