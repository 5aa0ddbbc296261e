"""Login throttling, session expiry after inactivity, logout, and deactivated users."""

import datetime as dt
import time
from types import SimpleNamespace

import itsdangerous.timed
import pytest
from sqlalchemy import select

from surveys import accounts, models
from surveys.extensions import db
from surveys.models import User
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


def test_the_lock_lives_in_the_database_and_holds_across_app_servers(make_app):
    """Two apps on one database (as two servers or workers), no rate limiter at all: failures on
    both add up, and the lock set on one refuses the right password on the other."""
    server_a = make_app(LOGIN_MAX_FAILURES=4)
    server_b = make_app(LOGIN_MAX_FAILURES=4)
    with server_a.app_context():
        forbund = accounts.create_forbund("a", "Förbund A")
        accounts.create_user("officer_a", "officer", PASSWORD, forbund=forbund)
        db.session.commit()
    client_a, client_b = server_a.test_client(), server_b.test_client()
    for client in (client_a, client_b, client_a):
        assert login(client, "officer_a", "fel-losen-123").status_code == 200
    with server_a.app_context():
        user = db.session.scalar(select(User).where(User.username == "officer_a"))
        assert (user.failed_logins, user.locked_until) == (3, None)
    assert login(client_b, "officer_a", "fel-losen-123").status_code == 200  # the fourth: locked now
    locked = login(client_a, "officer_a")
    assert locked.status_code == 429 and "För många försök" in locked.get_data(as_text=True)
    assert login(client_b, "officer_a").status_code == 429
    with server_b.app_context():
        user = db.session.scalar(select(User).where(User.username == "officer_a"))
        minutes = (user.locked_until - user.last_failed_login).total_seconds() / 60
        assert minutes == server_b.config["LOGIN_LOCK_MINUTES"]
        # When the lock has run out, the right password works and clears the counter.
        user.locked_until = user.last_failed_login = models.utcnow() - dt.timedelta(seconds=1)
        db.session.commit()
    assert login(client_b, "officer_a").status_code == 303
    with server_a.app_context():
        user = db.session.scalar(select(User).where(User.username == "officer_a"))
        assert (user.failed_logins, user.locked_until, user.last_failed_login) == (0, None, None)


def test_failures_far_apart_do_not_add_up(app, officer):
    window = dt.timedelta(minutes=app.config["LOGIN_LOCK_MINUTES"])
    start = models.utcnow()
    for n in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        # Each failure comes just after the previous one has left the window.
        assert accounts.record_login_failure(officer, now=start + n * (window + dt.timedelta(seconds=1))) is False
        assert officer.failed_logins == 1
    assert accounts.check_login_lock(officer) is None
    late = start + 10 * window
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert accounts.record_login_failure(officer, now=late) is False
    assert accounts.record_login_failure(officer, now=late) is True
    assert accounts.check_login_lock(officer, now=late) == late + window
    assert accounts.check_login_lock(officer, now=late + window) is None


def test_unknown_user_names_get_the_same_answer_and_store_nothing(client, officer):
    for _ in range(8):
        bad = login(client, "nobody", "fel-losen-123")
        assert bad.status_code == 200 and "Fel användarnamn eller lösenord" in bad.get_data(as_text=True)
    assert login(client, "officer_a").status_code == 303


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
