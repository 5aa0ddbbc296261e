"""TOTP second factor: enrolment, login with a generated code, recovery codes, replay, the
REQUIRE_2FA_ROLES rule and the admin's reset (audited)."""

import re

import pyotp
import pytest
from sqlalchemy import select

from surveys.extensions import db
from surveys.models import AuditEvent
from tests.conftest import login
from tests.helpers import form_fields


@pytest.fixture
def app2fa(make_app):
    app = make_app(REQUIRE_2FA_ROLES=("admin", "officer"))
    with app.app_context():
        yield app
        db.session.remove()


def actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def enrol(client) -> tuple[str, list[str]]:
    """Go through the enrolment page like a user with an app; return the secret and recovery codes."""
    page = client.get("/konto/tvastegs").get_data(as_text=True)
    assert "<svg" in page  # the QR code, inline
    secret = re.search(r"<code>([A-Z2-7]{16,})</code>", page).group(1)
    fields = form_fields(page)
    wrong = client.post("/konto/tvastegs", data={**fields, "code": "000000" if pyotp.TOTP(secret).now() != "000000" else "111111"})
    assert "Koden stämmer inte" in wrong.get_data(as_text=True)
    done = client.post("/konto/tvastegs", data={**form_fields(wrong.get_data(as_text=True)), "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    codes = re.findall(r"<code>([0-9a-f]{5}-[0-9a-f]{5})</code>", done.get_data(as_text=True))
    assert len(codes) == 10
    return secret, codes


def second_step(client, code):
    fields = form_fields(client.get("/login/kod").get_data(as_text=True))
    return client.post("/login/kod", data={**fields, "code": code})


def test_required_role_must_enrol_then_logs_in_with_a_code(app2fa, make_forbund, make_user):
    officer = make_user("officer_a", "officer", make_forbund())
    client = app2fa.test_client()
    assert login(client, "officer_a").status_code == 303
    resp = client.get("/forbund/")
    assert resp.status_code == 303 and resp.location.endswith("/konto/tvastegs")  # nothing else until enrolled
    secret, codes = enrol(client)
    db.session.refresh(officer)
    assert officer.totp_secret == secret and secret not in (officer.recovery_codes or "")
    assert all(code not in officer.recovery_codes for code in codes)  # only hashes are stored
    assert client.get("/forbund/").status_code == 200

    other = app2fa.test_client()
    step = login(other, "officer_a")
    assert step.status_code == 303 and step.location.endswith("/login/kod")
    assert other.get("/forbund/").status_code == 302  # not logged in after the password alone
    assert second_step(other, "123456" if pyotp.TOTP(secret).now() != "123456" else "654321").status_code == 200
    used = pyotp.TOTP(secret).now()
    assert second_step(other, used).status_code == 303
    assert other.get("/forbund/").status_code == 200

    # The same code cannot be used again (replay), but a recovery code works exactly once.
    third = app2fa.test_client()
    login(third, "officer_a")
    assert second_step(third, used).status_code == 200
    assert second_step(third, codes[0].upper()).status_code == 303
    fourth = app2fa.test_client()
    login(fourth, "officer_a")
    assert second_step(fourth, codes[0]).status_code == 200
    assert "user.2fa_enable" in actions() and "user.2fa_recovery_used" in actions()
    assert actions().count("login.failed") == 3


def test_staff_need_no_second_factor_unless_configured(app2fa, make_forbund, make_insats, make_user):
    forbund = make_forbund()
    make_user("pers", "staff", forbund, insatser=[make_insats(forbund)])
    client = app2fa.test_client()
    assert login(client, "pers").status_code == 303
    assert client.get("/personal/").status_code == 200


def test_admin_resets_a_lost_second_factor(app2fa, make_forbund, make_user):
    admin = make_user("root", "admin", totp_secret=pyotp.random_base32())
    officer = make_user("officer_a", "officer", make_forbund(), totp_secret=pyotp.random_base32())
    client = app2fa.test_client()
    login(client, "root")
    assert second_step(client, pyotp.TOTP(admin.totp_secret).now()).status_code == 303
    fields = form_fields(client.get(f"/admin/anvandare/{officer.id}").get_data(as_text=True))
    assert client.post(f"/admin/anvandare/{officer.id}/tvastegs", data=fields).status_code == 303
    db.session.refresh(officer)
    assert officer.totp_secret is None and officer.recovery_codes is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.2fa_reset"))
    assert event.user_id == admin.id and event.target == "användare officer_a"
    # The officer logs in with the password and must enrol again before anything else.
    again = app2fa.test_client()
    assert login(again, "officer_a").status_code == 303  # no code step: nothing is enrolled
    assert again.get("/forbund/").location.endswith("/konto/tvastegs")


def test_default_configuration_requires_it_for_admins_only():
    from surveys.config import Defaults

    assert Defaults.REQUIRE_2FA_ROLES == ("admin",)


def test_a_code_in_other_digits_is_read_as_the_same_code(app2fa, make_forbund, make_user):
    # Phone keyboards can type full-width or Arabic-Indic digits: the same code, never a 500.
    admin = make_user("root", "admin", totp_secret=pyotp.random_base32())
    code = pyotp.TOTP(admin.totp_secret).now()
    for digits in ("０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩"):
        client = app2fa.test_client()
        login(client, "root")
        wrong = "".join(digits[(int(c) + 1) % 10] for c in code)
        refused = second_step(client, wrong)
        assert refused.status_code == 200 and "Koden stämmer inte" in refused.get_data(as_text=True)
        admin.totp_last_step = None  # the same code may be used once per test round
        db.session.commit()
        assert second_step(client, "".join(digits[int(c)] for c in code)).status_code == 303


def test_two_requests_at_once_never_show_codes_that_do_not_work(app2fa, make_forbund, make_user):
    """A double click on "Slå på" or "Nya återställningskoder": the request that comes second finds
    the row changed since it read it, stores nothing and shows no codes (they would not work)."""
    from sqlalchemy import update

    from surveys import twofactor
    from surveys.models import User

    user = make_user("olle", "officer", make_forbund("a", "A"))
    db.session.execute(update(User).where(User.id == user.id).values(totp_secret=pyotp.random_base32()))
    with pytest.raises(twofactor.AlreadyChanged):  # the other request enabled it after this one read
        twofactor.enable(user, pyotp.random_base32())
    db.session.rollback()
    user = db.session.get(User, user.id)
    first = twofactor.regenerate_recovery_codes(user)
    db.session.commit()
    assert user.recovery_codes  # read by this request, then the other request stores its codes
    db.session.execute(update(User).where(User.id == user.id).values(recovery_codes='["other request"]')
                       .execution_options(synchronize_session=False))
    with pytest.raises(twofactor.AlreadyChanged):
        twofactor.regenerate_recovery_codes(user)
    db.session.rollback()
    assert len(first) == 10 and actions().count("user.2fa_recovery_codes") == 1

    secret = pyotp.random_base32()
    twofactor.enable(db.session.get(User, user.id), secret)
    db.session.commit()
    client = app2fa.test_client()
    login(client, "olle")
    second_step(client, pyotp.TOTP(secret).now())
    page = client.get("/konto/tvastegs").get_data(as_text=True)
    real = twofactor.regenerate_recovery_codes

    def other_request_first(u):
        db.session.execute(update(User).where(User.id == u.id).values(recovery_codes='["stored by the other"]')
                           .execution_options(synchronize_session=False))
        return real(u)

    twofactor.regenerate_recovery_codes = other_request_first
    try:
        resp = client.post("/konto/tvastegs/nya-koder", data=form_fields(page), follow_redirects=True)
    finally:
        twofactor.regenerate_recovery_codes = real
    text = resp.get_data(as_text=True)
    assert "skapades samtidigt av en annan begäran" in text and "<code>" not in text
