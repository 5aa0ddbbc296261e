"""Reference comparison and trends, pinned to hand formulas and to scipy."""

import math

import numpy as np
import pytest
from scipy import stats

from indicators.answers import AnswerSet
from indicators.compare import (
    Comparison,
    Reference,
    compare_indicator,
    compare_item,
    indicator_trend,
    item_trend,
    one_sample_from_stats,
    reference_indicators,
    reference_items,
    welch_from_stats,
)
from indicators.scoring import IndicatorResult, ItemResult, item_stats, score_indicators_by_unit, score_items_by_unit
from tests.stats_reference import mean_interval_ref

pytestmark = pytest.mark.filterwarnings("error")

NAN = float("nan")


# -- the two t-tests -----------------------------------------------------------------------


def test_welch_by_hand_and_against_scipy():
    m1, s1, n1, m2, s2, n2 = 4.2, 1.1, 25, 3.8, 1.3, 400
    v1, v2 = 1.1**2 / 25, 1.3**2 / 400  # 0.0484, 0.004225
    t = (4.2 - 3.8) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / (25 - 1) + v2**2 / (400 - 1))
    p = 2 * stats.t.sf(abs(t), df)
    r = welch_from_stats(m1, s1, n1, m2, s2, n2)
    assert r.statistic == pytest.approx(t) and r.df == pytest.approx(df) and r.p_value == pytest.approx(p)
    assert t == pytest.approx(0.4 / math.sqrt(0.052625))
    ref = stats.ttest_ind_from_stats(m1, s1, n1, m2, s2, n2, equal_var=False)
    assert r.statistic == pytest.approx(ref.statistic) and r.p_value == pytest.approx(ref.pvalue)


def test_welch_one_sd_zero_has_df_of_the_other_sample():
    r = welch_from_stats(5.0, 0.0, 10, 4.0, 1.0, 30)
    assert r.df == pytest.approx(30 - 1)
    assert r.statistic == pytest.approx(1.0 / math.sqrt(1 / 30))
    ref = stats.ttest_ind_from_stats(5.0, 0.0, 10, 4.0, 1.0, 30, equal_var=False)
    assert r.p_value == pytest.approx(ref.pvalue)


def test_one_sample_by_hand_and_against_scipy():
    values = [4, 5, 6, 2, 5]
    mean = (4 + 5 + 6 + 2 + 5) / 5  # 4.4
    sd = math.sqrt((0.4**2 + 0.6**2 + 1.6**2 + 2.4**2 + 0.6**2) / (5 - 1))  # sqrt(2.3)
    t = (4.4 - 3.5) / (sd / math.sqrt(5))
    r = one_sample_from_stats(mean, sd, 5, 3.5)
    assert r.statistic == pytest.approx(t) and r.df == 4
    assert r.statistic == pytest.approx(0.9 / math.sqrt(2.3 / 5))
    assert r.p_value == pytest.approx(2 * stats.t.sf(abs(t), 4))
    ref = stats.ttest_1samp(values, 3.5)
    assert r.statistic == pytest.approx(ref.statistic) and r.p_value == pytest.approx(ref.pvalue)


@pytest.mark.parametrize(
    "args",
    [(4, 1, 1, 3, 1, 10), (4, -1, 10, 3, 1, 10), (4, 0, 10, 3, 0, 10), (NAN, 1, 10, 3, 1, 10), (4, 1, 2.5, 3, 1, 10)],
)
def test_welch_bad_input(args):
    with pytest.raises(ValueError):
        welch_from_stats(*args)


@pytest.mark.parametrize("args", [(4, 1, 1, 3), (4, 0, 10, 3), (4, 1, 10, None)])
def test_one_sample_bad_input(args):
    with pytest.raises(ValueError):
        one_sample_from_stats(*args)


# -- comparing cells -----------------------------------------------------------------------

UNIT = [6, 5, 6, 5, 4, 6, 5, 6, 0, NAN]  # 8 valid answers


def test_compare_item_mean_only_is_one_sample():
    r = item_stats(UNIT, item="DP01")
    mean = (6 + 5 + 6 + 5 + 4 + 6 + 5 + 6) / 8  # 5.375
    ss = 4 * 0.625**2 + 3 * 0.375**2 + 1.375**2  # 3.875
    t = (mean - 4.0) / (math.sqrt(ss / 7) / math.sqrt(8))
    c = compare_item(r, Reference(4.0), unit="F1")
    assert c.compared and c.reason is None and c.method == "one_sample"
    assert c.difference == pytest.approx(5.375 - 4.0)
    assert c.statistic == pytest.approx(t) and c.df == 7
    ref = stats.ttest_1samp([6, 5, 6, 5, 4, 6, 5, 6], 4.0)
    assert c.p_value == pytest.approx(ref.pvalue)
    assert c.significant is True and c.p_value < 0.05


def test_compare_item_with_reference_sd_and_n_is_welch():
    r = item_stats(UNIT)
    c = compare_item(r, Reference(5.1, sd=1.2, n=300), unit="F1")
    ref = stats.ttest_ind_from_stats(r.mean, r.sd, r.n, 5.1, 1.2, 300, equal_var=False)
    assert c.method == "welch"
    assert c.difference == pytest.approx(5.375 - 5.1)
    assert c.p_value == pytest.approx(ref.pvalue) and c.statistic == pytest.approx(ref.statistic)
    assert ref.pvalue > 0.05 and c.significant is False


def test_reference_with_n_below_two_falls_back_to_one_sample():
    assert compare_item(item_stats(UNIT), Reference(4.0, sd=1.0, n=1), unit="F1").method == "one_sample"


def test_refusals():
    shown, hidden = item_stats(UNIT), item_stats([1, 2])
    assert compare_item(hidden, Reference(4.0), unit="F1") == Comparison(False, "unit_suppressed")
    hidden_ref = Reference(None, source="computed", suppressed=True)
    assert compare_item(shown, hidden_ref, unit="F1") == Comparison(False, "reference_suppressed")
    only_me = Reference(4.0, sd=1.0, n=50, contributors={"F1"}, source="computed")
    assert compare_item(shown, only_me, unit="F1") == Comparison(False, "self_reference")
    assert compare_item(shown, only_me, unit="F2").compared
    with_others = Reference(4.0, sd=1.0, n=50, contributors={"F1", "F2"}, source="computed")
    assert compare_item(shown, with_others, unit="F1").compared
    with pytest.raises(ValueError, match="unit is required"):
        compare_item(shown, only_me, unit=None)
    with pytest.raises(ValueError, match="ItemResult"):
        compare_item(IndicatorResult("I01", True), Reference(4.0), unit="F1")
    with pytest.raises(ValueError, match="Reference"):
        compare_item(shown, 4.0, unit="F1")


def test_no_variance():
    flat = item_stats([5, 5, 5, 5, 5])
    c = compare_item(flat, Reference(4.0), unit="F1")
    assert c.compared and c.reason == "no_variance" and c.difference == pytest.approx(1.0)
    assert c.p_value is None and c.significant is None
    assert compare_item(flat, Reference(4.0, sd=0.0, n=20), unit="F1").reason == "no_variance"
    welch = compare_item(flat, Reference(4.0, sd=1.0, n=20), unit="F1")
    assert welch.df == pytest.approx(20 - 1) and welch.p_value is not None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"mean": 7.0},
        {"mean": 0.5},
        {"mean": None},
        {"mean": 4.0, "sd": -1.0},
        {"mean": 4.0, "n": -1},
        {"mean": 4.0, "n": 2.5},
        {"mean": 4.0, "source": "demo"},
        {"mean": 4.0, "suppressed": True},
    ],
)
def test_reference_validation(kwargs):
    with pytest.raises(ValueError):
        Reference(**kwargs)


# -- indicators ----------------------------------------------------------------------------


def two_unit_answers():
    """F1: five responses to A and B (indicator I1); F2: two responses, B only."""
    rows = [
        ("F1", 1, "A", 4), ("F1", 1, "B", 6),
        ("F1", 2, "A", 5), ("F1", 2, "B", 0),
        ("F1", 3, "A", NAN), ("F1", 3, "B", 2),
        ("F1", 4, "A", 3), ("F1", 4, "B", 5),
        ("F1", 5, "A", 6), ("F1", 5, "B", 6),
        ("F2", 6, "B", 1), ("F2", 7, "B", 3),
    ]  # fmt: skip
    unit, response, item, value = zip(*rows, strict=True)
    return AnswerSet.from_labels(np.array(response), np.array(item), np.array(value, dtype=float), unit=unit)


def f1_indicator(threshold: int = 3) -> IndicatorResult:
    """F1's indicator of items A and B: 5 responses, 3 of them answered both (shown at k = 3)."""
    return score_indicators_by_unit(two_unit_answers(), {"A": "I1", "B": "I1"}, threshold=threshold)["F1"]["I1"]


def f1_indicator_variance():
    """Variance of the mean of item means of f1_indicator, by hand (pairwise covariance)."""
    a, b = [4, 5, 3, 6], [6, 2, 5, 6]  # A: responses 1, 2, 4, 5; B: responses 1, 3, 4, 5
    var_a = sum((x - 4.5) ** 2 for x in a) / 3  # 5/3
    var_b = sum((x - 4.75) ** 2 for x in b) / 3  # 10.75/3
    both_a, both_b = [4, 3, 6], [6, 5, 6]  # responses 1, 4, 5 answered both
    ma, mb = sum(both_a) / 3, sum(both_b) / 3
    cov = sum((x - ma) * (y - mb) for x, y in zip(both_a, both_b, strict=True)) / 2  # 2/3
    return (var_a / 4 + var_b / 4 + 2 * 3 / (4 * 4) * cov) / 2**2  # 0.390625


def test_compare_indicator_one_sample_tests_the_mean_of_item_means():
    f1 = f1_indicator()
    # item means: A (4+5+3+6)/4 = 4.5, B (6+2+5+6)/4 = 4.75
    assert f1.mean == pytest.approx((4.5 + 4.75) / 2)  # 4.625
    assert f1_indicator_variance() == pytest.approx(0.390625)
    se = math.sqrt(f1_indicator_variance())  # 0.625
    assert f1.se == pytest.approx(se)
    c = compare_indicator(f1, Reference(4.0), unit="F1")
    assert c.method == "one_sample" and c.difference == pytest.approx(4.625 - 4.0)
    assert c.statistic == pytest.approx(0.625 / se) and c.df == 4  # t = 1.0 on n - 1 df
    assert c.p_value == pytest.approx(0.37390096630005903)  # scipy.stats.t.sf(1.0, 4) * 2
    half = 2.7764451051977987 * se  # scipy.stats.t.ppf(0.975, 4)
    assert (c.difference_ci_low, c.difference_ci_high) == pytest.approx((0.625 - half, 0.625 + half))
    assert c.index_difference == pytest.approx(0.625 / 5 * 100)


def test_no_interval_when_fewer_than_k_answered_both_items():
    # D1: with k = 5 the 3 respondents who answered both A and B are a smaller group, and the
    # standard error holds their covariance: the mean and the difference are shown, no interval.
    f1 = f1_indicator(threshold=5)
    assert not f1.suppressed and f1.mean == pytest.approx(4.625)
    assert f1.se is None and f1.interval_hidden
    c = compare_indicator(f1, Reference(4.0), unit="F1")
    assert c.compared and c.reason == "few_overlap" and c.difference == pytest.approx(0.625)
    assert c.p_value is None and c.difference_ci_low is None and c.difference_ci_high is None
    assert c.index_difference == pytest.approx(0.625 / 5 * 100)
    # A computed riket built from such answers withholds its standard error the same way.
    shown = f1_indicator(threshold=3)
    assert compare_indicator(shown, Reference(4.0, sd=1.0, n=50, se=None, source="computed",
                                              contributors=frozenset({"X"}), interval_hidden=True),
                             unit="F1").reason == "few_overlap"


def test_compare_indicator_welch_uses_the_reference_standard_error():
    f1 = f1_indicator()
    ref = Reference(4.0, sd=1.0, n=200, score_mean=3.9)
    c = compare_indicator(f1, ref, unit="F1")
    v1, v2 = f1_indicator_variance(), 1.0 / 200
    df = (v1 + v2) ** 2 / (v1**2 / 4 + v2**2 / 199)
    t = 0.625 / math.sqrt(v1 + v2)
    assert c.method == "welch" and c.difference == pytest.approx(4.625 - 4.0)
    assert c.statistic == pytest.approx(t) and c.df == pytest.approx(df)
    assert c.p_value == pytest.approx(2 * stats.t.sf(t, df))
    ref_se = Reference(4.0, sd=1.0, n=200, se=0.2)  # a computed riket's own standard error wins
    c2 = compare_indicator(f1, ref_se, unit="F1")
    assert c2.statistic == pytest.approx(0.625 / math.sqrt(v1 + 0.04))


# -- computed riket ------------------------------------------------------------------------


def test_reference_items_pools_units_and_lists_contributors():
    refs = reference_items(two_unit_answers(), threshold=3)
    a, b = refs["A"], refs["B"]
    assert a.source == "computed" and a.contributors == {"F1"}  # F2 never answered A
    assert a.n == 4 and a.mean == pytest.approx((4 + 5 + 3 + 6) / 4)
    assert b.contributors == {"F1", "F2"}
    mean_b = (6 + 2 + 5 + 6 + 1 + 3) / 6  # 23 / 6
    assert b.n == 6 and b.mean == pytest.approx(mean_b)
    assert b.sd == pytest.approx(math.sqrt(sum((x - mean_b) ** 2 for x in (6, 2, 5, 6, 1, 3)) / 5))
    f1 = score_items_by_unit(two_unit_answers(), threshold=3)["F1"]
    assert compare_item(f1["A"], a, unit="F1").reason == "self_reference"
    assert compare_item(f1["B"], b, unit="F1").method == "welch"
    assert reference_items(two_unit_answers(), threshold=5)["A"].suppressed  # pooled n = 4


def test_reference_indicators_by_hand():
    ref = reference_indicators(two_unit_answers(), {"A": "I1", "B": "I1"}, threshold=3)["I1"]
    assert ref.mean == pytest.approx(((4 + 5 + 3 + 6) / 4 + 23 / 6) / 2)
    scores = [5, 5, 2, 4, 6, 1, 3]  # responses 1-7
    assert ref.n == 7 and ref.score_mean == pytest.approx(26 / 7)
    assert ref.sd == pytest.approx(math.sqrt(sum((s - 26 / 7) ** 2 for s in scores) / 6))
    assert ref.contributors == {"F1", "F2"} and not ref.interval_hidden
    # At k = 5 fewer than k answered both items: the spread that holds their pairing is withheld.
    hidden = reference_indicators(two_unit_answers(), {"A": "I1", "B": "I1"}, threshold=5)["I1"]
    assert hidden.mean == pytest.approx(ref.mean) and hidden.interval_hidden
    assert hidden.sd is None and hidden.se is None


def test_computed_reference_needs_units():
    with pytest.raises(ValueError, match="unit"):
        reference_items(AnswerSet([1, 2, 3], [0, 0, 0], [1, 2, 3], ("A",)))


# -- trends --------------------------------------------------------------------------------


def test_item_trend_orders_years_and_suppresses_each_year():
    trend = item_trend({2024: [4, 5, 6, 2, 5], 2022: [6, 6, 5, 5, 4, 0, NAN], 2020: [1, 2, NAN]}, item="DP01")
    assert [p.year for p in trend] == [2020, 2022, 2024]
    assert isinstance(trend[0].result, ItemResult) and trend[0].result.suppressed
    y22 = trend[1].result
    mean = (6 + 6 + 5 + 5 + 4) / 5  # 5.2
    sd = math.sqrt((0.8**2 * 2 + 0.2**2 * 2 + 1.2**2) / 4)
    assert y22.n == 5 and y22.mean == pytest.approx(mean) and y22.sd == pytest.approx(sd)
    assert (y22.ci_low, y22.ci_high) == pytest.approx(mean_interval_ref([6, 6, 5, 5, 4]))
    assert trend[2].result.n == 5 and trend[2].result.mean == pytest.approx(4.4)


def test_item_trend_rejects_bad_years():
    with pytest.raises(ValueError, match="years"):
        item_trend({"2024": [1, 2, 3, 4, 5]})
    with pytest.raises(ValueError, match="threshold"):
        item_trend({2024: [1, 2, 3, 4, 5]}, threshold=2)


def test_indicator_trend():
    years = {2024: two_unit_answers(), 2022: AnswerSet([1, 2], [0, 0], [3, 4], ("A",))}
    trend = indicator_trend(years, {"A": "I1", "B": "I1", "C": "I2"}, "I1")
    assert [p.year for p in trend] == [2022, 2024]
    assert trend[0].result.suppressed
    assert trend[1].result.n == 7 and trend[1].result.items == ("A", "B")
    with pytest.raises(ValueError, match="no item"):
        indicator_trend(years, {"A": "I1"}, "I9")
