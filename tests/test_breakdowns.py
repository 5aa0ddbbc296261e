"""Background breakdowns (Scoring rule 8) under the disclosure rules, recomputed here by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from indicators.answers import AnswerSet
from indicators.breakdown import breakdown_cell
from indicators.scoring import score_indicators, score_items
from surveys.extensions import db
from surveys.models import Answer, BackgroundAnswer, Response
from surveys.results import ResultRequest, build_result_set
from tests.stats_reference import mean_interval_ref, wilson_ref

YEAR = 2025


@pytest.fixture
def add(app):
    counter = iter(range(10_000))

    def factory(forbund, group, rows, insats=None):
        """rows: (answers {item: value}, background {question: option})."""
        for answers, background in rows:
            r = Response(submission_key=f"key-{next(counter):012d}-bd", forbund_id=forbund.id,
                         insats_id=insats.id if insats else None, questionnaire=group, instrument_version="2026.1",
                         measurement_year=YEAR, submitted_on=dt.date(YEAR, 3, 1), released=True)
            for item, value in answers.items():
                r.answers.append(Answer(item_id=item, value=value))
            for question, option in background.items():
                r.background.append(BackgroundAnswer(question_id=question, value=option))
            db.session.add(r)
        db.session.commit()

    return factory


def test_breakdown_by_gender_with_secondary_suppression(app, make_forbund, add):
    fa = make_forbund(slug="a")
    women = [4, 5, 6, 5, 3, 6]  # 6 women
    men = [2, 3, 4, 4, 5]  # 5 men
    other = [6, 6]  # 2 "annat": below k, so the smallest shown category (men) is hidden too
    rows = [({"DP01": v, "DP02": 4}, {"gender": "kvinna"}) for v in women]
    rows += [({"DP01": v, "DP02": 5}, {"gender": "man"}) for v in men]
    rows += [({"DP01": v, "DP02": 2}, {"gender": "annat"}) for v in other]
    add(fa, "DP", rows)
    result = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("DP",), reference="none"))
    out = result.to_json_dict()["breakdowns"]
    row = next(b for b in out if b["dimension"] == "gender" and b["kind"] == "item" and b["id"] == "DP01")
    cats = {c["category"]: c for c in row["categories"]}
    assert list(cats) == ["kvinna", "man", "annat", "vill_inte_svara", "uppgift_saknas"]
    k = cats["kvinna"]
    assert k["n"] == 6 and k["mean"] == pytest.approx(sum(women) / 6)
    assert (k["ci_low"], k["ci_high"]) == pytest.approx(mean_interval_ref(women))
    assert k["share_positive"] == pytest.approx(5 / 6)
    assert (k["share_positive_ci_low"], k["share_positive_ci_high"]) == pytest.approx(wilson_ref(5, 6))
    # annat (2) < k; alone it would follow from the total (13) minus women and men: men hidden too.
    assert cats["annat"]["suppressed"] and cats["annat"]["hidden_reason"] == "too_few" and cats["annat"]["n"] is None
    assert cats["man"]["suppressed"] and cats["man"]["hidden_reason"] == "protect" and cats["man"]["mean"] is None
    assert cats["uppgift_saknas"]["suppressed"] and cats["vill_inte_svara"]["suppressed"]
    # The hidden categories hold 5 + 2 = 7 >= k answers together.
    shown = sum(c["n"] for c in cats.values() if not c["suppressed"])
    assert 13 - shown >= 5
    ind = next(b for b in out if b["dimension"] == "gender" and b["kind"] == "indicator" and b["id"] == "I01")
    kv = next(c for c in ind["categories"] if c["category"] == "kvinna")
    assert kv["n"] == 6 and kv["mean"] == pytest.approx((sum(women) / 6 + 4) / 2)  # DP01 and DP02 both I01
    assert kv["index"] == pytest.approx((kv["mean"] - 1) / 5 * 100)


def test_missing_background_is_its_own_category_and_groups_partition(app, make_forbund, add):
    fa = make_forbund(slug="a")
    rows = [({"DP01": 4}, {"age_group": "16-29"}) for _ in range(5)]
    rows += [({"DP01": 5}, {}) for _ in range(5)]  # no age given: "uppgift saknas"
    add(fa, "DP", rows)
    result = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("DP",), reference="none"))
    row = next(b for b in result.to_json_dict()["breakdowns"]
               if b["dimension"] == "age_group" and b["kind"] == "item" and b["id"] == "DP01")
    cats = {c["category"]: c for c in row["categories"]}
    assert cats["16-29"]["n"] == 5 and cats["uppgift_saknas"]["n"] == 5 and cats["uppgift_saknas"]["mean"] == 5.0
    assert sum(c["n"] or 0 for c in cats.values()) == 10


def test_no_breakdowns_for_an_insats_view_or_a_hidden_group(app, make_forbund, make_insats, add):
    fa = make_forbund(slug="a")
    x = make_insats(fa, "X")
    add(fa, "DP", [({"DP01": 4}, {"gender": "kvinna"}) for _ in range(6)], insats=x)
    add(fa, "PE", [({"PE01": 4}, {"partner": "kommun"}) for _ in range(3)], insats=x)  # PE below k
    view = build_result_set(ResultRequest(forbund=fa, insats=x, years=(YEAR,), groups=("DP",), reference="none"))
    assert view.breakdowns == ()
    whole = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("DP", "PE"), reference="none"))
    assert whole.breakdowns and {b.group for b in whole.breakdowns} == {"DP"}


def test_category_indicator_uses_only_items_shown_in_that_category():
    # Category c0: A answered by 6, B by 2 (hidden) -> c0's indicator is A's mean only.
    resp, item, value, unit = [], [], [], []
    for r in range(6):
        resp.append(r), item.append(0), value.append(4 + r % 2), unit.append(0)
    for r in range(2):
        resp.append(r), item.append(1), value.append(1), unit.append(0)
    for r in range(6, 12):
        resp.append(r), item.append(0), value.append(3), unit.append(1)
        resp.append(r), item.append(1), value.append(5), unit.append(1)
    answers = AnswerSet(np.array(resp), np.array(item), np.array(value, float), ("A", "B"), np.array(unit), ("c0", "c1"))
    flat = AnswerSet(np.array(resp), np.array(item), np.array(value, float), ("A", "B"))
    mapping = {"A": "I", "B": "I"}
    by_item, by_ind = breakdown_cell(answers, score_items(flat), score_indicators(flat, mapping), mapping, 5)
    b_cells = {c.category: c for c in by_item["B"]}
    assert b_cells["c0"].result.suppressed and b_cells["c0"].hidden_reason == "too_few"
    c0 = next(c for c in by_ind["I"] if c.category == "c0").result
    assert c0.items == ("A",) and c0.mean == pytest.approx(4.5)  # (4 + 5 + 4 + 5 + 4 + 5) / 6
    # B in c1 (6 answers) is hidden too: otherwise it would follow from B's total minus c1.
    assert b_cells["c1"].result.suppressed and b_cells["c1"].hidden_reason == "protect"
    c1 = next(c for c in by_ind["I"] if c.category == "c1").result
    assert c1.items == ("A",) and c1.mean == pytest.approx(3.0) and c1.n == 6


def test_results_page_shows_breakdowns_for_the_whole_forbund(client, auth, make_forbund, make_user, add):
    fa = make_forbund(slug="a")
    make_user("off", role="officer", forbund=fa)
    add(fa, "DP", [({"DP01": 4}, {"gender": "kvinna"}) for _ in range(6)]
        + [({"DP01": 6}, {"gender": "man"}) for _ in range(5)])
    auth.login("off")
    html = client.get(f"/resultat/?year={YEAR}&reference=none").get_data(as_text=True)
    assert "Resultat efter bakgrund" in html and "Kvinna" in html and "Uppgift saknas" in html
    assert "60,0" in html and "100,0" in html  # index of 4 = 60, of 6 = 100


def test_breakdown_export_table(app, make_forbund, add):
    from indicators.report_data import breakdown_table
    from surveys.instruments import instrument

    fa = make_forbund(slug="a")
    add(fa, "PE", [({"PE01": 5}, {"partner": "kommun"}) for _ in range(5)]
        + [({"PE01": 3}, {"partner": "region"}) for _ in range(6)])
    rs = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("PE",), reference="none"))
    table = breakdown_table(rs, instrument())
    pe01 = {r[3]: r for r in table.rows if r[4] == "PE01"}
    assert pe01["Kommun"][5:] == (5, 5.0, None, 100.0, "")
    assert pe01["Region"][5:] == (6, 3.0, None, 0.0, "")
    assert pe01["Uppgift saknas"][5:] == (None, None, None, None, "för få svar")  # nobody: n = 0


def test_report_has_the_breakdown_tables(app, make_forbund, add):
    import io

    from pypdf import PdfReader

    from indicators.report import build_report
    from surveys.instruments import instrument

    fa = make_forbund(slug="a")
    add(fa, "PE", [({"PE01": 5}, {"partner": "kommun"}) for _ in range(5)]
        + [({"PE01": 3}, {"partner": "region"}) for _ in range(6)])
    rs = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("PE",), reference="none"))
    pdf = build_report(rs, instrument(), YEAR)
    text = " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())
    assert "Index efter bakgrund" in text and "Kommun" in text and "Uppgift saknas" in text
    assert "80,0 (n 5)" in text and "40,0 (n 6)" in text  # index of 5 = 80, of 3 = 40 (PE01 alone)


def test_results_page_says_breakdowns_wait_for_the_year_to_end(app, client, auth, make_forbund, make_user, add,
                                                               monkeypatch):
    # The same answers while their measurement year runs (D2: subgroups_shown): no table, a note.
    fa = make_forbund(slug="a")
    make_user("off", role="officer", forbund=fa)
    add(fa, "DP", [({"DP01": 4}, {"gender": "kvinna"}) for _ in range(6)]
        + [({"DP01": 6}, {"gender": "man"}) for _ in range(5)])
    monkeypatch.setitem(app.config, "FIXED_TODAY", f"{YEAR}-06-01")
    auth.login("off")
    html = client.get(f"/resultat/?year={YEAR}&reference=none").get_data(as_text=True)
    assert "Resultat efter bakgrund" in html and "Kvinna" not in html
    assert f"visas när mätåret är slut, efter den 31 oktober {YEAR}" in html
    free = client.get(f"/resultat/fritext?year={YEAR}").get_data(as_text=True)
    assert f"Fritextsvaren för mätåret {YEAR} visas när mätåret är slut" in free
