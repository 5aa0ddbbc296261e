"""Intervals, tests, q-values and effect sizes (Scoring rules 2, 5, 7), each pinned to a value computed
independently here: scipy's own tests on the raw answers, or plain arithmetic."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from indicators.answers import AnswerSet
from indicators.compare import Comparison, Reference, compare_indicator, compare_item, without_test
from indicators.multiplicity import adjust_family, benjamini_hochberg
from indicators.scoring import item_stats, mean_interval, score_indicators, wilson_interval
from tests.stats_reference import mean_interval_ref, wilson_ref

# -- the interval of an item mean -------------------------------------------------------------


@pytest.mark.parametrize("values", [
    [4, 4, 4, 4, 4],  # sd = 0, n exactly at the threshold
    [6, 6, 6, 6, 6, 6],  # all at the ceiling
    [1, 1, 1, 1, 1],  # all at the floor
    [1, 1, 6, 6, 6],  # bimodal: the t interval is 0.60-7.40
    [1, 2, 3, 4, 5, 6, 6, 5],
])
def test_mean_interval_inside_the_scale_with_positive_width(values):
    r = item_stats(values, threshold=5)
    assert not r.suppressed and r.n == len(values)
    assert 1 < r.ci_low < r.ci_high < 6
    assert (r.ci_low, r.ci_high) == pytest.approx(mean_interval_ref(values), rel=1e-12)


def test_bimodal_interval_by_hand():
    # 1, 1, 6, 6, 6: p~ = ((2 + 1/6)/6, 1/36, 1/36, 1/36, 1/36, (3 + 1/6)/6)
    p = [13 / 36, 1 / 36, 1 / 36, 1 / 36, 1 / 36, 19 / 36]
    mu = sum(k * q for k, q in zip(range(1, 7), p, strict=True))
    var = (sum(k * k * q for k, q in zip(range(1, 7), p, strict=True)) - mu**2) / 7
    var *= (2.7764451051977987 / 1.959963984540054) ** 2  # (t_{0.975,4} / z_{0.975})^2, scipy
    m, v = (mu - 1) / 5, var / 25
    f = m * (1 - m) / v - 1
    low = 1 + 5 * stats.beta.ppf(0.025, m * f, (1 - m) * f)
    high = 1 + 5 * stats.beta.ppf(0.975, m * f, (1 - m) * f)
    r = item_stats([1, 1, 6, 6, 6])
    assert (r.ci_low, r.ci_high) == pytest.approx((low, high), rel=1e-12)
    assert r.mean == pytest.approx(4.0)


def test_interval_is_deterministic_and_the_same_batched():
    counts = np.array([[0, 0, 0, 5, 0, 0], [2, 0, 0, 0, 0, 3], [1, 1, 1, 1, 1, 1]])
    batched = mean_interval(counts)
    for i in range(3):
        single = mean_interval(counts[i : i + 1])
        assert single[0][0] == batched[0][i] and single[1][0] == batched[1][i]
    assert np.array_equal(mean_interval(counts)[0], batched[0])


def test_threshold_boundary():
    assert item_stats([2, 3, 4, 5], threshold=5).suppressed
    at = item_stats([2, 3, 4, 5, 6], threshold=5)
    assert not at.suppressed and at.ci_high > at.ci_low


# -- Wilson interval of share positive ----------------------------------------------------------


def wilson_by_inversion(x, n):
    """The Wilson interval by its definition: the p whose score test |p^ - p| / sqrt(p(1-p)/n) = z."""
    z, ph = stats.norm.ppf(0.975), x / n
    score = lambda p: abs(ph - p) - z * math.sqrt(p * (1 - p) / n)  # noqa: E731
    inside = min(max(ph, 1e-9), 1 - 1e-9)  # the score is negative here, positive at the far ends
    low = 0.0 if x == 0 else optimize.brentq(score, 1e-12, inside, xtol=1e-14)
    high = 1.0 if x == n else optimize.brentq(score, inside, 1 - 1e-12, xtol=1e-14)
    return low, high


@pytest.mark.parametrize("x, n", [(3, 4), (5, 5), (0, 5), (12, 30), (1, 7), (29, 30)])
def test_wilson_is_the_inverted_score_test(x, n):
    low, high = wilson_interval(np.array([x]), np.array([n]))
    assert (low[0], high[0]) == pytest.approx(wilson_by_inversion(x, n), abs=1e-10)
    assert (low[0], high[0]) == pytest.approx(wilson_ref(x, n), abs=1e-12)


def test_item_carries_the_wilson_interval():
    r = item_stats([4, 4, 4, 4, 4])  # sd = 0, every answer positive
    assert r.share_positive == 1.0
    assert (r.share_positive_ci_low, r.share_positive_ci_high) == pytest.approx(wilson_ref(5, 5))
    assert r.share_positive_ci_high == 1.0 and r.share_positive_ci_low < 1


# -- comparisons: difference, interval and p of the same quantity --------------------------------


def test_item_welch_matches_scipy_on_raw_answers():
    unit = [4, 5, 6, 2, 5, 6, 3]
    ref_values = [3, 4, 4, 5, 2, 3, 4, 4, 5, 6, 1, 3]
    res = stats.ttest_ind(unit, ref_values, equal_var=False)
    ci = res.confidence_interval(0.95)
    m, sd = np.mean(ref_values), np.std(ref_values, ddof=1)
    ref = Reference(float(m), float(sd), len(ref_values), share_positive=6 / 12)
    c = compare_item(item_stats(unit), ref, unit="F")
    assert c.method == "welch"
    assert c.difference == pytest.approx(np.mean(unit) - m)
    assert c.p_value == pytest.approx(res.pvalue) and c.statistic == pytest.approx(res.statistic)
    assert (c.difference_ci_low, c.difference_ci_high) == pytest.approx((ci.low, ci.high))
    assert c.index_difference == pytest.approx((np.mean(unit) - m) / 5 * 100)
    assert c.share_positive_difference == pytest.approx(5 / 7 - 6 / 12)


def test_reference_with_only_a_mean_is_a_one_sample_test():
    unit = [4, 5, 6, 2, 5, 6, 3]
    res = stats.ttest_1samp(unit, 4.2)
    ci = res.confidence_interval(0.95)  # interval of the unit mean
    c = compare_item(item_stats(unit), Reference(4.2), unit="F")
    assert c.method == "one_sample" and c.p_value == pytest.approx(res.pvalue)
    assert (c.difference_ci_low, c.difference_ci_high) == pytest.approx((ci.low - 4.2, ci.high - 4.2))
    assert c.share_positive_difference is None  # the reference has no share positive


def test_sd_zero_against_a_bare_mean_has_no_test_but_shows_the_difference():
    c = compare_item(item_stats([4, 4, 4, 4, 4]), Reference(3.5), unit="F")
    assert c.compared and c.reason == "no_variance"
    assert c.difference == pytest.approx(0.5) and c.index_difference == pytest.approx(10.0)
    assert c.p_value is None and c.q_value is None and c.difference_ci_low is None and c.significant is None


def test_sd_zero_against_a_reference_with_spread_is_welch():
    res = stats.ttest_ind_from_stats(4.0, 0.0, 5, 3.5, 1.2, 40, equal_var=False)
    c = compare_item(item_stats([4, 4, 4, 4, 4]), Reference(3.5, 1.2, 40), unit="F")
    assert c.p_value == pytest.approx(res.pvalue)
    assert (c.difference_ci_low > 0) == (c.p_value < 0.05)


def bootstrap_se(rows, items, reps=4000, seed=5):
    """Seeded respondent-level bootstrap of the mean of item means (a second, rougher estimator)."""
    rng = np.random.default_rng(seed)
    data = np.array([[r.get(i, np.nan) for i in items] for r in rows], dtype=float)
    est = []
    for _ in range(reps):
        sample = data[rng.integers(0, len(rows), len(rows))]
        est.append(np.nanmean(np.nanmean(sample, axis=0)))
    return float(np.std(est, ddof=1))


def test_indicator_se_agrees_with_a_respondent_bootstrap():
    rng = np.random.default_rng(3)
    rows = []
    for _ in range(60):
        base = rng.integers(2, 6)
        rows.append({i: int(np.clip(base + rng.integers(-1, 2), 1, 6)) for i in ("A", "B", "C") if rng.random() > 0.15})
    rows = [r for r in rows if r]
    response, item, value = [], [], []
    for k, r in enumerate(rows):
        for i, v in r.items():
            response.append(k)
            item.append(i)
            value.append(v)
    answers = AnswerSet.from_labels(np.array(response), np.array(item), np.array(value, float))
    res = score_indicators(answers, {"A": "I", "B": "I", "C": "I"})["I"]
    assert res.se == pytest.approx(bootstrap_se(rows, ("A", "B", "C")), rel=0.08)


def test_indicator_se_with_items_answered_by_different_respondents():
    # Item B has 3 answers, all from respondents who answered A too (k = 3). The interval and
    # test are of the mean the indicator shows, over the items it lists in `items`, with the
    # covariance of the pairs answered by both (pairwise complete).
    rows = [{"A": 4, "B": 2}, {"A": 5}, {"A": 3, "B": 6}, {"A": 6}, {"A": 5, "B": 3}, {"A": 4}]
    response = [k for k, r in enumerate(rows) for _ in r]
    item = [i for r in rows for i in r]
    value = [v for r in rows for v in r.values()]
    answers = AnswerSet.from_labels(np.array(response), np.array(item), np.array(value, float))
    # D1: at k = 5 the three who answered both are a smaller group; their covariance is withheld.
    hidden = score_indicators(answers, {"A": "I", "B": "I"}, threshold=5)["I"]
    assert hidden.se is None and hidden.interval_hidden and hidden.mean is not None
    res = score_indicators(answers, {"A": "I", "B": "I"}, threshold=3)["I"]
    assert res.interval_hidden is False
    used = res.items
    means = {i: np.mean([r[i] for r in rows if i in r]) for i in used}
    assert res.mean == pytest.approx(np.mean(list(means.values())))
    var = 0.0
    for a in used:
        for b in used:
            pairs = [(r[a], r[b]) for r in rows if a in r and b in r]
            if len(pairs) < 2:
                continue
            cov = np.cov(np.array(pairs).T, ddof=1)[0, 1]
            var += len(pairs) / (sum(a in r for r in rows) * sum(b in r for r in rows)) * cov
    assert res.se == pytest.approx(math.sqrt(var) / len(used))
    c = compare_indicator(res, Reference(4.0), unit="F")
    t = (res.mean - 4.0) / res.se
    assert c.p_value == pytest.approx(2 * stats.t.sf(abs(t), res.n - 1))
    assert (c.difference_ci_low > 0 or c.difference_ci_high < 0) == (c.p_value < 0.05)


answers_strategy = st.lists(st.integers(1, 6), min_size=5, max_size=40)


@settings(max_examples=300, deadline=None)
@given(answers_strategy, st.floats(1, 6), st.one_of(st.none(), st.tuples(st.floats(0.01, 2.5), st.integers(2, 500))))
def test_interval_excludes_zero_exactly_when_p_is_below_005(values, ref_mean, spread):
    ref = Reference(ref_mean) if spread is None else Reference(ref_mean, spread[0], spread[1])
    c = compare_item(item_stats(values), ref, unit="F")
    if c.p_value is None:
        assert c.reason == "no_variance" and c.difference_ci_low is None
        return
    excludes = c.difference_ci_low > 0 or c.difference_ci_high < 0
    assert excludes == (c.p_value < 0.05)
    assert c.difference_ci_low <= c.difference <= c.difference_ci_high


# -- Benjamini-Hochberg -------------------------------------------------------------------------


def test_bh_matches_scipy():
    p = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216, 0.222, 0.251, 0.269, 0.275,
         0.34, 0.341, 0.384, 0.569, 0.594, 0.696, 0.762, 0.94, 0.942, 0.975, 0.986]  # Benjamini & Hochberg 1995
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p, method="bh"))
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.2, 0.5]) == pytest.approx([0.05, 0.2 / 3, 0.2 / 3, 0.25, 0.5])
    assert benjamini_hochberg([]).size == 0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1), min_size=1, max_size=60))
def test_bh_property_matches_scipy(p):
    assert benjamini_hochberg(p) == pytest.approx(stats.false_discovery_control(p, method="bh"))


def test_bh_rejects_bad_p_values():
    with pytest.raises(ValueError):
        benjamini_hochberg([0.2, 1.5])
    with pytest.raises(ValueError):
        benjamini_hochberg([float("nan")])


def test_family_gets_q_and_significance_by_q():
    tested = [Comparison(True, difference=0.1, p_value=p, significant=p < 0.05, q_value=p) for p in (0.01, 0.04, 0.03)]
    untested = Comparison(True, "no_variance", difference=0.0)
    out = adjust_family([tested[0], None, untested, tested[1], tested[2]])
    q = stats.false_discovery_control([0.01, 0.04, 0.03], method="bh")  # [0.03, 0.04, 0.04]
    assert [out[0].q_value, out[3].q_value, out[4].q_value] == pytest.approx(q)
    assert [out[0].significant, out[3].significant, out[4].significant] == [True, True, True]
    assert out[1] is None and out[2] is untested
    out = adjust_family([Comparison(True, difference=0.1, p_value=p) for p in (0.04, 0.5, 0.6)])
    assert out[0].p_value < 0.05 and out[0].q_value == pytest.approx(0.12) and out[0].significant is False


def test_census_comparison_keeps_difference_and_effect_sizes_only():
    c = compare_item(item_stats([4, 5, 6, 2, 5]), Reference(3.0, 1.0, 50, share_positive=0.4), unit="F")
    census = without_test(c)
    assert census.compared and census.reason == "census"
    assert census.difference == c.difference and census.index_difference == c.index_difference
    assert census.share_positive_difference == pytest.approx(0.8 - 0.4)
    for field in ("p_value", "q_value", "significant", "statistic", "df", "difference_ci_low", "difference_ci_high"):
        assert getattr(census, field) is None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)), min_size=5, max_size=30), st.floats(1, 6),
       st.one_of(st.none(), st.tuples(st.floats(0.01, 2.5), st.integers(2, 500))))
def test_indicator_interval_excludes_zero_exactly_when_p_is_below_005(rows, ref_mean, spread):
    # Two items of one indicator; 0 = missing ("Vet ej").
    response = [k for k in range(len(rows)) for _ in (0, 1)]
    item = [0, 1] * len(rows)
    value = [float(v) for pair in rows for v in pair]
    res = score_indicators(AnswerSet(np.array(response), np.array(item), np.array(value), ("A", "B")),
                           {"A": "I", "B": "I"}, threshold=3)["I"]
    if res.suppressed:
        return
    ref = Reference(ref_mean) if spread is None else Reference(ref_mean, spread[0], spread[1])
    c = compare_indicator(res, ref, unit="F")
    if c.p_value is None:
        both = sum(1 for a, b in rows if a and b)
        assert c.reason == ("few_overlap" if 0 < both < 3 else "no_variance") and c.difference_ci_low is None
        return
    assert (c.difference_ci_low > 0 or c.difference_ci_high < 0) == (c.p_value < 0.05)
