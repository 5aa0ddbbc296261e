"""Item and indicator statistics, pinned to values computed by hand in each test."""

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from indicators.answers import AnswerSet
from indicators.breakdown import indicator_breakdown, item_breakdown
from indicators.scoring import (
    IndicatorResult,
    ItemResult,
    combine_groups,
    item_stats,
    score_indicators,
    score_indicators_by_unit,
    score_items,
    score_items_by_unit,
)
from indicators.suppression import suppress_breakdown
from tests.stats_reference import mean_interval_ref, wilson_ref

pytestmark = pytest.mark.filterwarnings("error")

NAN = float("nan")


def assert_hidden(result):
    """Assert the result is suppressed and every figure (n included) is None."""
    assert result.suppressed is True
    figures = {f.name: getattr(result, f.name) for f in dataclasses.fields(result)}
    leaked = {k: v for k, v in figures.items() if k not in ("item", "indicator", "suppressed") and v is not None}
    assert leaked == {}


# -- one item ------------------------------------------------------------------------------


def test_item_stats_by_hand_with_missing_and_vet_ej():
    # 4, 5, 6, 2 valid; NaN (unanswered), 0 and None ("Vet ej") are missing.
    r = item_stats([4, NAN, 5, 0, 6, None, 2], item="DP01", threshold=3)
    mean = (4 + 5 + 6 + 2) / 4  # 4.25
    ss = (4 - mean) ** 2 + (5 - mean) ** 2 + (6 - mean) ** 2 + (2 - mean) ** 2  # 8.75
    sd = math.sqrt(ss / (4 - 1))
    t = 3.182446305284263  # t_{0.975, 3}; table value 3.182
    assert stats.t.ppf(0.975, 3) == pytest.approx(t)
    assert r.item == "DP01" and not r.suppressed
    assert r.n == 4
    assert r.counts == (0, 1, 0, 1, 1, 1)
    assert r.shares == pytest.approx((0, 1 / 4, 0, 1 / 4, 1 / 4, 1 / 4))
    assert r.mean == pytest.approx(4.25)
    assert r.sd == pytest.approx(math.sqrt(8.75 / 3))
    assert r.sd == pytest.approx(sd)
    assert (r.ci_low, r.ci_high) == pytest.approx(mean_interval_ref([4, 5, 6, 2]))
    assert 1 < r.ci_low < mean < r.ci_high < 6
    assert r.share_positive == pytest.approx(3 / 4)  # 4, 5, 6 of the four
    assert (r.share_positive_ci_low, r.share_positive_ci_high) == pytest.approx(wilson_ref(3, 4))


def test_nan_zero_and_none_are_the_same_missing():
    a = item_stats([1, 3, 6, NAN, NAN], threshold=3)
    b = item_stats([1, 3, 6, 0, None], threshold=3)
    c = item_stats([1, 3, 6], threshold=3)
    assert a == b == c


def test_threshold_exactly_met_is_shown_and_one_below_is_hidden():
    # 5 valid answers and 3 missing: n = 5 = threshold, shown.
    at = item_stats([1, 2, 3, 4, 5, NAN, 0, NAN], threshold=5)
    assert not at.suppressed and at.n == 5
    assert at.mean == pytest.approx((1 + 2 + 3 + 4 + 5) / 5)
    assert at.share_positive == pytest.approx(2 / 5)
    # 4 valid answers: missing answers do not lift it to the threshold.
    below = item_stats([1, 2, 3, 4, NAN, 0, NAN, 0, 0], threshold=5)
    assert_hidden(below)
    assert below.item == ""


def test_configured_threshold_three():
    assert item_stats([6, 6, 5], threshold=3).n == 3
    assert_hidden(item_stats([6, 6], threshold=3))


@pytest.mark.parametrize("bad", [[1, 2, 7], [1, -1, 3], [1, 2.5, 3], [1, float("inf"), 2], ["a", 2, 3]])
def test_codes_outside_1_to_6_raise(bad):
    with pytest.raises(ValueError, match="codes 1-6"):
        item_stats(bad)


@pytest.mark.parametrize("threshold", [2, 0, -5, 5.0, True, "5"])
def test_bad_threshold_raises(threshold):
    with pytest.raises(ValueError, match="threshold"):
        item_stats([1, 2, 3, 4, 5], threshold=threshold)


# -- AnswerSet -----------------------------------------------------------------------------


def test_answer_set_rejects_bad_input():
    with pytest.raises(ValueError, match="length"):
        AnswerSet([1, 2, 3], [0, 0], [1, 2, 3], ("A",))
    with pytest.raises(ValueError, match="length"):
        AnswerSet([1, 2], [0, 0], [1, 2, 3], ("A",))
    with pytest.raises(ValueError, match="item codes"):
        AnswerSet([1, 2], [0, 1], [1, 2], ("A",))
    with pytest.raises(ValueError, match="codes 1-6"):
        AnswerSet([1, 2], [0, 0], [1, 9], ("A",))
    with pytest.raises(ValueError, match="more than once"):
        AnswerSet([1, 1], [0, 0], [1, 2], ("A",))
    with pytest.raises(ValueError, match="same unit"):
        AnswerSet([1, 1], [0, 1], [1, 2], ("A", "B"), [0, 1], ("x", "y"))
    with pytest.raises(ValueError, match="together"):
        AnswerSet([1, 2], [0, 0], [1, 2], ("A",), [0, 0])
    with pytest.raises(ValueError, match="integer"):
        AnswerSet([1, 2], ["A", "A"], [1, 2], ("A",))
    with pytest.raises(ValueError, match="repeat"):
        AnswerSet([1, 2], [0, 1], [1, 2], ("A", "A"))


def test_answer_set_is_read_only_and_leaves_caller_arrays_alone():
    response = np.array([10, 11])
    a = AnswerSet(response, np.array([0, 0]), np.array([0.0, 3.0]), ("A",))
    assert response.flags.writeable
    with pytest.raises(ValueError):
        a.value[0] = 5
    assert np.isnan(a.value[0])  # 0 stored as NaN


def test_large_sparse_ids_and_labels_give_the_same_result():
    values = [4, 5, 6, 2, 3, 1]
    dense = AnswerSet([0, 1, 2, 0, 1, 2], [0, 0, 0, 1, 1, 1], values, ("A", "B"))
    sparse = AnswerSet([10**12, -3, 7 * 10**9] * 2, [0, 0, 0, 1, 1, 1], values, ("A", "B"))
    labels = AnswerSet.from_labels(["r1", "r2", "r3"] * 2, ["A"] * 3 + ["B"] * 3, values)
    mapping = {"A": "I", "B": "I"}
    for a in (sparse, labels):
        assert score_items(a, threshold=3) == score_items(dense, threshold=3)
        assert score_indicators(a, mapping, threshold=3) == score_indicators(dense, mapping, threshold=3)


# -- many items and units ------------------------------------------------------------------


def group_answers():
    """Six DP responses; DP11 belongs to I01 but has no valid answer; XX01 is in no indicator."""
    rows = [  # response, item, value, unit
        (1, "DP01", 4), (1, "DP02", 6), (1, "DP03", 5),
        (2, "DP01", 5), (2, "DP02", 0), (2, "DP03", 4),
        (3, "DP01", NAN), (3, "DP02", 2), (3, "DP03", 3),
        (4, "DP01", 3), (4, "DP02", 5), (4, "DP11", 0),
        (5, "DP01", 6), (5, "DP02", 6), (5, "XX01", 1),
        (6, "DP01", 0), (6, "DP02", NAN), (6, "DP03", 6),
    ]  # fmt: skip
    response, item, value = zip(*rows, strict=True)
    unit = ["F1" if r <= 3 else "F2" for r in response]
    return AnswerSet.from_labels(np.array(response), np.array(item), np.array(value, dtype=float), unit=unit)


MAPPING = {"DP01": "I01", "DP02": "I01", "DP11": "I01", "DP03": "I02"}


def test_score_items_by_hand():
    r = score_items(group_answers(), threshold=3)
    assert list(r) == ["DP01", "DP02", "DP03", "DP11", "XX01"]
    assert r["DP01"].n == 4 and r["DP01"].mean == pytest.approx((4 + 5 + 3 + 6) / 4)
    assert r["DP02"].n == 4 and r["DP02"].mean == pytest.approx((6 + 2 + 5 + 6) / 4)
    assert r["DP02"].sd == pytest.approx(math.sqrt(((6 - 4.75) ** 2 * 2 + (2 - 4.75) ** 2 + (5 - 4.75) ** 2) / 3))
    assert r["DP03"].counts == (0, 0, 1, 1, 1, 1)
    assert_hidden(r["DP11"])  # n = 0
    assert_hidden(r["XX01"])  # n = 1


def test_score_items_by_unit_matches_item_stats_per_unit():
    rng = np.random.default_rng(7)
    n = 600
    response = np.repeat(np.arange(n // 3), 3)
    item = np.tile([0, 1, 2], n // 3)
    unit = np.repeat(rng.integers(0, 4, n // 3), 3)
    value = rng.choice([0, 1, 2, 3, 4, 5, 6, NAN], n)
    a = AnswerSet(response, item, value, ("A", "B", "C"), unit, ("u0", "u1", "u2", "u3"))
    by_unit = score_items_by_unit(a)
    for u, name in enumerate(a.units):
        for i, it in enumerate(a.items):
            assert by_unit[name][it] == item_stats(value[(unit == u) & (item == i)], item=it)


def test_indicator_by_hand():
    r = score_indicators(group_answers(), MAPPING, threshold=5)
    i01 = r["I01"]
    # DP01 valid 4, 5, 3, 6; DP02 valid 6, 2, 5, 6; DP11 has none and is skipped.
    mean = ((4 + 5 + 3 + 6) / 4 + (6 + 2 + 5 + 6) / 4) / 2  # (4.5 + 4.75) / 2 = 4.625
    assert i01.mean == pytest.approx(mean)
    assert i01.index == pytest.approx((4.625 - 1) / 5 * 100)  # 72.5
    assert i01.items == ("DP01", "DP02")
    assert i01.n == 5  # responses 1-5; response 6 has no valid answer to DP01/DP02
    # per-response scores: r1 (4+6)/2 = 5, r2 5, r3 2, r4 (3+5)/2 = 4, r5 (6+6)/2 = 6
    assert i01.score_mean == pytest.approx((5 + 5 + 2 + 4 + 6) / 5)  # 4.4
    assert i01.score_sd == pytest.approx(math.sqrt((0.6**2 + 0.6**2 + 2.4**2 + 0.4**2 + 1.6**2) / 4))
    assert_hidden(r["I02"])  # DP03 answered by responses 1, 2, 3, 6: n = 4 < 5
    assert list(r) == ["I01", "I02"]


def test_indicator_threshold_edges():
    assert not score_indicators(group_answers(), MAPPING, threshold=5)["I01"].suppressed  # n = 5
    assert_hidden(score_indicators(group_answers(), MAPPING, threshold=6)["I01"])


def test_indicator_by_unit_by_hand():
    r = score_indicators_by_unit(group_answers(), MAPPING, threshold=3)
    f1, f2 = r["F1"], r["F2"]
    # F1 = responses 1-3: DP01 4, 5 -> 4.5; DP02 6, 2 -> 4; n = 3
    assert f1["I01"].n == 3 and f1["I01"].mean == pytest.approx((4.5 + 4) / 2)
    # DP03 in F1: 5, 4, 3 -> 4
    assert f1["I02"].mean == pytest.approx(4.0) and f1["I02"].index == pytest.approx(60.0)
    # F2 = responses 4-6: I01 answered by 4 and 5 only -> n = 2, suppressed; I02 by 6 only
    assert_hidden(f2["I01"])
    assert_hidden(f2["I02"])


def test_combine_groups_by_hand():
    dp = IndicatorResult("I01", False, n=9, mean=4.625, index=72.5)
    da = IndicatorResult("I01", False, n=7, mean=4.0, index=60.0)
    pe = IndicatorResult("I01", True)
    c = combine_groups({"DP": dp, "DA": da, "PE": pe})
    assert c.index == pytest.approx((72.5 + 60) / 2) and c.mean == pytest.approx((4.625 + 4.0) / 2)
    assert c.groups == ("DP", "DA")
    hidden = combine_groups({"PE": pe})
    assert hidden.suppressed and hidden.index is None and hidden.groups == ()
    with pytest.raises(ValueError, match="different indicators"):
        combine_groups({"DP": dp, "CH": IndicatorResult("I02", False, n=5, mean=3.0, index=40.0)})
    with pytest.raises(ValueError):
        combine_groups({})


def test_indicator_mapping_must_be_a_mapping():
    with pytest.raises(ValueError, match="mapping"):
        score_indicators(group_answers(), [("DP01", "I01")])


# -- suppression and breakdowns ------------------------------------------------------------


def test_suppress_breakdown_rules():
    assert suppress_breakdown({"a": 20, "b": 12, "c": 3}) == {"b", "c"}  # one below: smallest other
    assert suppress_breakdown({"a": 20, "b": 12, "c": 3}, total_shown=False) == {"c"}
    assert suppress_breakdown({"a": 20, "b": 12, "c": 3, "d": 2}) == {"c", "d"}  # two below
    assert suppress_breakdown({"a": 12, "b": 12, "c": 1}) == {"a", "c"}  # tie: first listed
    assert suppress_breakdown({"a": 20, "b": 5}) == frozenset()  # 5 is not below 5
    assert suppress_breakdown({"a": 20, "b": 4}) == {"a", "b"}
    # Empty categories are hidden but neither trigger nor serve as the secondary.
    assert suppress_breakdown({"a": 20, "b": 12, "c": 0}) == {"c"}
    assert suppress_breakdown({"a": 20, "b": 12, "c": 2, "d": 0}) == {"b", "c", "d"}
    assert suppress_breakdown({"a": 3, "b": 1}, threshold=3) == {"b", "a"}
    with pytest.raises(ValueError, match="threshold"):
        suppress_breakdown({"a": 20}, threshold=2)
    with pytest.raises(ValueError, match="non-negative"):
        suppress_breakdown({"a": -1})


def kon_answers():
    """One item by kön: kvinna 8 answers, man 6, annat 2, plus one 'Vet ej' from a man."""
    kvinna = [6, 5, 5, 4, 4, 3, 2, 6]
    man = [1, 2, 3, 4, 5, 6, 0]
    annat = [5, 6]
    value = np.array(kvinna + man + annat, dtype=float)
    unit = ["kvinna"] * 8 + ["man"] * 7 + ["annat"] * 2
    return AnswerSet.from_labels(np.arange(value.size), ["DP01"] * value.size, value, unit=unit)


def test_item_breakdown_needs_secondary_suppression():
    b = item_breakdown(kon_answers(), threshold=5)["DP01"]
    assert b.total.n == 8 + 6 + 2
    assert b.total.mean == pytest.approx((6 + 5 + 5 + 4 + 4 + 3 + 2 + 6 + 1 + 2 + 3 + 4 + 5 + 6 + 5 + 6) / 16)
    kvinna = b.categories["kvinna"]
    assert kvinna.n == 8 and kvinna.mean == pytest.approx((6 + 5 + 5 + 4 + 4 + 3 + 2 + 6) / 8)
    assert_hidden(b.categories["annat"])  # primary: 2 < 5
    assert_hidden(b.categories["man"])  # secondary: else man = total - kvinna - annat reveals annat
    assert b.secondary == {"man"}
    assert list(b.categories) == ["annat", "kvinna", "man"]


def test_item_breakdown_without_shown_total_needs_no_secondary():
    b = item_breakdown(kon_answers(), threshold=5, total_shown=False)["DP01"]
    assert b.categories["man"].n == 6 and b.secondary == frozenset()
    assert_hidden(b.categories["annat"])


def test_indicator_breakdown_secondary():
    b = indicator_breakdown(kon_answers(), {"DP01": "I01"}, threshold=5)["I01"]
    assert b.total.n == 16 and b.categories["kvinna"].n == 8
    assert b.total.mean == pytest.approx((35 + 21 + 11) / 16)  # kvinna 35, man 1+...+6 = 21, annat 11
    assert b.secondary == {"man"}
    assert_hidden(b.categories["man"])
    assert_hidden(b.categories["annat"])


def test_breakdown_needs_units():
    a = AnswerSet([1, 2], [0, 0], [1, 2], ("A",))
    with pytest.raises(ValueError, match="unit"):
        item_breakdown(a)


def test_suppressed_results_have_no_figures():
    assert_hidden(ItemResult("DP01", True))
    assert_hidden(IndicatorResult("I01", True))
