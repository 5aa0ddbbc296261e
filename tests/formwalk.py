"""Walking the route map for state-changing routes: shared by the security and fuzz tests."""

from __future__ import annotations

import re

from flask import url_for
from sqlalchemy import func, select

from surveys.extensions import db
from tests.conftest import login as conftest_login
from tests.helpers import form_fields
from tests.test_access_matrix import EXPECTED

STATE_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


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
    resp = conftest_login(client, username)
    assert resp.status_code == 303, f"could not log in as {username}"


def valid_answers(token_page_html: str) -> dict:
    """A valid questionnaire submission for a DP form page: hidden fields plus every item answered."""
    fields = form_fields(token_page_html)
    items = sorted(set(re.findall(r'name="(DP\d\d)" type="radio"', token_page_html)))
    return {**fields, **{item: "4" for item in items}}
