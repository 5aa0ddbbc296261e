"""Results pages: officer tables, "för få svar", staff scope, free text gating, I15/I16 entry."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from surveys.extensions import db
from surveys.models import Answer, AuditEvent, FreeText, Response, SupportCount
from tests.helpers import form_fields, strip_tags

YEAR = 2025


@pytest.fixture
def world(app, make_forbund, make_insats, make_user):
    fa = make_forbund(slug="a", name="Förbund A")
    fb = make_forbund(slug="b", name="Förbund B")
    x, y = make_insats(fa, "Insats X"), make_insats(fa, "Insats Y")
    make_user("off", role="officer", forbund=fa)
    make_user("staffx", role="staff", forbund=fa, insatser=[x])
    n = iter(range(10_000))

    def add(forbund, group, values, insats=None, text=None):
        for value in values:
            r = Response(submission_key=f"k-{next(n):014d}-xx", forbund_id=forbund.id, insats_id=insats.id if insats else None,
                         questionnaire=group, instrument_version="2026.1", measurement_year=YEAR,
                         submitted_on=dt.date(YEAR, 3, 1), released=True)
            r.answers.append(Answer(item_id=f"{group}01", value=value))
            if text:
                r.free_texts.append(FreeText(question_id="best", text=text))
            db.session.add(r)
        db.session.commit()

    add(fa, "DP", [4, 5, 6, 5, 4, 3], insats=x, text="<b>Bra</b> stöd")
    add(fa, "DP", [2, 3], insats=y, text="Hemligt")
    # Answers without insats: with them, insats Y's two are not insats X's complement (D1, D4).
    add(fa, "DP", [4, 4, 4, 4, 4], text="Utan insats")
    add(fb, "DP", [3, 3, 4, 4, 5])
    # Riket utom förbundet needs three other förbund with k answers each (D3).
    add(make_forbund(slug="c", name="Förbund C"), "DP", [4, 4, 5, 5, 6])
    add(make_forbund(slug="d", name="Förbund D"), "DP", [2, 3, 3, 4, 4])
    return {"fa": fa, "x": x, "y": y}


def page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_officer_sees_tables_with_reference_and_suppression(client, auth, world):
    auth.login("off")
    status, html = page(client, f"/resultat/?year={YEAR}")
    assert status == 200
    text = strip_tags(html)
    assert "Indikatoröversikt" in text and "I01 Behovsanpassat stöd" in text
    assert '<th scope="col"' in html and "<caption>" in html
    assert "Riket utom förbundet: beräknat från 3 andra förbund i installationen" in text
    assert "för få svar" in text  # DA, PE, CH, ST and DP02 have no or too few answers
    assert "Signifikant" in text or "Ingen säkerställd skillnad" in text
    # DP01 for the whole förbund: n = 13, mean 4.0
    assert "DP01" in text and "4,00" in text


def test_small_insats_reads_too_few_answers(client, auth, world):
    auth.login("off")
    status, html = page(client, f"/resultat/?year={YEAR}&scope={world['y'].id}&group=DP")
    text = strip_tags(html)
    assert status == 200 and "Insats Y" in text
    assert "för få svar" in text
    assert "2,50" not in text  # the mean of the two answers is never shown


def test_staff_sees_only_own_insats(client, auth, world):
    auth.login("staffx")
    status, html = page(client, f"/resultat/?year={YEAR}")
    assert status == 200 and "Insats X" in strip_tags(html)
    assert "Hela förbundet" not in strip_tags(html)
    assert page(client, f"/resultat/?year={YEAR}&scope={world['y'].id}")[0] == 404
    assert page(client, f"/resultat/?year={YEAR}&scope=forbund")[0] == 404
    assert page(client, f"/resultat/fritext?year={YEAR}&scope={world['y'].id}")[0] == 404
    assert page(client, "/resultat/lokala")[0] == 404


def test_free_text_only_above_threshold_and_escaped(client, auth, world):
    auth.login("off")
    status, html = page(client, f"/resultat/fritext?year={YEAR}&scope={world['x'].id}")
    assert status == 200
    assert "&lt;b&gt;Bra&lt;/b&gt; stöd" in html and "<b>Bra</b>" not in html
    status, html = page(client, f"/resultat/fritext?year={YEAR}&scope={world['y'].id}")
    assert "Hemligt" not in html and "för få svar" in html
    views = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "free_text.view")
                                    .order_by(AuditEvent.id)))
    assert [(e.target, e.detail) for e in views] == [(f"fritext {YEAR}", "enhet=Insats X svar=6"),
                                                     (f"fritext {YEAR}", "enhet=Insats Y svar=0")]
    assert all("Bra" not in (e.detail or "") for e in views)


def test_local_indicators_entry_validation_and_display(client, auth, world):
    auth.login("off")
    status, html = page(client, f"/resultat/lokala?year={YEAR}")
    assert status == 200
    fields = form_fields(html)
    bad = client.post(f"/resultat/lokala?year={YEAR}", data={**fields, "start_work_study": "-3", "end_other": "x"})
    text = strip_tags(bad.get_data(as_text=True))
    assert bad.status_code == 200 and "Arbete/studier (vid start)" in text and "Ange ett heltal" in text
    assert db.session.scalar(select(SupportCount.id)) is None
    ok = client.post(f"/resultat/lokala?year={YEAR}", data={
        **fields, "start_work_study": "2", "start_social_assistance": "10", "end_work_study": "7", "end_social_assistance": "5",
        "economic_value": "1,2 mnkr", "economic_method": "Kostnadsberäkning", "economic_source": "Egen uppföljning"})
    assert ok.status_code == 302
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "local_indicators.save"))
    status, html = page(client, f"/resultat/?year={YEAR}")
    text = strip_tags(html)
    assert "I15: avslutade deltagare" in text and "1,2 mnkr" in text and "Egen uppföljning" in text
    assert "jämförs aldrig med riket" in text
    # Editing the year shows the stored figures again.
    assert 'value="10"' in page(client, f"/resultat/lokala?year={YEAR}")[1]


def test_demo_forbund_and_demo_reference_are_labelled(client, auth, world):
    world["fa"].is_demo = True
    db.session.commit()
    auth.login("off")
    html = page(client, f"/resultat/?year={YEAR}")[1]
    assert "demo-banner" in html
