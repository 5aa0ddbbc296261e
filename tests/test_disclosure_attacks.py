"""Named regression tests: each attack of issue 10, tried through ``flask results --format json``.

Answers are stored through ``surveys.responses.submit_response`` (so the release mechanism,
``surveys.releases``, decides what becomes visible), except where a test needs released data
that the release rule would never produce (data released before the rule existed).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from sqlalchemy import select

from surveys.extensions import db
from surveys.instruments import instrument
from surveys.models import Answer, FreeText, Response
from surveys.paper import withdraw_entry
from surveys.responses import Submission, submit_response
from surveys.results import free_texts

YEAR = 2026  # the current measurement year in tests (FIXED_TODAY 2026-03-15)
DAY = dt.date(2026, 3, 1)
K = 5
_keys = itertools.count()


def submit(forbund, group, values, insats=None, text=None, **kw):
    """Submit one response per value (the value answers the group's first item), like the web form."""
    q = instrument().questionnaires[group]
    out = []
    for value in values:
        answers = {q.item_ids[0]: value} if isinstance(value, int) else dict(value)
        sub = Submission(answers=answers, free_text={q.free_text[0].id: text} if text and q.free_text else {})
        r, _ = submit_response(forbund_id=forbund.id, questionnaire=q, instrument_version="2026.1", submission=sub,
                               submission_key=f"attack-{next(_keys):020d}", submitted_on=DAY, max_text=2000,
                               insats_id=insats.id if insats else None, **kw)
        out.append(r)
    db.session.commit()
    return out


def legacy(forbund, group, values, insats=None, text=None):
    """Responses released before the release rule (as the migration marks old data)."""
    for value in values:
        r = Response(submission_key=f"legacy-{next(_keys):020d}", forbund_id=forbund.id,
                     insats_id=insats.id if insats else None, questionnaire=group, instrument_version="2026.1",
                     measurement_year=YEAR, submitted_on=DAY, released=True)
        r.answers.append(Answer(item_id=f"{group}01", value=value))
        if text:
            r.free_texts.append(FreeText(question_id=instrument().questionnaires[group].free_text[0].id, text=text))
        db.session.add(r)
    db.session.commit()


def results(app, slug, *args):
    out = app.test_cli_runner().invoke(args=["results", "--forbund", slug, "--year", str(YEAR), "--format", "json",
                                             *args])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def entry(out, kind, ident, group="DP"):
    return next(e for e in out[kind] if e["id"] == ident and e["group"] == group)


def no_figures(e):
    return all(e.get(key) is None for key in ("n", "mean", "counts", "reference_mean", "reference_n", "difference"))


def test_riket_minus_own_with_two_forbund(app, make_forbund):
    fa, fb = make_forbund(slug="a"), make_forbund(slug="b")
    submit(fa, "DP", [3] * 9)  # released: 5, pending: 4
    submit(fb, "DP", [6] * 5)
    item = entry(results(app, "a", "--group", "DP"), "items", "DP01")
    assert item["n"] == 5 and item["reference_n"] is None and item["reference_mean"] is None


def test_riket_minus_own_with_three_forbund(app, make_forbund):
    fa, fb, fc = (make_forbund(slug=s) for s in "abc")
    submit(fa, "DP", [3] * 9)
    submit(fb, "DP", [6] * 5)
    submit(fc, "DP", [2] * 5)
    out = results(app, "a", "--group", "DP")
    assert entry(out, "items", "DP01")["reference_n"] is None
    assert entry(out, "indicators", "I01")["reference_n"] is None


def test_top_up_with_paper_answers_leaves_riket_unchanged(app, make_forbund):
    fa, fb, fc, fd = (make_forbund(slug=s) for s in "abcd")
    submit(fa, "DP", [3] * 5)
    for f, v in ((fb, 4), (fc, 5), (fd, 6)):
        submit(f, "DP", [v] * 5)
    before = entry(results(app, "a", "--group", "DP"), "items", "DP01")
    assert before["reference_n"] == 15 and before["reference_mean"] == pytest.approx(5.0)
    # The officer of a adds paper answers of known value: riket utom förbundet does not move.
    submit(fa, "DP", [1] * 7, channel="paper")  # five released, two pending
    after = entry(results(app, "a", "--group", "DP"), "items", "DP01")
    assert after["n"] == 10
    assert (after["reference_n"], after["reference_mean"]) == (before["reference_n"], before["reference_mean"])
    # ... and another förbund's officer sees a's answers only inside a riket of three others.
    b = entry(results(app, "b", "--group", "DP"), "items", "DP01")
    assert b["reference_n"] == 10 + 5 + 5  # a, c, d


def test_forbund_minus_insats(app, make_forbund, make_insats):
    fa = make_forbund(slug="a")
    x, y = make_insats(fa, "X"), make_insats(fa, "Y")
    legacy(fa, "DP", [4] * 9, insats=x)
    legacy(fa, "DP", [1, 1, 2], insats=y)
    total = entry(results(app, "a", "--group", "DP"), "items", "DP01")
    assert total["n"] == 12
    # X alone would give Y = total - X: X is hidden too, to protect the smaller group.
    ex = entry(results(app, "a", "--group", "DP", "--insats", "X"), "items", "DP01")
    ey = entry(results(app, "a", "--group", "DP", "--insats", "Y"), "items", "DP01")
    assert ex["suppressed"] and ex["hidden_reason"] == "protect" and no_figures(ex)
    assert ey["suppressed"] and ey["hidden_reason"] == "too_few" and no_figures(ey)
    counts = results(app, "a", "--group", "DP", "--insats", "X")["response_counts"]
    assert counts == [{"group": "DP", "year": YEAR, "n": None, "hidden_reason": "protect",
                       "asked": None, "response_rate": None, "response_rate_capped": None}]


def test_staff_riket_in_a_one_forbund_installation(app, make_forbund, make_insats):
    fa = make_forbund(slug="a")
    x, y = make_insats(fa, "X"), make_insats(fa, "Y")
    submit(fa, "DP", [4] * 5, insats=x)
    submit(fa, "DP", [1] * 5, insats=y)
    out = results(app, "a", "--group", "DP", "--insats", "X")
    for e in out["items"] + out["indicators"]:
        assert e["reference_n"] is None and e["reference_mean"] is None
    assert entry(out, "items", "DP01")["n"] == 5


def test_indicator_minus_item(app, make_forbund):
    fa = make_forbund(slug="a")
    q = instrument().questionnaires["DP"]
    ind = q.items[0].indicator
    items = [i.id for i in q.items if i.indicator == ind]
    assert len(items) >= 2
    first, second = items[0], items[1]
    # legacy data: 6 answer the first item, only 2 of them the second
    for k in range(6):
        r = Response(submission_key=f"legacy-{next(_keys):020d}", forbund_id=fa.id, questionnaire="DP",
                     instrument_version="2026.1", measurement_year=YEAR, submitted_on=DAY, released=True)
        r.answers.append(Answer(item_id=first, value=4))
        if k < 2:
            r.answers.append(Answer(item_id=second, value=1))
        db.session.add(r)
    db.session.commit()
    out = results(app, "a", "--group", "DP")
    assert entry(out, "items", second)["suppressed"]
    indicator = entry(out, "indicators", ind)
    assert not indicator["suppressed"] and second not in indicator["items"]
    assert indicator["mean"] == pytest.approx(4.0)  # the hidden item's 1s never enter it


def test_before_and_after_one_answer(app, make_forbund):
    fa = make_forbund(slug="a")
    submit(fa, "ST", [3] * 5)
    before = entry(results(app, "a", "--group", "ST"), "items", "ST01", "ST")
    assert before["n"] == 5 and before["mean"] == pytest.approx(3.0)
    submit(fa, "ST", [6])  # one new board answer: pending
    after = entry(results(app, "a", "--group", "ST"), "items", "ST01", "ST")
    assert (after["n"], after["mean"]) == (5, pytest.approx(3.0))
    submit(fa, "ST", [6] * 3)
    assert entry(results(app, "a", "--group", "ST"), "items", "ST01", "ST")["n"] == 5
    submit(fa, "ST", [6])  # the fifth new answer: released together
    final = entry(results(app, "a", "--group", "ST"), "items", "ST01", "ST")
    assert final["n"] == 10 and final["mean"] == pytest.approx(4.5)


def test_withdrawal_is_released_only_in_steps_of_k(app, make_forbund, make_user):
    fa = make_forbund(slug="a")
    officer = make_user("off", forbund=fa)
    entries = submit(fa, "DP", [2] * 15, channel="paper", entered_by_id=officer.id)

    def n():
        return entry(results(app, "a", "--group", "DP"), "items", "DP01")["n"]

    def withdraw(rs):
        for r in rs:
            withdraw_entry(officer, r)
        db.session.commit()

    assert n() == 15
    withdraw(entries[:1])
    assert n() == 15  # a withdrawn answer keeps counting until k withdrawals are released
    withdraw(entries[1:5])
    assert n() == 10
    withdraw(entries[5:9])
    assert n() == 10
    withdraw(entries[9:10])
    assert n() == 5
    withdraw(entries[10:13])  # would leave 2 (< k) that an earlier figure minus this one gives: waits
    assert n() == 5
    withdraw(entries[13:15])  # the cell empties: released
    assert n() is None


def test_late_entries_for_a_closed_year_never_change_figures(app, make_forbund):
    fa = make_forbund(slug="a")
    q = instrument().questionnaires["DP"]
    for _ in range(6):
        submit_response(forbund_id=fa.id, questionnaire=q, instrument_version="2026.1",
                        submission=Submission(answers={"DP01": 5}), submission_key=f"late-{next(_keys):020d}",
                        submitted_on=dt.date(2025, 3, 1), max_text=2000)
    db.session.commit()
    out = app.test_cli_runner().invoke(args=["results", "--forbund", "a", "--year", "2025", "--format", "json"])
    e = next(e for e in json.loads(out.output)["items"] if e["id"] == "DP01")
    assert e["suppressed"] and e["n"] is None
    assert db.session.scalars(select(Response.released)).all() == [False] * 6


def year_ended(app, monkeypatch):
    """Today after the test year's 31 October: YEAR is final, its free text may be shown."""
    monkeypatch.setitem(app.config, "FIXED_TODAY", f"{YEAR}-11-15")


def test_free_text_by_set_difference(app, make_forbund, make_insats, monkeypatch):
    fa = make_forbund(slug="a")
    x, y = make_insats(fa, "X"), make_insats(fa, "Y")
    legacy(fa, "DP", [4] * 6, insats=x, text="Bra stöd")
    legacy(fa, "DP", [4] * 2, insats=y, text="Hemligt")
    year_ended(app, monkeypatch)
    assert free_texts(fa, None, YEAR, "DP") is not None
    # The förbund page minus the X page would be Y's two texts: the X page is hidden.
    assert free_texts(fa, x, YEAR, "DP") is None
    assert free_texts(fa, y, YEAR, "DP") is None
    legacy(fa, "DP", [4] * 3, insats=y, text="Mer")
    assert free_texts(fa, x, YEAR, "DP") is not None and free_texts(fa, y, YEAR, "DP") is not None


def test_free_text_only_from_released_responses(app, make_forbund, monkeypatch):
    fa = make_forbund(slug="a")
    submit(fa, "DP", [4] * 4, text="Väntar")
    legacy(fa, "DP", [4] * 5, text="Synlig")
    year_ended(app, monkeypatch)
    texts = free_texts(fa, None, YEAR, "DP")
    assert texts and all(t == "Synlig" for _q, t in texts)


def test_free_text_waits_for_the_year_to_end(app, make_forbund, monkeypatch):
    # D4 over time: a release of five responses of which one has a text would add that one
    # text to the page. While the year runs, no free text is shown; once it has ended, all are.
    fa = make_forbund(slug="a")
    legacy(fa, "DP", [4] * 5, text="Tidig")
    submit(fa, "DP", [4] * 4)
    submit(fa, "DP", [5], text="Den enda nya texten")  # the fifth: the release of five
    assert free_texts(fa, None, YEAR, "DP") is None
    assert db.session.scalars(select(Response.released)).all() == [True] * 10
    year_ended(app, monkeypatch)
    texts = sorted(t for _q, t in free_texts(fa, None, YEAR, "DP"))
    assert texts == ["Den enda nya texten"] + ["Tidig"] * 5


def test_breakdowns_wait_for_the_year_to_end(app, make_forbund, monkeypatch):
    # D2: a release of four women and one man changes the man's breakdown cell by one person.
    # While the year runs, the result set has no breakdowns and says which years wait.
    fa = make_forbund(slug="a")
    q = instrument().questionnaires["DP"]
    gender = next(b for b in q.background if "kvinna" in " ".join(b.options).lower() or b.id == "gender")
    woman, man = gender.options[0], gender.options[1]
    for option, values in ((woman, [4] * 5), (man, [3] * 5), (woman, [5] * 4), (man, [6])):
        for value in values:
            sub = Submission(answers={q.item_ids[0]: value}, background={gender.id: option})
            submit_response(forbund_id=fa.id, questionnaire=q, instrument_version="2026.1", submission=sub,
                            submission_key=f"attack-{next(_keys):020d}", submitted_on=DAY, max_text=2000)
    db.session.commit()
    out = results(app, "a")
    assert out["breakdowns"] == [] and out["not_final_years"] == [YEAR]
    year_ended(app, monkeypatch)
    out = results(app, "a")
    assert out["not_final_years"] == []
    cells = next(b for b in out["breakdowns"] if b["dimension"] == gender.id and b["id"] == q.item_ids[0])
    assert {c["category"]: c["n"] for c in cells["categories"] if c["n"] is not None} == {woman: 9, man: 6}
