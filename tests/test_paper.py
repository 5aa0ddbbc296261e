"""Paper questionnaires: printable version, entry by staff and officers, own list and withdrawal."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from indicators.catalogue import get_instrument
from surveys.extensions import db
from surveys.models import AuditEvent, Response
from tests.conftest import AuthActions
from tests.helpers import form_fields, strip_tags

INST = get_instrument("2026.1")


@pytest.fixture
def world(make_forbund, make_insats, make_user, make_link):
    forbund = make_forbund(slug="a", name="Förbund A")
    other = make_forbund(slug="b", name="Förbund B")
    mine = make_insats(forbund, "Steg för steg")
    theirs = make_insats(forbund, "Unga vuxna")
    foreign = make_insats(other, "Vägen vidare")
    staff = make_user("staff", "staff", forbund, insatser=[mine], name="Stina Staff")
    officer = make_user("officer", "officer", forbund, name="Olle Officer")
    make_user("officer_b", "officer", other)
    link = make_link(forbund, "DP", insats=mine)
    link_theirs = make_link(forbund, "DP", insats=theirs)
    link_ch = make_link(forbund, "CH", requires_code=True)
    return {"forbund": forbund, "other": other, "mine": mine, "theirs": theirs, "foreign": foreign, "staff": staff,
            "officer": officer, "link": link, "link_theirs": link_theirs, "link_ch": link_ch}


def logged_in(app, username):
    """A fresh client logged in as ``username`` (rather than logging out and in again)."""
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def _enter(client, url, answers, date=None):
    page = client.get(url)
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    data = {**fields, **answers}
    if date is not None:
        data["submitted_on"] = date
    return client.post(url, data=data), fields


# --- printable --------------------------------------------------------------------------------


def test_printable_link_lists_every_item_with_qr_and_url(client, auth, world):
    auth.login("staff")
    resp = client.get(f"/papper/lank/{world['link'].id}/utskrift")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    text = strip_tags(html)
    q = INST.questionnaires["DP"]
    for item in q.items:
        assert item.text["sv"] in html
        assert item.id in text
    for label in INST.scales["frequency"].labels["sv"] + INST.scales["degree"].labels["sv"]:
        assert label in text
    assert "Vet ej" in text
    for bg in q.background:
        assert bg.text["sv"] in html
    for ft in q.free_text:
        assert ft.text["sv"] in html
    assert "<svg" in html and "qr-code" in html
    assert f"/s/{world['link'].token}" in html
    assert "anonym" in text
    # One box per scale step and "Vet ej", per item.
    assert html.count('class="paper-box" role="img"') == 7 * len(q.items)


def test_printable_in_english(client, auth, world):
    auth.login("staff")
    html = client.get(f"/papper/lank/{world['link'].id}/utskrift?lang=en").get_data(as_text=True)
    assert INST.questionnaires["DP"].items[0].text["en"] in html
    assert '<html lang="en"' in html


def test_blank_questionnaire_for_officers_only(app, client, auth, world):
    auth.login("officer")
    for code, q in INST.questionnaires.items():
        html = client.get(f"/papper/blankett/{code}").get_data(as_text=True)
        assert all(item.text["sv"] in html for item in q.items)
        assert "<svg" not in html
    assert client.get("/papper/blankett/XX").status_code == 404
    assert logged_in(app, "staff").get("/papper/blankett/DP").status_code == 404


def test_print_scoping(app, client, auth, world):
    auth.login("staff")
    assert client.get(f"/papper/lank/{world['link_theirs'].id}/utskrift").status_code == 404
    assert client.get(f"/papper/lank/{world['link_ch'].id}/utskrift").status_code == 404
    assert logged_in(app, "officer_b").get(f"/papper/lank/{world['link'].id}/utskrift").status_code == 404


# --- entry ------------------------------------------------------------------------------------


def test_staff_paper_entry_is_marked_paper_with_enterer(client, auth, world):
    auth.login("staff")
    url = f"/papper/registrera/DP/insats/{world['mine'].id}"
    resp, _ = _enter(client, url, {"DP01": "4", "DP02": "9", "gender": "kvinna"}, date="2026-02-01")
    assert resp.status_code == 303
    response = db.session.scalar(select(Response))
    assert response.channel == "paper"
    assert response.entered_by_id == world["staff"].id
    assert response.insats_id == world["mine"].id
    assert response.forbund_id == world["forbund"].id
    assert response.submitted_on == dt.date(2026, 2, 1)
    assert response.measurement_year == 2026
    assert response.link_id is None
    assert {a.item_id: a.value for a in response.answers} == {"DP01": 4, "DP02": None}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "paper.enter"))
    assert event.user_id == world["staff"].id and event.forbund_id == world["forbund"].id
    assert "DP" in event.target and "4" not in event.detail.split(";")[0].split("=")[0]


def test_date_decides_measurement_year_and_defaults_to_today(client, auth, world):
    auth.login("staff")
    url = f"/papper/registrera/DA/insats/{world['mine'].id}"
    _enter(client, url, {"DA01": "5"}, date="2025-11-03")
    page = client.get(url).get_data(as_text=True)
    assert 'value="2026-03-15"' in page  # FIXED_TODAY prefilled
    _enter(client, url, {"DA01": "5"})
    years = sorted(r.measurement_year for r in db.session.scalars(select(Response)))
    assert years == [2026, 2026]
    dates = sorted(r.submitted_on for r in db.session.scalars(select(Response)))
    assert dates == [dt.date(2025, 11, 3), dt.date(2026, 3, 15)]


def test_a_form_dated_in_an_ended_measurement_year_is_stored_with_a_warning_and_never_counted(client, auth, world):
    # FIXED_TODAY 2026-03-15: measurement year 2026 began on 1 November 2025; 2025 is final.
    auth.login("staff")
    url = f"/papper/registrera/DA/insats/{world['mine'].id}"
    hint = strip_tags(client.get(url).get_data(as_text=True))
    assert "Formulär daterade före 1 november 2025 hör till ett mätår som har slutat" in hint
    for _ in range(5):  # five: a release would show them if the year were open
        resp, _fields = _enter(client, url, {"DA01": "5"}, date="2025-10-31")
        assert resp.status_code == 303
        page = strip_tags(client.get(resp.headers["Location"]).get_data(as_text=True))
        assert "Pappersenkäten är sparad" in page
        assert "mätåret 2025, som slutade den 31 oktober 2025" in page and "räknas inte i resultaten" in page
    stored = db.session.scalars(select(Response)).all()
    assert len(stored) == 5 and not any(r.released for r in stored)
    resp, _fields = _enter(client, url, {"DA01": "5"}, date="2025-11-01")  # the current year: no warning
    assert "som slutade den 31 oktober" not in strip_tags(client.get(resp.headers["Location"]).get_data(as_text=True))


def test_date_with_spaces_around_it_is_read_and_a_bad_date_is_named(client, auth, world):
    auth.login("staff")
    url = f"/papper/registrera/DA/insats/{world['mine'].id}"
    resp, _ = _enter(client, url, {"DA01": "5"}, date=" 2025-11-03\t")
    assert resp.status_code == 303
    assert db.session.scalar(select(Response.submitted_on)) == dt.date(2025, 11, 3)
    resp, _ = _enter(client, url, {"DA01": "5"}, date="3/11 2025")
    html = strip_tags(resp.get_data(as_text=True))
    assert resp.status_code == 400 and "Datum på formuläret" in html
    assert db.session.query(Response).count() == 1


def test_future_date_and_empty_form_are_refused(client, auth, world):
    auth.login("staff")
    url = f"/papper/registrera/DP/insats/{world['mine'].id}"
    resp, _ = _enter(client, url, {"DP01": "4"}, date="2026-12-01")
    assert resp.status_code == 400
    assert "framtiden" in resp.get_data(as_text=True)
    resp, _ = _enter(client, url, {}, date="2026-03-01")
    assert resp.status_code == 400
    assert "minst en fråga" in resp.get_data(as_text=True)
    assert db.session.scalar(select(Response)) is None


def test_double_submit_stores_one(client, auth, world):
    auth.login("staff")
    url = f"/papper/registrera/PE/insats/{world['mine'].id}"
    resp, fields = _enter(client, url, {"PE01": "6"})
    assert resp.status_code == 303
    again = client.post(url, data={**fields, "PE01": "6"})
    assert again.status_code == 303
    assert len(db.session.scalars(select(Response)).all()) == 1
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "paper.enter")).all()) == 1


def test_staff_cannot_enter_for_someone_elses_insats(client, auth, world):
    auth.login("staff")
    assert client.get(f"/papper/registrera/DP/insats/{world['theirs'].id}").status_code == 404
    assert client.get(f"/papper/registrera/DP/insats/{world['foreign'].id}").status_code == 404
    assert client.get(f"/papper/lank/{world['link_theirs'].id}/registrera").status_code == 404
    token = form_fields(client.get("/papper/").get_data(as_text=True)).get("csrf_token", "")
    resp = client.post(f"/papper/registrera/DP/insats/{world['theirs'].id}",
                       data={"csrf_token": token, "submission_key": "k" * 24, "DP01": "4"})
    assert resp.status_code == 404
    # Staff never enter the förbund-wide questionnaires; CH/ST are not insats questionnaires.
    assert client.get("/papper/registrera/CH").status_code == 404
    assert client.get(f"/papper/registrera/CH/insats/{world['mine'].id}").status_code == 404
    assert db.session.scalar(select(Response)) is None


def test_officer_enters_from_code_link_without_code(client, auth, world):
    auth.login("officer")
    resp, _ = _enter(client, f"/papper/lank/{world['link_ch'].id}/registrera", {"CH01": "3"})
    assert resp.status_code == 303
    response = db.session.scalar(select(Response))
    assert response.questionnaire == "CH" and response.link_id == world["link_ch"].id
    assert response.insats_id is None and response.channel == "paper"
    resp, _ = _enter(client, "/papper/registrera/ST", {"ST01": "2"})
    assert resp.status_code == 303
    assert len(db.session.scalars(select(Response)).all()) == 2


def test_entry_from_link_records_link_and_insats(client, auth, world):
    auth.login("staff")
    resp, _ = _enter(client, f"/papper/lank/{world['link'].id}/registrera", {"DP05": "1"})
    assert resp.status_code == 303
    response = db.session.scalar(select(Response))
    assert response.link_id == world["link"].id and response.insats_id == world["mine"].id


# --- list and withdraw ------------------------------------------------------------------------


def test_list_and_withdraw_own_entries(client, auth, world):
    auth.login("staff")
    url = f"/papper/registrera/DP/insats/{world['mine'].id}"
    _enter(client, url, {"DP01": "4"}, date="2026-01-10")
    _enter(client, url, {"DP01": "2"}, date="2025-06-01")  # measurement year 2025: not listed
    assert "2025-06-01" in client.get(url).get_data(as_text=True)  # the warning that 2025 has ended
    html = client.get("/papper/").get_data(as_text=True)
    assert "2026-01-10" in html and "2025-06-01" not in html
    current = db.session.scalar(select(Response).where(Response.measurement_year == 2026))
    assert f"/papper/svar/{current.id}/aterkalla" in html
    token = form_fields(html)["csrf_token"]
    resp = client.post(f"/papper/svar/{current.id}/aterkalla", data={"csrf_token": token})
    assert resp.status_code == 303
    db.session.refresh(current)
    assert current.withdrawn is True
    assert "Återkallad" in client.get("/papper/").get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "paper.withdraw"))
    assert event.user_id == world["staff"].id
    again = client.post(f"/papper/svar/{current.id}/aterkalla", data={"csrf_token": token}, follow_redirects=True)
    assert "Pappersenkäten var redan återkallad" in again.get_data(as_text=True)
    assert len(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "paper.withdraw")).all()) == 1
    # Last year's entry cannot be withdrawn any more.
    old = db.session.scalar(select(Response).where(Response.measurement_year == 2025))
    assert client.post(f"/papper/svar/{old.id}/aterkalla", data={"csrf_token": token}).status_code == 404


def test_cannot_withdraw_someone_elses_entry(app, client, auth, world):
    _enter(logged_in(app, "officer"), f"/papper/registrera/DP/insats/{world['mine'].id}", {"DP01": "4"})
    response = db.session.scalar(select(Response))
    auth.login("staff")
    html = client.get("/papper/").get_data(as_text=True)
    assert response.id not in html
    token = form_fields(html)["csrf_token"]
    assert client.post(f"/papper/svar/{response.id}/aterkalla", data={"csrf_token": token}).status_code == 404
    db.session.refresh(response)
    assert response.withdrawn is False


def test_withdraw_needs_csrf(client, auth, world):
    auth.login("staff")
    _enter(client, f"/papper/registrera/DP/insats/{world['mine'].id}", {"DP01": "4"})
    response = db.session.scalar(select(Response))
    assert client.post(f"/papper/svar/{response.id}/aterkalla", data={}).status_code == 400
    db.session.refresh(response)
    assert response.withdrawn is False


def test_index_links_to_print_and_entry(client, auth, world):
    auth.login("staff")
    html = client.get("/papper/").get_data(as_text=True)
    assert f"/papper/lank/{world['link'].id}/utskrift" in html
    assert f"/papper/lank/{world['link_theirs'].id}/utskrift" not in html
    assert re.search(rf"/papper/registrera/DP/insats/{world['mine'].id}\b", html)
    assert "/papper/import" not in html
