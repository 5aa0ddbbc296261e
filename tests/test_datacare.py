"""Care of data: audit log scoping and pagination, gallring with confirmation and audit."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from surveys.extensions import db
from surveys.models import Answer, AuditEvent, BackgroundAnswer, FreeText, Response
from tests.conftest import AuthActions
from tests.helpers import form_fields


@pytest.fixture
def world(make_forbund, make_user):
    a = make_forbund(slug="a", name="Förbund A")
    b = make_forbund(slug="b", name="Förbund B")
    officer_a = make_user("officer_a", "officer", a, name="Anna Kansli")
    officer_b = make_user("officer_b", "officer", b, name="Bertil Kansli")
    admin = make_user("admin", "admin", None, name="Adam Admin")
    make_user("staff_a", "staff", a)
    return {"a": a, "b": b, "officer_a": officer_a, "officer_b": officer_b, "admin": admin}


def logged_in(app, username):
    client = app.test_client()
    AuthActions(client).login(username)
    return client


def event(forbund, user, action, target):
    db.session.add(AuditEvent(forbund_id=forbund.id if forbund else None, user_id=user.id, action=action, target=target))


def add_response(forbund, year, n_answers=2, key=None, withdrawn=False):
    r = Response(submission_key=key or f"k-{db.session.scalar(select(func.count()).select_from(Response))}-{year}-x",
                 forbund_id=forbund.id, questionnaire="CH", instrument_version="2026.1", measurement_year=year,
                 submitted_on=dt.date(year, 3, 1), withdrawn=withdrawn,
                 released=True, withdrawal_released=withdrawn)
    r.answers = [Answer(item_id=f"CH0{i + 1}", value=4) for i in range(n_answers)]
    r.background = [BackgroundAnswer(question_id="partner", value="kommun")]
    r.free_texts = [FreeText(question_id="best", text="bra")]
    db.session.add(r)
    db.session.commit()
    return r


def count(model=Response, **where):
    query = select(func.count()).select_from(model)
    return db.session.scalar(query)


# --- audit log --------------------------------------------------------------------------------


def test_officer_sees_only_own_forbund_events(app, world):
    event(world["a"], world["officer_a"], "link.create", "länk A-hemlig")
    event(world["b"], world["officer_b"], "link.create", "länk B-hemlig")
    event(None, world["admin"], "forbund.create", "installation-hemlig")
    db.session.commit()
    html_b = logged_in(app, "officer_b").get("/forbund/data/logg").get_data(as_text=True)
    assert "länk B-hemlig" in html_b and "Bertil Kansli" in html_b
    assert "A-hemlig" not in html_b and "installation-hemlig" not in html_b
    html_a = logged_in(app, "officer_a").get("/forbund/data/logg").get_data(as_text=True)
    assert "A-hemlig" in html_a and "B-hemlig" not in html_a
    # Even a forged filter never crosses förbund.
    forged = logged_in(app, "officer_b").get("/forbund/data/logg?action=link.create&page=1").get_data(as_text=True)
    assert "A-hemlig" not in forged


def test_admin_sees_installation_events_only_there(app, world):
    event(world["a"], world["officer_a"], "link.create", "länk A-hemlig")
    event(None, world["admin"], "forbund.create", "installation-händelse")
    db.session.commit()
    admin = logged_in(app, "admin")
    html = admin.get("/forbund/data/admin/logg").get_data(as_text=True)
    assert "installation-händelse" in html and "A-hemlig" not in html
    assert admin.get("/forbund/data/logg").status_code == 404
    assert logged_in(app, "officer_a").get("/forbund/data/admin/logg").status_code == 404
    assert logged_in(app, "staff_a").get("/forbund/data/logg").status_code == 404


def test_audit_log_newest_first_filter_and_pages(app, world):
    base = dt.datetime(2026, 1, 1, 12, 0)
    for i in range(60):
        db.session.add(AuditEvent(forbund_id=world["a"].id, user_id=world["officer_a"].id, action="paper.enter",
                                  target=f"händelse-{i:02d}", at=base + dt.timedelta(minutes=i)))
    db.session.add(AuditEvent(forbund_id=world["a"].id, user_id=None, action="responses.import", target="fil x.csv",
                              at=base - dt.timedelta(days=1)))
    db.session.commit()
    client = logged_in(app, "officer_a")
    first = client.get("/forbund/data/logg").get_data(as_text=True)
    assert first.index("händelse-59") < first.index("händelse-58")
    assert "händelse-05" not in first and "page=2" in first
    second = client.get("/forbund/data/logg?page=2").get_data(as_text=True)
    assert "händelse-05" in second and "fil x.csv" in second and "Kommandorad" in second
    filtered = client.get("/forbund/data/logg?action=responses.import").get_data(as_text=True)
    assert "fil x.csv" in filtered and "händelse-59" not in filtered
    assert "Pappersenkät inskriven" in first  # actions have readable names


# --- gallring ---------------------------------------------------------------------------------


def _choose(client, years):
    page = client.get("/forbund/data/gallring")
    assert page.status_code == 200
    fields = form_fields(page.get_data(as_text=True))
    return client.post("/forbund/data/gallring", data={**fields, "years": [str(y) for y in years]})


def test_gallring_confirms_counts_then_deletes_and_audits(app, world):
    for _ in range(3):
        add_response(world["a"], 2022, n_answers=2)
    add_response(world["a"], 2022, n_answers=1, withdrawn=True)
    add_response(world["a"], 2024, n_answers=3)
    add_response(world["b"], 2022, n_answers=2)
    client = logged_in(app, "officer_a")
    page = client.get("/forbund/data/gallring").get_data(as_text=True)
    assert 'value="2022"' in page and 'value="2024"' in page
    confirm = _choose(client, [2022])
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "4 svar raderas" in html and ">7<" in html  # 4 responses, 2+2+2+1 answers
    assert count() == 6  # nothing deleted yet
    fields = form_fields(html)
    assert fields["years"] == "2022" and fields["expected"] == "4"
    done = client.post("/forbund/data/gallring/radera", data=fields)
    assert done.status_code == 303
    years = sorted((r.forbund_id, r.measurement_year) for r in db.session.scalars(select(Response)))
    assert years == [(world["a"].id, 2024), (world["b"].id, 2022)]
    assert count(Answer) == 3 + 2 and count(BackgroundAnswer) == 2 and count(FreeText) == 2
    audit = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "responses.delete_years"))
    assert audit.forbund_id == world["a"].id and audit.user_id == world["officer_a"].id
    assert "2022" in audit.target and "4 svar" in audit.detail and "7 frågesvar" in audit.detail
    assert "bra" not in audit.detail
    assert "4 svar med 7 frågesvar raderades" in client.get("/forbund/data/gallring").get_data(as_text=True)


def test_gallring_recounts_at_confirmation(app, world):
    add_response(world["a"], 2022)
    client = logged_in(app, "officer_a")
    fields = form_fields(_choose(client, [2022]).get_data(as_text=True))
    add_response(world["a"], 2022)  # arrives between the two steps
    again = client.post("/forbund/data/gallring/radera", data=fields)
    assert again.status_code == 409
    assert "2 svar raderas" in again.get_data(as_text=True)
    assert count() == 2
    done = client.post("/forbund/data/gallring/radera", data=form_fields(again.get_data(as_text=True)))
    assert done.status_code == 303 and count() == 0


def test_gallring_confirmed_twice_at_once_deletes_and_logs_once(app, world, monkeypatch):
    """A double click on "Radera": the second request counted before the first deleted; it must
    say nothing is left, not "klar", and log nothing (the log states what was deleted)."""
    from surveys import datacare

    add_response(world["a"], 2022)
    client = logged_in(app, "officer_a")
    fields = form_fields(_choose(client, [2022]).get_data(as_text=True))
    seen_before = datacare.count_years(world["a"].id, [2022])
    assert client.post("/forbund/data/gallring/radera", data=fields).status_code == 303  # the first click
    real = datacare.count_years
    calls = []

    def counted_before_the_first_click(forbund_id, years):
        calls.append(1)
        return seen_before if len(calls) == 1 else real(forbund_id, years)

    monkeypatch.setattr(datacare, "count_years", counted_before_the_first_click)
    monkeypatch.setattr(datacare, "response_years", lambda forbund_id: [2022])
    second = client.post("/forbund/data/gallring/radera", data=fields, follow_redirects=True)
    assert "Det finns inga svar kvar att gallra" in second.get_data(as_text=True)
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "responses.delete_years")).all()
    assert len(events) == 1 and len(calls) == 2


def test_gallring_scoping_and_csrf(app, world):
    add_response(world["a"], 2022)
    client_b = logged_in(app, "officer_b")
    page = client_b.get("/forbund/data/gallring").get_data(as_text=True)
    assert 'value="2022"' not in page
    token = form_fields(page)["csrf_token"]
    # B posting A's year: not one of B's years, nothing happens.
    client_b.post("/forbund/data/gallring/radera", data={"csrf_token": token, "years": "2022", "expected": "1"})
    assert count() == 1
    client_a = logged_in(app, "officer_a")
    assert client_a.post("/forbund/data/gallring/radera", data={"years": "2022", "expected": "1"}).status_code == 400
    assert count() == 1
    assert _choose(client_a, []).status_code == 400
    assert logged_in(app, "staff_a").get("/forbund/data/gallring").status_code == 404
