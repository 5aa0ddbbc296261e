"""Comparison with a reference ("riket") and trends over measurement years.

Pure: numpy, scipy.stats and the standard library. Arrays and results in, frozen dataclasses out.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from indicators.answers import N_STEPS, AnswerSet
from indicators.disclosure import overlap_allows_interval
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
from indicators.ttests import (  # noqa: F401 - re-exported for callers of compare
    ALPHA,
    TTest,
    _count,
    _real,
    one_sample_from_stats,
    t_interval_test,
    welch_from_stats,
)

#: Comparison.reason values.
UNIT_SUPPRESSED = "unit_suppressed"
REFERENCE_SUPPRESSED = "reference_suppressed"
SELF_REFERENCE = "self_reference"
NO_VARIANCE = "no_variance"
#: Compared without a test: the group is a near-census (board, chefsgrupp), Scoring rule 7.
CENSUS = "census"
#: Compared without a test: fewer than k respondents answered both of two of the indicator's
#: items, so its standard error is withheld (indicators.disclosure.overlap_allows_interval).
FEW_OVERLAP = "few_overlap"



@dataclass(frozen=True, slots=True)
class Reference:
    """A reference value for one cell, on the 1-6 scale.

    `contributors` is the set of units a computed reference pools (None for an imported one);
    `score_mean` (indicators only) is the mean of per-response scores. `se` (computed indicator
    references) is the standard error of `mean` from the answers; when None the comparison
    uses sd / sqrt(n). `share_positive` (items) is the reference's share of answers 4..6.
    A suppressed reference has no figures.
    """

    mean: float | None
    sd: float | None = None
    n: int | None = None
    contributors: frozenset | None = None
    score_mean: float | None = None
    source: str = "imported"  # or "computed"
    suppressed: bool = False
    se: float | None = None
    share_positive: float | None = None
    #: A computed riket indicator whose standard error is withheld (as IndicatorResult's).
    interval_hidden: bool = False

    def __post_init__(self):
        if self.source not in ("imported", "computed"):
            raise ValueError(f"reference source must be 'imported' or 'computed', got {self.source!r}")
        if self.contributors is not None:
            object.__setattr__(self, "contributors", frozenset(self.contributors))
        figures = (self.mean, self.sd, self.n, self.score_mean, self.se, self.share_positive)
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
        if self.se is not None:
            object.__setattr__(self, "se", _real("reference se", self.se, 0))
        if self.share_positive is not None:
            object.__setattr__(self, "share_positive", _real("reference share_positive", self.share_positive, 0, 1))

    @property
    def standard_error(self) -> float | None:
        """Standard error of `mean`: `se`, else sd / sqrt(n) when sd and n >= 2 are known."""
        if self.se is not None:
            return self.se
        if self.sd is not None and self.n is not None and self.n >= 2:
            return self.sd / math.sqrt(self.n)
        return None


@dataclass(frozen=True, slots=True)
class Comparison:
    """A unit against a reference. `difference` is unit mean - reference mean (1-6 scale).

    Not `compared` (every figure None) when the unit or the reference is suppressed or the
    reference pools only this unit; `reason` says which. When compared but the standard error
    is zero, `reason` is "no_variance" and the test fields are None; for a near-census group
    (:func:`without_test`) `reason` is "census" and the test fields are None.

    The interval and the p-value come from the same t statistic with the same df, so the
    interval excludes 0 exactly when p < 0.05. `q_value` is the Benjamini-Hochberg adjusted
    p-value within the family (:func:`indicators.multiplicity.adjust_family`; a lone comparison
    is a family of one, q = p) and `significant` is q < 0.05.
    """

    compared: bool
    reason: str | None = None
    difference: float | None = None
    method: str | None = None  # "welch" or "one_sample"
    statistic: float | None = None
    df: float | None = None
    p_value: float | None = None
    significant: bool | None = None  # q_value < 0.05
    difference_ci_low: float | None = None
    difference_ci_high: float | None = None
    q_value: float | None = None
    index_difference: float | None = None  # difference in index points: difference / 5 * 100
    share_positive_difference: float | None = None  # items: unit - reference share positive


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One measurement year of a trend; the result is suppressed on its own n."""

    year: int
    result: ItemResult | IndicatorResult


def _compare(difference, se_unit, df_unit, reference, effects) -> Comparison:
    """Compare with the unit's and the reference's standard errors (Welch), or the unit's only."""
    se_ref = reference.standard_error
    base = dict(compared=True, difference=difference, **effects)
    if se_ref is not None and reference.n is not None and reference.n >= 2:
        method = "welch"
        v1, v2 = se_unit * se_unit, se_ref * se_ref
        if v1 + v2 == 0 or not math.isfinite(v1 + v2):
            return Comparison(reason=NO_VARIANCE, method=method, **base)
        se = math.sqrt(v1 + v2)
        df = (v1 + v2) ** 2 / (v1 * v1 / (df_unit) + v2 * v2 / (reference.n - 1))
    else:
        method = "one_sample"
        if se_unit == 0 or not math.isfinite(se_unit):
            return Comparison(reason=NO_VARIANCE, method=method, **base)
        se, df = se_unit, float(df_unit)
    t, p, low, high = t_interval_test(difference, se, df)
    return Comparison(method=method, statistic=t, df=df, p_value=p, significant=p < ALPHA,
                      difference_ci_low=low, difference_ci_high=high, q_value=p, **base)


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
    Welch's t of (mean, sd, n) of both (as :func:`welch_from_stats`). Otherwise a one-sample t
    of the unit's answers against the reference mean (as :func:`one_sample_from_stats`). The
    95 % interval of the difference uses the same standard error and df
    (:func:`t_interval_test`); significant :math:`= q < 0.05` (q = p for a lone comparison).
    Effect sizes: index_difference = difference / 5 * 100, and share_positive_difference when
    the reference has a share positive.
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
    effects = {"index_difference": diff / (N_STEPS - 1) * 100}
    if reference.share_positive is not None:
        effects["share_positive_difference"] = result.share_positive - reference.share_positive
    return _compare(diff, result.sd / math.sqrt(result.n), result.n - 1, reference, effects)


def compare_indicator(result: IndicatorResult, reference: Reference, *, unit: Hashable) -> Comparison:
    """Compare one unit's indicator result with a reference value.

    Notes
    -----
    difference :math:`= \\text{mean}_{unit} - \\text{mean}_{ref}` (means of item means).
    The test and the interval are of that same difference: the unit's standard error is
    ``result.se``, the variance of the mean of item means estimated from the respondents'
    answers (item covariances, :func:`indicators.variance.indicator_se`), on n - 1 df. The
    reference side uses ``reference.se`` (computed riket, same estimator), else sd / sqrt(n)
    of an imported reference (n >= 2); Welch-Satterthwaite df. With only a reference mean: a
    one-sample t of the unit's estimate against it. Refusals as in :func:`compare_item`;
    effect size index_difference = difference / 5 * 100.
    """
    if not isinstance(result, IndicatorResult):
        raise ValueError(f"compare_indicator needs an IndicatorResult, got {type(result).__name__}")
    refused = _refuse(result, reference, unit)
    if refused:
        return refused
    diff = result.mean - reference.mean
    effects = {"index_difference": diff / (N_STEPS - 1) * 100}
    if result.interval_hidden or reference.interval_hidden:
        # The difference of the two means is shown; an interval or test would need a withheld
        # standard error (indicators.disclosure.overlap_allows_interval).
        return Comparison(compared=True, reason=FEW_OVERLAP, difference=diff, **effects)
    se = result.se if result.se is not None else math.nan
    return _compare(diff, se, result.n - 1, reference, effects)


def without_test(comparison: Comparison) -> Comparison:
    """The comparison of a near-census group (ST, CH): difference and effect sizes, no test.

    Drops statistic, df, p, q, significance and the interval of the difference (which is the
    test in another form); `reason` becomes "census". Not-compared results pass unchanged.
    """
    if not comparison.compared:
        return comparison
    return Comparison(True, CENSUS, comparison.difference, index_difference=comparison.index_difference,
                      share_positive_difference=comparison.share_positive_difference)


def _need_units(answers: AnswerSet):
    if answers.units is None:
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
        out[name] = Reference(float(s["mean"][i]), float(s["sd"][i]), n, contributors, source="computed",
                              share_positive=float(s["share_positive"][i]))
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
        hidden = not overlap_allows_interval(int(pooled["overlap"][0, j]), threshold)
        out[key] = Reference(
            mean=float(pooled["mean"][0, j]),
            sd=None if hidden else float(pooled["score_sd"][0, j]),
            n=n,
            contributors=contributors,
            score_mean=float(pooled["score_mean"][0, j]),
            source="computed",
            se=float(pooled["se"][0, j]) if math.isfinite(pooled["se"][0, j]) and not hidden else None,
            interval_hidden=hidden,
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
