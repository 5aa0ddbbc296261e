"""Comparison with a reference ("riket") and trends over measurement years.

Pure: numpy, scipy.stats and the standard library. Arrays and results in, frozen dataclasses out.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real

import numpy as np
from scipy import stats

from indicators.answers import N_STEPS, AnswerSet
from indicators.scoring import (
    IndicatorResult,
    ItemResult,
    indicator_table,
    item_counts,
    item_stats,
    item_summary,
    score_indicators,
)
from indicators.suppression import DEFAULT_THRESHOLD, check_threshold

#: Comparison.reason values.
UNIT_SUPPRESSED = "unit_suppressed"
REFERENCE_SUPPRESSED = "reference_suppressed"
SELF_REFERENCE = "self_reference"
NO_VARIANCE = "no_variance"

ALPHA = 0.05


def _real(name, x, low=-math.inf, high=math.inf):
    if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(x) or not low <= x <= high:
        raise ValueError(f"{name} must be a finite number in [{low}, {high}], got {x!r}")
    return float(x)


def _count(name, n, low=0):
    if isinstance(n, bool) or not isinstance(n, Integral) or n < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {n!r}")
    return int(n)


@dataclass(frozen=True, slots=True)
class Reference:
    """A reference value for one cell, on the 1-6 scale.

    `contributors` is the set of units a computed reference pools (None for an imported one);
    `score_mean` (indicators only) is the mean of per-response scores, used by the t-test.
    A suppressed reference has no figures.
    """

    mean: float | None
    sd: float | None = None
    n: int | None = None
    contributors: frozenset | None = None
    score_mean: float | None = None
    source: str = "imported"  # or "computed"
    suppressed: bool = False

    def __post_init__(self):
        if self.source not in ("imported", "computed"):
            raise ValueError(f"reference source must be 'imported' or 'computed', got {self.source!r}")
        if self.contributors is not None:
            object.__setattr__(self, "contributors", frozenset(self.contributors))
        figures = (self.mean, self.sd, self.n, self.score_mean)
        if self.suppressed:
            if any(f is not None for f in figures):
                raise ValueError("a suppressed reference carries no figures")
            return
        object.__setattr__(self, "mean", _real("reference mean", self.mean, 1, N_STEPS))
        if self.sd is not None:
            object.__setattr__(self, "sd", _real("reference sd", self.sd, 0))
        if self.n is not None:
            object.__setattr__(self, "n", _count("reference n", self.n))
        if self.score_mean is not None:
            object.__setattr__(self, "score_mean", _real("reference score_mean", self.score_mean, 1, N_STEPS))


@dataclass(frozen=True, slots=True)
class TTest:
    """A t-test: statistic, degrees of freedom, two-sided p-value."""

    statistic: float
    df: float
    p_value: float


@dataclass(frozen=True, slots=True)
class Comparison:
    """A unit against a reference. `difference` is unit mean - reference mean.

    Not `compared` (every figure None) when the unit or the reference is suppressed or the
    reference pools only this unit; `reason` says which. When compared but the standard error
    is zero, `reason` is "no_variance" and the test fields are None.
    """

    compared: bool
    reason: str | None = None
    difference: float | None = None
    method: str | None = None  # "welch" or "one_sample"
    statistic: float | None = None
    df: float | None = None
    p_value: float | None = None
    significant: bool | None = None  # p_value < 0.05


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One measurement year of a trend; the result is suppressed on its own n."""

    year: int
    result: ItemResult | IndicatorResult


def welch_from_stats(mean1, sd1, n1, mean2, sd2, n2) -> TTest:
    """Welch's two-sample t-test from summary statistics.

    Notes
    -----
    With :math:`v_i = s_i^2 / n_i`:
    :math:`t = (\\bar x_1 - \\bar x_2) / \\sqrt{v_1 + v_2}`,
    :math:`df = (v_1 + v_2)^2 / (v_1^2/(n_1-1) + v_2^2/(n_2-1))` (Welch-Satterthwaite),
    :math:`p = 2\\, P(T_{df} > |t|)`. Same as
    ``scipy.stats.ttest_ind_from_stats(..., equal_var=False)``, plus df.

    Raises
    ------
    ValueError
        If n < 2, sd < 0, or both sd are 0 (t undefined).
    """
    m1, m2 = _real("mean1", mean1), _real("mean2", mean2)
    s1, s2 = _real("sd1", sd1, 0), _real("sd2", sd2, 0)
    k1, k2 = _count("n1", n1, 2), _count("n2", n2, 2)
    v1, v2 = s1 * s1 / k1, s2 * s2 / k2
    if v1 + v2 == 0:
        raise ValueError("both standard deviations are 0: the t statistic is undefined")
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 * v1 / (k1 - 1) + v2 * v2 / (k2 - 1))
    return TTest(t, df, float(2 * stats.t.sf(abs(t), df)))


def one_sample_from_stats(mean, sd, n, mu) -> TTest:
    """One-sample t-test of a sample (given by mean, sd, n) against a fixed mean `mu`.

    Notes
    -----
    :math:`t = (\\bar x - \\mu) / (s / \\sqrt n)`, :math:`df = n - 1`,
    :math:`p = 2\\, P(T_{df} > |t|)`; equals ``scipy.stats.ttest_1samp`` on the raw values.

    Raises
    ------
    ValueError
        If n < 2 or sd <= 0.
    """
    m, mu = _real("mean", mean), _real("mu", mu)
    s, k = _real("sd", sd, 0), _count("n", n, 2)
    if s == 0:
        raise ValueError("sd is 0: the t statistic is undefined")
    t = (m - mu) / (s / math.sqrt(k))
    return TTest(t, float(k - 1), float(2 * stats.t.sf(abs(t), k - 1)))


def _compare(difference, unit_stats, test_mean, reference) -> Comparison:
    mean, sd, n = unit_stats
    if reference.sd is not None and reference.n is not None and reference.n >= 2:
        if sd == 0 and reference.sd == 0:
            return Comparison(True, NO_VARIANCE, difference, "welch")
        test, method = welch_from_stats(mean, sd, n, test_mean, reference.sd, reference.n), "welch"
    else:
        if sd == 0:
            return Comparison(True, NO_VARIANCE, difference, "one_sample")
        test, method = one_sample_from_stats(mean, sd, n, test_mean), "one_sample"
    return Comparison(True, None, difference, method, test.statistic, test.df, test.p_value, test.p_value < ALPHA)


def _refuse(result, reference: Reference, unit) -> Comparison | None:
    if not isinstance(reference, Reference):
        raise ValueError(f"reference must be a Reference, got {type(reference).__name__}")
    if result.suppressed:
        return Comparison(False, UNIT_SUPPRESSED)
    if reference.suppressed:
        return Comparison(False, REFERENCE_SUPPRESSED)
    if reference.contributors is not None:
        if unit is None:
            raise ValueError("unit is required: the reference lists its contributors")
        if reference.contributors == {unit}:
            return Comparison(False, SELF_REFERENCE)
    return None


def compare_item(result: ItemResult, reference: Reference, *, unit: Hashable) -> Comparison:
    """Compare one unit's item result with a reference value.

    Parameters
    ----------
    result : ItemResult
        The unit's cell, from the unit's own answers.
    reference : Reference
    unit : hashable
        The unit's id, checked against ``reference.contributors``.

    Notes
    -----
    difference :math:`= \\bar x_{unit} - \\bar x_{ref}`. With the reference's sd and n (n >= 2):
    :func:`welch_from_stats` of (mean, sd, n) of both. Otherwise :func:`one_sample_from_stats`
    of the unit's answers against the reference mean. significant :math:`= p < 0.05`.
    No comparison when either side is suppressed or the reference's contributors are exactly
    ``{unit}``. A reference that pools the unit with others is compared as given (the samples
    then overlap; the test treats them as independent).
    """
    if not isinstance(result, ItemResult):
        raise ValueError(f"compare_item needs an ItemResult, got {type(result).__name__}")
    refused = _refuse(result, reference, unit)
    if refused:
        return refused
    diff = result.mean - reference.mean
    return _compare(diff, (result.mean, result.sd, result.n), reference.mean, reference)


def compare_indicator(result: IndicatorResult, reference: Reference, *, unit: Hashable) -> Comparison:
    """Compare one unit's indicator result with a reference value.

    Notes
    -----
    difference :math:`= \\text{mean}_{unit} - \\text{mean}_{ref}` (means of item means).
    The t-test works on per-response scores (each response's mean of its valid answers to the
    indicator's items): the unit side is (score_mean, score_sd, n); the reference side is
    ``reference.score_mean`` when given, else ``reference.mean``. With the reference's sd and
    n (n >= 2, taken as the sd and n of its per-response scores): Welch; otherwise a
    one-sample t-test of the unit's scores against that reference value. Refusals as in
    :func:`compare_item`.
    """
    if not isinstance(result, IndicatorResult):
        raise ValueError(f"compare_indicator needs an IndicatorResult, got {type(result).__name__}")
    refused = _refuse(result, reference, unit)
    if refused:
        return refused
    test_mean = reference.score_mean if reference.score_mean is not None else reference.mean
    diff = result.mean - reference.mean
    return _compare(diff, (result.score_mean, result.score_sd, result.n), test_mean, reference)


def _need_units(answers: AnswerSet):
    if answers.unit is None:
        raise ValueError("a computed reference needs the unit of every answer (units = the pooled units)")


def reference_items(answers: AnswerSet, *, threshold: int = DEFAULT_THRESHOLD) -> dict[str, Reference]:
    """Compute riket for every item from the pooled answers of all units: ``result[item]``.

    mean, sd and n are the item statistics of the pooled valid answers (formulas in
    :func:`indicators.scoring.item_summary`); contributors are the units with n > 0.
    Suppressed when the pooled n < threshold.
    """
    threshold = check_threshold(threshold)
    _need_units(answers)
    by_unit = item_counts(answers, by_unit=True)
    s = item_summary(by_unit.sum(axis=0))
    has = by_unit.sum(axis=2) > 0
    out = {}
    for i, name in enumerate(answers.items):
        n = int(s["n"][i])
        if n < threshold:
            out[name] = Reference(None, source="computed", suppressed=True)
            continue
        contributors = frozenset(answers.units[u] for u in np.flatnonzero(has[:, i]))
        out[name] = Reference(float(s["mean"][i]), float(s["sd"][i]), n, contributors, source="computed")
    return out


def reference_indicators(
    answers: AnswerSet,
    item_indicator: Mapping[str, Hashable],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> dict[Hashable, Reference]:
    """Compute riket for the indicators of one respondent group from all units' answers.

    mean is the pooled indicator mean (unweighted mean of pooled item means); sd, n and
    score_mean describe the pooled per-response scores (see
    :func:`indicators.scoring.score_indicators`); contributors are the units with n > 0.
    """
    threshold = check_threshold(threshold)
    _need_units(answers)
    keys, pooled = indicator_table(answers, item_indicator)
    _, per_unit = indicator_table(answers, item_indicator, by_unit=True)
    out = {}
    for j, key in enumerate(keys):
        n = int(pooled["n"][0, j])
        if n < threshold:
            out[key] = Reference(None, source="computed", suppressed=True)
            continue
        contributors = frozenset(answers.units[u] for u in np.flatnonzero(per_unit["n"][:, j] > 0))
        out[key] = Reference(
            mean=float(pooled["mean"][0, j]),
            sd=float(pooled["score_sd"][0, j]),
            n=n,
            contributors=contributors,
            score_mean=float(pooled["score_mean"][0, j]),
            source="computed",
        )
    return out


def _years(by_year: Mapping) -> list[int]:
    if not isinstance(by_year, Mapping):
        raise ValueError("trend input must be a mapping of year -> data")
    for year in by_year:
        if isinstance(year, bool) or not isinstance(year, Integral):
            raise ValueError(f"measurement years must be integers, got {year!r}")
    return sorted(by_year)


def item_trend(
    values_by_year: Mapping[int, object],
    *,
    item: str = "",
    threshold: int = DEFAULT_THRESHOLD,
) -> list[TrendPoint]:
    """Score one item cell per measurement year, oldest first; each year has its own n and CI.

    `values_by_year` maps year -> 1-D answer codes (1..6; NaN or 0 missing). Each year is
    scored by :func:`indicators.scoring.item_stats` and suppressed on its own n.
    """
    threshold = check_threshold(threshold)
    return [
        TrendPoint(int(y), item_stats(values_by_year[y], item=item, threshold=threshold))
        for y in _years(values_by_year)
    ]


def indicator_trend(
    answers_by_year: Mapping[int, AnswerSet],
    item_indicator: Mapping[str, Hashable],
    indicator: Hashable,
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> list[TrendPoint]:
    """Score one indicator of one respondent group per measurement year, oldest first.

    Each year is scored by :func:`indicators.scoring.score_indicators` and suppressed on its
    own n.
    """
    threshold = check_threshold(threshold)
    items = {i: k for i, k in item_indicator.items() if k == indicator}
    if not items:
        raise ValueError(f"no item of the mapping belongs to indicator {indicator!r}")
    out = []
    for year in _years(answers_by_year):
        answers = answers_by_year[year]
        if not isinstance(answers, AnswerSet):
            raise ValueError(f"year {year}: expected an AnswerSet, got {type(answers).__name__}")
        out.append(TrendPoint(int(year), score_indicators(answers, items, threshold=threshold)[indicator]))
    return out
