"""Item and indicator statistics with the reporting threshold applied.

Pure: numpy, scipy.stats and the standard library. Arrays in, frozen dataclasses out.
A suppressed result carries no figures at all (every number is None), so nothing can leak
from a cell that reads "för få svar".
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from indicators.answers import N_STEPS, AnswerSet, check_values
from indicators.disclosure import overlap_allows_interval
from indicators.intervals import PRIOR_WEIGHT, mean_interval, wilson_interval  # noqa: F401 (re-exported)
from indicators.suppression import DEFAULT_THRESHOLD, check_threshold
from indicators.tables import (  # noqa: F401 (re-exported)
    indicator_keys,
    indicator_table,
    item_counts,
    item_summary,
    summary,
)


@dataclass(frozen=True, slots=True)
class ItemResult:
    """Statistics of one item cell. When `suppressed`, every figure is None (n too)."""

    item: str
    suppressed: bool
    n: int | None = None
    counts: tuple[int, ...] | None = None  # answers coded 1..6
    shares: tuple[float, ...] | None = None  # counts / n
    mean: float | None = None
    sd: float | None = None
    ci_low: float | None = None  # 95 % interval of the mean (see mean_interval), inside 1..6
    ci_high: float | None = None
    share_positive: float | None = None  # share of valid answers coded 4..6
    share_positive_ci_low: float | None = None  # Wilson score 95 % interval of share_positive
    share_positive_ci_high: float | None = None


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """One indicator for one respondent group. When `suppressed`, every figure is None."""

    indicator: Hashable
    suppressed: bool
    n: int | None = None  # responses with at least one valid answer to the items
    mean: float | None = None  # unweighted mean of the item means
    index: float | None = None  # (mean - 1) / 5 * 100
    items: tuple[str, ...] | None = None  # items whose means entered `mean` (n > 0)
    score_mean: float | None = None  # mean of the per-response scores
    score_sd: float | None = None  # sd (n - 1) of the per-response scores
    se: float | None = None  # standard error of `mean` from the item covariance (see indicator_table)
    #: True when the standard error is withheld: fewer than k answered both of two of the items
    #: (D1, indicators.disclosure.overlap_allows_interval); None when suppressed.
    interval_hidden: bool | None = None


@dataclass(frozen=True, slots=True)
class CombinedIndicator:
    """An indicator across respondent groups: unweighted mean of the shown group indices."""

    indicator: Hashable
    suppressed: bool
    index: float | None = None
    mean: float | None = None
    groups: tuple[Hashable, ...] = ()  # the groups used, in input order


# -- results from the tables --------------------------------------------------------------


#: The figures of an item summary in the order of ItemResult's fields after `shares`.
_ITEM_FIGURES = ("mean", "sd", "ci_low", "ci_high", "share_positive", "share_positive_ci_low", "share_positive_ci_high")


def _item_results(names, counts, s, threshold) -> list[ItemResult]:
    """One ItemResult per row of `counts` (rows, 6) and of its summary `s` (any shape, same rows).

    Row r is item ``names[r % len(names)]`` (rows run over units, then items). The figures are
    taken out of the arrays once (``tolist``), not element by element, and passed by position
    (ItemResult's field order: item, suppressed, n, counts, shares, then _ITEM_FIGURES).
    """
    rows = counts.size // N_STEPS
    n = s["n"].reshape(rows).tolist()
    shown = zip(
        counts.reshape(rows, N_STEPS).tolist(),
        s["shares"].reshape(rows, N_STEPS).tolist(),
        *(s[k].reshape(rows).tolist() for k in _ITEM_FIGURES),
        strict=True,
    )
    out = []
    for r, (c, shares, *figures) in enumerate(shown):
        name = names[r % len(names)]
        if n[r] < threshold:
            out.append(ItemResult(name, True))
        else:
            out.append(ItemResult(name, False, n[r], tuple(c), tuple(shares), *figures))
    return out


def _item_result(name, counts, s, i, threshold) -> ItemResult:
    """The ItemResult of row `i` of `counts` (rows, 6) and its summary `s`."""
    return _item_results((name,), counts[i : i + 1], {k: v[i : i + 1] for k, v in s.items()}, threshold)[0]


def item_stats(values, *, item: str = "", threshold: int = DEFAULT_THRESHOLD) -> ItemResult:
    """Score one item from a 1-D array of its answers (1..6; NaN or 0 missing).

    See :func:`item_summary` for the formulas. Suppressed when n < `threshold`.
    """
    threshold = check_threshold(threshold)
    v = check_values(values)
    v = v[~np.isnan(v)]
    counts = np.bincount(v.astype(np.int64) - 1, minlength=N_STEPS)[None, :]
    return _item_result(item, counts, item_summary(counts), 0, threshold)


def score_items(answers: AnswerSet, *, threshold: int = DEFAULT_THRESHOLD) -> dict[str, ItemResult]:
    """Score every item of `answers`, all units pooled. Keys follow `answers.items`.

    Missing answers never enter a statistic; see :func:`item_summary` for the formulas.
    """
    threshold = check_threshold(threshold)
    results = _item_results(answers.items, item_counts(answers), summary(answers), threshold)
    return dict(zip(answers.items, results, strict=True))


def score_items_by_unit(
    answers: AnswerSet, *, threshold: int = DEFAULT_THRESHOLD
) -> dict[Hashable, dict[str, ItemResult]]:
    """Score every item per unit: ``result[unit][item]``. Primary suppression only.

    For a breakdown shown under a total, use :func:`indicators.breakdown.item_breakdown`.
    """
    threshold = check_threshold(threshold)
    n_items = len(answers.items)
    counts = item_counts(answers, by_unit=True)
    results = _item_results(answers.items, counts, summary(answers, by_unit=True), threshold)
    return {
        unit: dict(zip(answers.items, results[u * n_items : (u + 1) * n_items], strict=True))
        for u, unit in enumerate(answers.units)
    }


def _indicator_results(keys, table, items, threshold) -> list[list[IndicatorResult]]:
    """``out[u][j]``: the IndicatorResult of unit row u and indicator j of an indicator_table.

    Figures are passed by position (IndicatorResult's field order).
    """
    lookup = table["lookup"].tolist()
    cols = [[c for c, ind in enumerate(lookup) if ind == j] for j in range(len(keys))]
    names = ("n", "mean", "score_mean", "score_sd", "se", "overlap", "used")
    fig = zip(*(table[k].tolist() for k in names), strict=True)
    out = []
    for n_row, mean_row, score_mean_row, score_sd_row, se_row, overlap_row, used in fig:
        row = []
        for j, key in enumerate(keys):
            n, mean = n_row[j], mean_row[j]
            if n < threshold:
                row.append(IndicatorResult(key, True))
                continue
            shown_items = tuple(items[c] for c in cols[j] if used[c])
            index = (mean - 1.0) / 5.0 * 100.0
            hidden = not overlap_allows_interval(overlap_row[j], threshold)
            row.append(IndicatorResult(key, False, n, mean, index, shown_items, score_mean_row[j], score_sd_row[j],
                                       None if hidden else se_row[j], hidden))
        out.append(row)
    return out


def score_indicators(
    answers: AnswerSet,
    item_indicator: Mapping[str, Hashable],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> dict[Hashable, IndicatorResult]:
    """Score the indicators of one respondent group, all units pooled.

    Parameters
    ----------
    answers : AnswerSet
    item_indicator : mapping of item id -> indicator id
        The items of ONE respondent group. Items of `answers` not in it are ignored; items in
        it without answers are skipped. Keys of the result follow the mapping's value order.
    threshold : int, default 5

    Notes
    -----
    mean :math:`= \\frac{1}{m} \\sum_{i} \\bar x_i` over the m items with n_i > 0 (unweighted);
    index :math:`= (\\text{mean} - 1) / 5 \\cdot 100`; n = responses with at least one valid
    answer to the items. The per-response score (descriptive; the comparison tests `mean` with `se`) is the mean
    of that response's valid answers to the items; score_sd uses n - 1.
    """
    threshold = check_threshold(threshold)
    keys, table = indicator_table(answers, item_indicator)
    return dict(zip(keys, _indicator_results(keys, table, answers.items, threshold)[0], strict=True))


def score_indicators_by_unit(
    answers: AnswerSet,
    item_indicator: Mapping[str, Hashable],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> dict[Hashable, dict[Hashable, IndicatorResult]]:
    """Score the indicators per unit: ``result[unit][indicator]``. See :func:`score_indicators`."""
    threshold = check_threshold(threshold)
    keys, table = indicator_table(answers, item_indicator, by_unit=True)
    rows = _indicator_results(keys, table, answers.items, threshold)
    return {unit: dict(zip(keys, rows[u], strict=True)) for u, unit in enumerate(answers.units)}


def combine_groups(by_group: Mapping[Hashable, IndicatorResult]) -> CombinedIndicator:
    """Combine one indicator across respondent groups.

    Notes
    -----
    index :math:`= \\frac{1}{g} \\sum_{\\text{groups}} \\text{index}_g` over the g groups that
    are not suppressed (unweighted); mean likewise. The groups used are returned in `groups`.
    Suppressed when no group is shown.

    Raises
    ------
    ValueError
        If the results are not all for the same indicator, or the mapping is empty.
    """
    if not by_group:
        raise ValueError("combine_groups needs at least one group result")
    names = {r.indicator for r in by_group.values()}
    if len(names) != 1:
        raise ValueError(f"combine_groups got results for different indicators: {sorted(map(str, names))}")
    indicator = names.pop()
    shown = [(g, r) for g, r in by_group.items() if not r.suppressed]
    if not shown:
        return CombinedIndicator(indicator, True)
    return CombinedIndicator(
        indicator=indicator,
        suppressed=False,
        index=sum(r.index for _, r in shown) / len(shown),
        mean=sum(r.mean for _, r in shown) / len(shown),
        groups=tuple(g for g, _ in shown),
    )
