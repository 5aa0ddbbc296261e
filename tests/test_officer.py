"""Officer pages: insatser, links, deactivation and counts; everything audited, nothing shown of answers."""

import datetime as dt

import pytest
from sqlalchemy import select

from surveys.extensions import db
from surveys.models import Answer, AuditEvent, Insats, Response, SurveyLink
from tests.helpers import form_fields, strip_tags


@pytest.fixture
def officer(make_forbund, make_user, auth):
    forbund = make_forbund("a", "Förbund A")
    make_user("officer_a", "officer", forbund)
    make_user("officer_b", "officer", make_forbund("b", "Förbund B"))
    auth.login("officer_a")
    return forbund


def post_form(client, path, data, page=None):
    fields = form_fields(client.get(page or path).get_data(as_text=True))
    return client.post(path, data={**fields, **data})


def actions():
    return [e.action for e in db.session.scalars(select(AuditEvent).where(~AuditEvent.action.startswith("login")).order_by(AuditEvent.id))]


def test_login_lands_on_dashboard(client, officer):
    resp = client.get("/start")
    assert resp.status_code == 302 and resp.location.endswith("/forbund/")
    html = client.get("/forbund/").get_data(as_text=True)
    assert "Förbund A" in html and "Mätår 2026" in html
    assert 'aria-current="page"' in html and ">Översikt<" in html


def test_create_rename_close_insats(client, officer):
    resp = post_form(client, "/forbund/insatser", {"name": "  Steg   för steg "})
    assert resp.status_code == 303
    insats = db.session.scalar(select(Insats))
    assert insats.name == "Steg för steg" and insats.forbund_id == officer.id

    dup = post_form(client, "/forbund/insatser", {"name": "steg för steg"})
    assert dup.status_code == 200 and "redan en insats" in dup.get_data(as_text=True)
    empty = post_form(client, "/forbund/insatser", {"name": ""})
    assert "Fyll i insatsens namn" in empty.get_data(as_text=True)

    assert post_form(client, f"/forbund/insatser/{insats.id}", {"name": "Steg 2"}).status_code == 303
    assert db.session.get(Insats, insats.id).name == "Steg 2"
    resp = post_form(client, f"/forbund/insatser/{insats.id}/avsluta", {}, page=f"/forbund/insatser/{insats.id}")
    assert resp.status_code == 303 and db.session.get(Insats, insats.id).closed
    assert actions() == ["insats.create", "insats.rename", "insats.close"]
    # A closed insats is not offered for new links.
    assert f'<option value="{insats.id}"' not in client.get("/forbund/lankar/ny").get_data(as_text=True)


def test_control_characters_never_reach_a_staff_form(client, officer):
    """NUL and other C0 characters are removed from staff input too (a 500 on PostgreSQL before)."""
    resp = post_form(client, "/forbund/insatser", {"name": "Steg\x00 för\x1f steg\x08"})
    assert resp.status_code == 303
    assert db.session.scalar(select(Insats.name)) == "Steg för steg"
    again = client.get("/resultat/?year=2026\x00&scope=x\x00")
    assert again.status_code < 500


def test_create_link_through_the_form(client, officer, make_insats):
    a1 = make_insats(officer, "A1")
    data = {"questionnaire": "DP", "insats": str(a1.id), "opens_on": " 2026-03-01", "closes_on": "2026-04-30 ",
            "label": "Vårgruppen"}  # spaces around a pasted date are no error
    resp = post_form(client, "/forbund/lankar/ny", data)
    assert resp.status_code == 303
    link = db.session.scalar(select(SurveyLink))
    assert resp.location.endswith(f"/lankar/{link.id}")
    assert (link.questionnaire, link.insats_id, link.label) == ("DP", a1.id, "Vårgruppen")
    assert link.opens_on == dt.date(2026, 3, 1) and link.closes_on == dt.date(2026, 4, 30)
    assert link.instrument_version == "2026.1" and link.created_by_id is not None
    assert actions() == ["link.create"]
    assert "Vårgruppen" in client.get("/forbund/lankar").get_data(as_text=True)


@pytest.mark.parametrize("data, message", [
    ({"questionnaire": "DP", "insats": "", "opens_on": "2026-03-01", "closes_on": "2026-04-30"},
     "Insats: Välj vilken insats"),
    ({"questionnaire": "CH", "insats": "A1", "opens_on": "2026-03-01", "closes_on": "2026-04-30"},
     "gäller hela förbundet"),
    ({"questionnaire": "CH", "insats": "", "opens_on": "2026-03-01", "closes_on": "2026-02-28"},
     "Stänger: Stängningsdatumet kan inte vara före öppningsdatumet"),
    ({"questionnaire": "CH", "insats": "", "opens_on": "", "closes_on": "2026-02-28"}, "Öppnar"),
    ({"questionnaire": "CH", "insats": "", "opens_on": "0001-01-01", "closes_on": "2026-02-28"},
     "Öppnar: Ange ett datum från 2000-01-01 till 2199-12-31"),
    ({"questionnaire": "CH", "insats": "", "opens_on": "2026-03-01", "closes_on": "9999-12-31"},
     "Stänger: Ange ett datum från 2000-01-01 till 2199-12-31"),
    ({"questionnaire": "DP", "insats": "A1", "opens_on": "2026-03-01", "closes_on": "2026-04-30",
      "requires_code": "y"}, "Engångskoder används bara"),
])
def test_link_form_errors_name_the_field(client, officer, make_insats, data, message):
    a1 = make_insats(officer, "A1")
    data = {**data, "insats": str(a1.id) if data["insats"] == "A1" else ""}
    resp = post_form(client, "/forbund/lankar/ny", data)
    html = strip_tags(resp.get_data(as_text=True))
    assert resp.status_code == 200 and "Det finns fel i formuläret" in html
    assert message in html, html[:2000]
    assert db.session.scalar(select(SurveyLink)) is None


def test_officer_cannot_use_another_forbunds_insats(client, officer, make_forbund, make_insats):
    other = make_insats(make_forbund("c", "C"), "Annan")
    resp = post_form(client, "/forbund/lankar/ny", {"questionnaire": "DP", "insats": str(other.id),
                                                     "opens_on": "2026-03-01", "closes_on": "2026-04-30"})
    assert resp.status_code == 200 and db.session.scalar(select(SurveyLink)) is None
    assert client.get(f"/forbund/insatser/{other.id}").status_code == 404


def test_deactivate_link_closes_it_for_respondents(client, officer, make_insats, make_link):
    link = make_link(officer, "DP", make_insats(officer, "A1"))
    resp = post_form(client, f"/forbund/lankar/{link.id}/inaktivera", {}, page=f"/lankar/{link.id}")
    assert resp.status_code == 303
    assert not db.session.get(SurveyLink, link.id).active
    assert actions() == ["link.deactivate"]
    assert client.application.test_client().get(f"/s/{link.token}").status_code == 410


def test_dashboard_counts_per_year_and_questionnaire_without_answers(client, officer, make_insats, make_link):
    link = make_link(officer, "DP", make_insats(officer, "A1"))
    for n, year in enumerate((2024, 2026, 2026)):
        response = Response(submission_key=f"key-{n:016d}", link_id=link.id, forbund_id=officer.id,
                            insats_id=link.insats_id, questionnaire="DP", instrument_version="2026.1",
                            measurement_year=year, submitted_on=dt.date(year, 3, 1), released=True)
        response.answers = [Answer(item_id="DP01", value=6)]
        db.session.add(response)
    db.session.commit()
    html = client.get("/forbund/").get_data(as_text=True)
    text = strip_tags(html)
    assert "2026 2 0 0 0 0" in text and "2024 1 0 0 0 0" in text  # per year: DP DA PE CH ST
    assert "Svar 2026" in text
    assert "Alltid" not in text and "DP01" not in text  # counts only, never answers
