"""The results query layer: withdrawn responses excluded, scoping, computed riket, self-reference."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from surveys.extensions import db
from surveys.models import Answer, Response
from surveys.results import ResultRequest, build_result_set, load_answers

YEAR = 2025


@pytest.fixture
def add(app):
    counter = iter(range(10_000))

    def factory(forbund, group, values, insats=None, withdrawn=False, year=YEAR):
        for value in values:
            r = Response(submission_key=f"key-{next(counter):012d}-xxxx", forbund_id=forbund.id,
                         insats_id=insats.id if insats else None, questionnaire=group, instrument_version="2026.1",
                         measurement_year=year, submitted_on=dt.date(year, 3, 1), withdrawn=withdrawn,
                         released=True, withdrawal_released=withdrawn)
            r.answers.append(Answer(item_id=f"{group}01", value=value))
            db.session.add(r)
        db.session.commit()

    return factory


def test_load_answers_excludes_withdrawn_and_scopes(app, make_forbund, make_insats, add):
    fa, fb = make_forbund(slug="a"), make_forbund(slug="b")
    x, y = make_insats(fa, "X"), make_insats(fa, "Y")
    add(fa, "DP", [1, 2, 3], insats=x)
    add(fa, "DP", [4, 5], insats=y)
    add(fa, "DP", [6, 6], insats=x, withdrawn=True)
    add(fb, "DP", [5, None])
    everything = load_answers(years=[YEAR], groups=["DP"])
    assert sorted(np.nan_to_num(everything.value).tolist()) == [0, 1, 2, 3, 4, 5, 5]
    assert sorted(load_answers(years=[YEAR], groups=["DP"], forbund_id=fa.id).value.tolist()) == [1, 2, 3, 4, 5]
    assert sorted(load_answers(years=[YEAR], groups=["DP"], forbund_id=fa.id, insats_id=x.id).value.tolist()) == [1, 2, 3]
    assert len(load_answers(years=[YEAR - 1], groups=["DP"])) == 0
    assert len(load_answers(years=[YEAR], groups=["PE"])) == 0


def test_results_use_one_query_for_answers(app, make_forbund, add):
    from sqlalchemy import event

    fa, fb = make_forbund(slug="a"), make_forbund(slug="b")
    add(fa, "DP", [1, 2, 3, 4, 5])
    add(fb, "PE", [3, 4, 5, 6, 6])
    statements = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        build_result_set(ResultRequest(forbund=fa, years=(YEAR,), reference="computed"))
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert sum(1 for s in statements if "FROM response LEFT OUTER JOIN answer" in s) == 1


def test_computed_riket_pools_the_other_forbund_but_withdrawn(app, make_forbund, make_insats, add):
    fa, fb, fc, fd = (make_forbund(slug=s) for s in "abcd")
    add(fa, "DP", [2, 2, 3, 3, 4])
    add(fb, "DP", [5, 5, 6, 6, 6])
    add(fb, "DP", [1, 1, 1, 1, 1], withdrawn=True)
    add(fc, "DP", [4, 4, 4, 4, 4])
    add(fd, "DP", [3, 3, 3, 3, 3])
    result = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("DP",)))
    row = result.item("DP", "DP01", YEAR)
    assert row.result.n == 5 and row.result.mean == pytest.approx(2.8)
    # riket utom förbundet: b, c, d only (own förbund a never enters): (28 + 20 + 15) / 15
    assert row.reference.n == 15 and row.reference.mean == pytest.approx(63 / 15)
    assert row.reference.contributors == {fb.id, fc.id, fd.id}
    assert row.comparison.compared and row.comparison.difference == pytest.approx(2.8 - 63 / 15)
    assert "3 andra förbund" in result.reference_source


def test_riket_needs_three_other_forbund(app, make_forbund, make_insats, add):
    fa, fb, fc, fd = (make_forbund(slug=s) for s in "abcd")
    x = make_insats(fa, "X")
    add(fa, "DP", [2, 2, 3, 3, 4], insats=x)
    add(fa, "DP", [6, 6, 6, 6, 6])
    add(fb, "DP", [5, 5, 6, 6, 6])
    add(fc, "DP", [5, 5, 6, 6, 6])
    add(fd, "DP", [5, 5, 6, 6])  # 4 < k: only two other förbund with k answers
    row = build_result_set(ResultRequest(forbund=fa, insats=x, years=(YEAR,), groups=("DP",))).item("DP", "DP01", YEAR)
    assert row.result.n == 5 and row.reference.suppressed and not row.comparison.compared
    add(fd, "DP", [1])
    row = build_result_set(ResultRequest(forbund=fa, insats=x, years=(YEAR,), groups=("DP",))).item("DP", "DP01", YEAR)
    assert row.result.n == 5 and row.reference.n == 15 and row.comparison.compared


def test_no_riket_with_one_forbund(app, make_forbund, add):
    fa = make_forbund(slug="a")
    add(fa, "DP", [2, 3, 4, 5, 6])
    result = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("DP",)))
    row = result.item("DP", "DP01", YEAR)
    assert row.result.n == 5 and row.reference is None and row.comparison is None
    assert result.indicator("DP", "I01", YEAR).reference is None
    assert "minst tre andra förbund" in result.reference_source


def test_small_groups_are_suppressed_and_counts_hidden(app, make_forbund, add):
    fa, fb = make_forbund(slug="a"), make_forbund(slug="b")
    add(fa, "DP", [2, 3, 4, 5])  # 4 < 5
    add(fb, "DP", [2, 3, 4, 5, 6])
    result = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=("DP",)))
    assert result.item("DP", "DP01", YEAR).result.suppressed
    assert result.item("DP", "DP01", YEAR).result.n is None
    assert result.response_count("DP", YEAR) is None
    assert result.to_json_dict()["response_counts"] == [{"group": "DP", "year": YEAR, "n": None, "hidden_reason": "too_few",
                                                         "asked": None, "response_rate": None,
                                                         "response_rate_capped": None}]


def test_bad_request_values_raise_value_error(app, make_forbund, make_insats):
    fa, fb = make_forbund(slug="a"), make_forbund(slug="b")
    with pytest.raises(ValueError):
        ResultRequest(forbund=fa, years=(YEAR,), reference="bogus")
    with pytest.raises(ValueError):
        ResultRequest(forbund=fa, years=())
    with pytest.raises(ValueError):
        ResultRequest(forbund=fa, years=(YEAR,), insats=make_insats(fb, "Z"))


def test_q_values_do_not_depend_on_the_groups_shown(app, make_forbund, add):
    """Scoring rule 5: one Benjamini-Hochberg family per year of every item and indicator of every
    group, so a page filtered to one group marks the same figures significant as the report."""
    fa = make_forbund(slug="a")
    add(fa, "DP", [5, 5, 4, 6, 4, 5, 3, 5, 5])
    add(fa, "PE", [3, 4, 5, 3, 4, 5, 4, 4])
    for slug in "bcd":
        other = make_forbund(slug=slug)
        add(other, "DP", [3, 4, 5, 3, 4])
        add(other, "PE", [4, 3, 4, 5, 3])

    def tests(groups):
        rs = build_result_set(ResultRequest(forbund=fa, years=(YEAR,), groups=groups))
        return {(r.group, r.item_id): (r.comparison.p_value, r.comparison.q_value)
                for r in rs.items if r.comparison is not None and r.comparison.p_value is not None}

    everything, dp_only = tests(("DP", "DA", "PE", "CH", "ST")), tests(("DP",))
    assert set(dp_only) == {("DP", "DP01")} and {g for g, _ in everything} == {"DP", "PE"}
    # two tested rows in the family (DP01 and PE01; their indicators have the same p-values)
    assert dp_only[("DP", "DP01")] == everything[("DP", "DP01")]
    p_dp, q_dp = everything[("DP", "DP01")]
    assert q_dp > p_dp  # PE's comparisons are in the family of the page that shows DP only
