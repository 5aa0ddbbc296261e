"""Login throttling, session expiry after inactivity, logout, and deactivated users."""

import time
from types import SimpleNamespace

import itsdangerous.timed
import pytest

from surveys import accounts
from surveys.extensions import db
from tests.conftest import PASSWORD, login
from tests.helpers import form_fields


@pytest.fixture
def officer(make_forbund, make_user):
    return make_user("officer_a", "officer", make_forbund("a", "Förbund A"))


def test_login_and_wrong_password(client, officer):
    bad = login(client, "officer_a", "fel-losen-123")
    assert bad.status_code == 200 and "Fel användarnamn eller lösenord" in bad.get_data(as_text=True)
    assert client.get("/forbund/").status_code == 302
    good = login(client, "OFFICER_A")  # user names are case-insensitive
    assert good.status_code == 303
    assert client.get("/forbund/").status_code == 200


def test_five_failures_lock_the_username(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute")
    with app.app_context():
        forbund = accounts.create_forbund("a", "Förbund A")
        accounts.create_user("officer_a", "officer", PASSWORD, forbund=forbund)
        accounts.create_user("officer_b", "officer", PASSWORD, forbund=forbund)
        db.session.commit()
        client = app.test_client()
        for _ in range(5):
            assert login(client, "officer_a", "fel-losen-123").status_code == 200
        locked = login(client, "officer_a")  # the right password no longer helps
        assert locked.status_code == 429
        assert "För många försök" in locked.get_data(as_text=True)
        # The lock is per user name: another account still logs in.
        assert login(client, "officer_b").status_code == 303
        db.session.remove()


def test_successful_logins_do_not_count_towards_the_lock(make_app):
    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_LOGIN="100 per minute")
    with app.app_context():
        accounts.create_user("root", "admin", PASSWORD)
        db.session.commit()
        for _ in range(7):
            client = app.test_client()
            assert login(client, "root").status_code == 303
        db.session.remove()


def test_session_expires_after_inactivity(client, officer, monkeypatch):
    assert login(client, "officer_a").status_code == 303
    now = time.time()
    lifetime = client.application.permanent_session_lifetime.total_seconds()
    assert lifetime == 30 * 60

    def at(seconds):
        monkeypatch.setattr(itsdangerous.timed, "time", SimpleNamespace(time=lambda: now + seconds))

    # Activity keeps the session alive: each request renews it.
    at(20 * 60)
    assert client.get("/forbund/").status_code == 200
    at(40 * 60)
    assert client.get("/forbund/").status_code == 200
    # After more than the lifetime without a request, the session is gone.
    at(40 * 60 + lifetime + 60)
    resp = client.get("/forbund/")
    assert resp.status_code == 302 and "/login" in resp.location


def test_logout_ends_the_session(client, officer):
    assert login(client, "officer_a").status_code == 303
    fields = form_fields(client.get("/forbund/").get_data(as_text=True))
    resp = client.post("/logout", data={"csrf_token": fields["csrf_token"]})
    assert resp.status_code == 303 and resp.location.endswith("/login")
    resp = client.get("/forbund/")
    assert resp.status_code == 302 and "/login" in resp.location


def test_logout_needs_csrf(client, officer):
    assert login(client, "officer_a").status_code == 303
    assert client.post("/logout").status_code == 400
    assert client.get("/forbund/").status_code == 200


def test_deactivated_user_is_logged_out(client, officer):
    assert login(client, "officer_a").status_code == 303
    assert client.get("/forbund/").status_code == 200
    accounts.deactivate_user(officer)
    db.session.commit()
    resp = client.get("/forbund/")
    assert resp.status_code == 302 and "/login" in resp.location
    assert login(client, "officer_a").status_code == 200


def test_a_saved_session_cookie_is_useless_after_logout(client, officer):
    """Logout rotates the user's session token, so a copied cookie no longer logs anyone in."""
    assert login(client, "officer_a").status_code == 303
    saved = client.get_cookie("session").value
    fields = form_fields(client.get("/forbund/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": fields["csrf_token"]}).status_code == 303
    client.set_cookie("session", saved)
    resp = client.get("/forbund/")
    assert resp.status_code == 302 and "/login" in resp.location
