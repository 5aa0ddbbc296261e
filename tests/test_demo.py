"""`flask demo`: links printed with the served address, the first views on a year with answers, and
`flask demo --remove` taking every demo row away in one transaction while real data stays."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

import surveys.demo as demo
from surveys.backup import tables
from surveys.extensions import db
from surveys.models import AuditEvent, Forbund, ReferenceValue, Response, SurveyLink, User
from tests.conftest import login


def counts() -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in tables()}


def test_demo_prints_links_with_flask_run_port(runner, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_PORT", "5101")
    monkeypatch.setenv("FLASK_RUN_HOST", "0.0.0.0")
    out = runner.invoke(args=["demo"]).output
    assert "http://127.0.0.1:5101/login" in out
    assert re.search(r"http://127\.0\.0\.1:5101/s/\S+", out)
    assert ":5000" not in out
    again = runner.invoke(args=["demo", "--base-url", "https://enkat.example.se/"]).output
    assert "https://enkat.example.se/s/" in again and "5101" not in again


def test_report_and_results_open_on_the_latest_year_with_answers(runner, client):
    runner.invoke(args=["demo"])
    login(client, "kansli-alvdal", demo.DEMO_PASSWORD)
    html = client.get("/rapport/").get_data(as_text=True)
    assert re.search(r'<option selected value="2024">|<option value="2024" selected', html), html[:2000]
    html = client.get("/resultat/").get_data(as_text=True)
    assert re.search(r'value="2024"[^>]*checked|checked[^>]*value="2024"', html)


def test_remove_deletes_every_demo_row_and_keeps_real_data(runner, make_forbund, make_insats, make_user, make_link):
    before = counts()
    real = make_forbund("riktig", "Samordningsförbundet Riktigt")
    insats = make_insats(real, "Riktig insats")
    officer_id = make_user("kansli-riktig", "officer", real).id
    link = make_link(real, "DP", insats)
    link_id = link.id
    db.session.add(Response(submission_key="real-1", forbund_id=real.id, insats_id=insats.id, link_id=link.id,
                            questionnaire="DP", instrument_version="2026.1", measurement_year=2026,
                            submitted_on=link.opens_on, channel="web"))
    db.session.add(ReferenceValue(year=2024, group="DP", target="I01", mean=4.5, sd=1.0, n=500, share_positive=0.7,
                                  source="NNS 2024", is_demo=False))
    db.session.commit()
    real_counts = counts()
    assert runner.invoke(args=["demo"]).exit_code == 0
    # A demo user did something in the real förbund: the row stays, without the demo user.
    demo_admin = db.session.scalar(select(User).where(User.username == "admin"))
    db.session.get(SurveyLink, link_id).created_by_id = demo_admin.id
    db.session.add(AuditEvent(user_id=demo_admin.id, forbund_id=None, action="demo.test", target="", detail=""))
    db.session.commit()

    result = runner.invoke(args=["demo", "--remove"])
    assert result.exit_code == 0, result.output
    assert "Demodata borttagen" in result.output
    after = counts()
    assert after == real_counts, {k: (real_counts[k], after[k]) for k in after if after[k] != real_counts[k]}
    assert db.session.scalar(select(func.count()).select_from(Forbund).where(Forbund.is_demo.is_(True))) == 0
    assert db.session.get(User, officer_id) is not None
    assert db.session.get(SurveyLink, link_id).created_by_id is None
    assert before != real_counts  # the real rows were there all along


def test_remove_is_all_or_nothing(runner, monkeypatch):
    assert runner.invoke(args=["demo"]).exit_code == 0
    with_demo = counts()

    class Broken:  # the last step fails: nothing of the earlier steps may stay deleted
        is_demo = property(lambda self: (_ for _ in ()).throw(RuntimeError("disk full")))

    monkeypatch.setattr(demo, "ReferenceValue", Broken())
    result = runner.invoke(args=["demo", "--remove"])
    assert result.exit_code != 0
    db.session.rollback()
    assert counts() == with_demo


@pytest.mark.parametrize("args", [["demo", "--remove"]])
def test_remove_without_demo_data_changes_nothing(runner, make_forbund, args):
    make_forbund("riktig", "Samordningsförbundet Riktigt")
    before = counts()
    assert runner.invoke(args=args).exit_code == 0
    assert counts() == before
