"""Admin pages: förbund, users, deactivation and password reset; admins never see answers."""

import pytest
from sqlalchemy import select
from werkzeug.security import check_password_hash

from surveys.extensions import db
from surveys.models import AuditEvent, Forbund, User
from tests.conftest import PASSWORD
from tests.helpers import form_fields, strip_tags

NEW_PASSWORD = "ett-nytt-losen-42"


@pytest.fixture
def admin(make_user, auth):
    user = make_user("root", "admin")
    auth.login("root")
    return user


def post_form(client, path, data, page=None):
    fields = form_fields(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**fields, **data})


def test_admin_lands_on_overview(client, admin, make_forbund):
    make_forbund("a", "Förbund A")
    resp = client.get("/start")
    assert resp.location.endswith("/admin/")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Förbund A" in html
    nav = html.split('<nav', 1)[1].split("</nav>", 1)[0]
    assert ">Förbund<" in nav and ">Användare<" in nav and 'aria-current="page"' in nav


def test_create_forbund(client, admin):
    assert post_form(client, "/admin/forbund", {"slug": "norrby", "name": "Samordningsförbundet Norrby"}).status_code == 303
    assert db.session.scalar(select(Forbund.name)) == "Samordningsförbundet Norrby"
    dup = post_form(client, "/admin/forbund", {"slug": "norrby", "name": "Igen"})
    assert dup.status_code == 200 and "redan ett förbund" in dup.get_data(as_text=True)
    bad = post_form(client, "/admin/forbund", {"slug": "Ä Ö", "name": "X"})
    assert "Kortnamn" in strip_tags(bad.get_data(as_text=True))
    assert db.session.scalar(select(AuditEvent.action).where(~AuditEvent.action.startswith("login"))) == "forbund.create"


def test_create_users(client, admin, make_forbund, make_insats):
    a = make_forbund("a", "Förbund A")
    a1 = make_insats(a, "A1")
    b1 = make_insats(make_forbund("b", "Förbund B"), "B1")
    base = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    resp = post_form(client, "/admin/anvandare", {**base, "username": "Kansli-A", "role": "officer", "forbund": str(a.id)})
    assert resp.status_code == 303
    officer = db.session.scalar(select(User).where(User.username == "kansli-a"))
    assert officer.forbund_id == a.id and check_password_hash(officer.password_hash, NEW_PASSWORD)

    resp = post_form(client, "/admin/anvandare", {**base, "username": "pers", "role": "staff", "forbund": str(a.id),
                                                   "insatser": [str(a1.id)]})
    assert resp.status_code == 303
    assert [i.name for i in db.session.scalar(select(User).where(User.username == "pers")).insatser] == ["A1"]

    # Staff with an insats of another förbund, staff without insats, password mismatch: refused.
    for data, message in [
        ({"username": "x1", "role": "staff", "forbund": str(a.id), "insatser": [str(b1.id)]}, "hör inte till förbundet"),
        ({"username": "x2", "role": "staff", "forbund": str(a.id)}, "minst en insats"),
        ({"username": "x3", "role": "officer", "forbund": ""}, "Välj förbundet"),
        ({"username": "x4", "role": "officer", "forbund": str(a.id), "confirm": "annat-losen-99"}, "inte lika"),
        ({"username": "x5", "role": "officer", "forbund": str(a.id), "password": "kort", "confirm": "kort"}, "minst 12"),
            ({"username": "x6", "role": "officer", "forbund": str(a.id), "password": "password1234",
              "confirm": "password1234"}, "För lätt att gissa"),
    ]:
        resp = post_form(client, "/admin/anvandare", {**base, **data})
        assert resp.status_code == 200 and message in resp.get_data(as_text=True), (data, message)
    assert db.session.scalar(select(User).where(User.username.like("x%"))) is None
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(~AuditEvent.action.startswith("login")))] == ["user.create", "user.create"]


def test_deactivate_user_ends_their_session(app, client, admin, make_forbund, make_user):
    a = make_forbund("a", "Förbund A")
    officer = make_user("officer_a", "officer", a)
    other = app.test_client()  # the officer, in another browser
    fields = form_fields(other.get("/login").get_data(as_text=True))
    other.post("/login", data={**fields, "username": "officer_a", "password": PASSWORD})
    assert other.get("/forbund/").status_code == 200

    resp = post_form(client, f"/admin/anvandare/{officer.id}/inaktivera", {}, page=f"/admin/anvandare/{officer.id}")
    assert resp.status_code == 303
    assert not db.session.get(User, officer.id).active
    assert other.get("/forbund/").status_code == 302  # back to the login page
    fields = form_fields(other.get("/login").get_data(as_text=True))
    again = other.post("/login", data={**fields, "username": "officer_a", "password": PASSWORD})
    assert again.status_code == 200 and "Fel användarnamn eller lösenord" in again.get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent.action).where(~AuditEvent.action.startswith("login"))) == "user.deactivate"
    # Sent again (another admin a moment ago, or a double click): said so, logged once.
    resp = post_form(client, f"/admin/anvandare/{officer.id}/inaktivera", {}, page=f"/admin/anvandare/{officer.id}")
    assert "var redan inaktiverat" in client.get(resp.location).get_data(as_text=True)
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.deactivate")).all()) == 1


def test_reset_password_ends_sessions_and_sets_new_password(client, admin, make_forbund, make_user):
    officer = make_user("officer_a", "officer", make_forbund("a", "Förbund A"))
    token = officer.session_token
    resp = post_form(client, f"/admin/anvandare/{officer.id}/losenord",
                     {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}, page=f"/admin/anvandare/{officer.id}")
    assert resp.status_code == 303
    officer = db.session.get(User, officer.id)
    assert officer.session_token != token and check_password_hash(officer.password_hash, NEW_PASSWORD)
    assert db.session.scalar(select(AuditEvent.action).where(~AuditEvent.action.startswith("login"))) == "user.reset_password"


def test_admin_cannot_deactivate_self(client, admin):
    resp = post_form(client, f"/admin/anvandare/{admin.id}/inaktivera", {}, page=f"/admin/anvandare/{admin.id}")
    assert resp.status_code == 303 and db.session.get(User, admin.id).active


def test_admin_sees_no_answer_pages(client, admin, make_forbund, make_insats, make_link):
    a = make_forbund("a", "Förbund A")
    link = make_link(a, "DP", make_insats(a, "A1"))
    for path in ("/forbund/", f"/lankar/{link.id}", "/personal/"):
        assert client.get(path).status_code == 404
