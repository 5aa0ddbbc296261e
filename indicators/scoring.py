"""Item and indicator statistics with the reporting threshold applied.

Pure: numpy, scipy.stats and the standard library. Arrays in, frozen dataclasses out.
A suppressed result carries no figures at all (every number is None), so nothing can leak
from a cell that reads "för få svar".
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from indicators.answers import N_STEPS, POSITIVE_FROM, AnswerSet, check_values
from indicators.intervals import PRIOR_WEIGHT, mean_interval, wilson_interval  # noqa: F401 (re-exported)
from indicators.suppression import DEFAULT_THRESHOLD, check_threshold
from indicators.variance import indicator_se

_STEPS = np.arange(1, N_STEPS + 1, dtype=np.float64)


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


@dataclass(frozen=True, slots=True)
class CombinedIndicator:
    """An indicator across respondent groups: unweighted mean of the shown group indices."""

    indicator: Hashable
    suppressed: bool
    index: float | None = None
    mean: float | None = None
    groups: tuple[Hashable, ...] = ()  # the groups used, in input order


# -- vectorised cores ---------------------------------------------------------------------


def _divide(num, den, where):
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=where)


def item_summary(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Compute n, mean, sd, intervals and shares from answer counts of shape (..., 6).

    Notes
    -----
    With :math:`c_k` answers coded :math:`k`:
    :math:`n = \\sum c_k`, :math:`\\bar x = \\sum k c_k / n`,
    :math:`s = \\sqrt{\\sum c_k (k - \\bar x)^2 / (n - 1)}`,
    CI of the mean by :func:`mean_interval` (inside 1..6),
    share positive :math:`= (c_4 + c_5 + c_6) / n` with its :func:`wilson_interval`.
    mean, shares and share positive are NaN when n = 0; sd and CI are NaN when n < 2.
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = counts.sum(axis=-1)
    nf = n.astype(np.float64)
    mean = _divide(counts @ _STEPS, nf, n > 0)
    sq_dev = (counts * (_STEPS - np.where(n > 0, mean, 0.0)[..., None]) ** 2).sum(axis=-1)
    sd = np.sqrt(_divide(sq_dev, nf - 1, n > 1))
    ci_low, ci_high = mean_interval(counts)
    positive = counts[..., POSITIVE_FROM - 1 :].sum(axis=-1)
    sp_low, sp_high = wilson_interval(positive, n)
    return {
        "n": n,
        "mean": mean,
        "sd": sd,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "shares": _divide(counts, nf[..., None], (n > 0)[..., None]),
        "share_positive": _divide(positive, nf, n > 0),
        "share_positive_ci_low": sp_low,
        "share_positive_ci_high": sp_high,
    }


def item_counts(answers: AnswerSet, *, by_unit: bool = False) -> np.ndarray:
    """Count valid answers per item and code: shape (items, 6), or (units, items, 6).

    Counted once per AnswerSet and kept (read-only): every score of one set reuses the counts.
    """
    if by_unit and answers.unit is None:
        raise ValueError("this AnswerSet has no unit column")
    memo_key = ("item_counts", by_unit)
    counts = answers.memo.get(memo_key)
    if counts is None:
        if not by_unit and answers.unit is not None:
            # One count serves both: the pooled counts are the per-unit ones added up.
            counts = item_counts(answers, by_unit=True).sum(axis=0)
        else:
            counts = _count_items(answers, by_unit)
        counts.flags.writeable = False
        answers.memo[memo_key] = counts
    return counts


def _count_items(answers: AnswerSet, by_unit: bool) -> np.ndarray:
    item, _, value, unit = _valid_answers(answers)
    n_items = len(answers.items)
    key = item * N_STEPS + (value.astype(np.int64) - 1)
    n_units = 1
    if by_unit:
        n_units = len(answers.units)
        key += unit * (n_items * N_STEPS)
    flat = np.bincount(key, minlength=n_units * n_items * N_STEPS)
    return flat.reshape((n_units, n_items, N_STEPS) if by_unit else (n_items, N_STEPS))


def _valid_answers(answers: AnswerSet):
    """``(item, resp, value, unit)`` of the valid answers only (unit None without units); kept."""
    cached = answers.memo.get("valid")
    if cached is None:
        valid = ~np.isnan(answers.value)
        cached = tuple(
            None if arr is None else arr[valid] for arr in (answers.item, answers.resp, answers.value, answers.unit)
        )
        for arr in cached:
            if arr is not None:
                arr.flags.writeable = False
        answers.memo["valid"] = cached
    return cached


def _item_result(name, counts, s, i, threshold) -> ItemResult:
    n = int(s["n"][i])
    if n < threshold:
        return ItemResult(name, True)
    return ItemResult(
        item=name,
        suppressed=False,
        n=n,
        counts=tuple(int(c) for c in counts[i]),
        shares=tuple(float(x) for x in s["shares"][i]),
        mean=float(s["mean"][i]),
        sd=float(s["sd"][i]),
        ci_low=float(s["ci_low"][i]),
        ci_high=float(s["ci_high"][i]),
        share_positive=float(s["share_positive"][i]),
        share_positive_ci_low=float(s["share_positive_ci_low"][i]),
        share_positive_ci_high=float(s["share_positive_ci_high"][i]),
    )


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
    counts = item_counts(answers)
    s = item_summary(counts)
    return {name: _item_result(name, counts, s, i, threshold) for i, name in enumerate(answers.items)}


def score_items_by_unit(
    answers: AnswerSet, *, threshold: int = DEFAULT_THRESHOLD
) -> dict[Hashable, dict[str, ItemResult]]:
    """Score every item per unit: ``result[unit][item]``. Primary suppression only.

    For a breakdown shown under a total, use :func:`indicators.breakdown.item_breakdown`.
    """
    threshold = check_threshold(threshold)
    n_items = len(answers.items)
    counts = item_counts(answers, by_unit=True).reshape(-1, N_STEPS)
    s = item_summary(counts)
    return {
        unit: {name: _item_result(name, counts, s, u * n_items + i, threshold) for i, name in enumerate(answers.items)}
        for u, unit in enumerate(answers.units)
    }


def _indicator_keys(answers: AnswerSet, item_indicator: Mapping[str, Hashable]):
    if not isinstance(item_indicator, Mapping):
        raise ValueError("item_indicator must be a mapping of item id -> indicator")
    keys = list(dict.fromkeys(item_indicator.values()))
    position = {k: j for j, k in enumerate(keys)}
    lookup = [position[item_indicator[name]] if name in item_indicator else -1 for name in answers.items]
    return keys, np.array(lookup, dtype=np.int64)


def indicator_table(answers: AnswerSet, item_indicator: Mapping[str, Hashable], *, by_unit: bool = False):
    """Compute raw indicator figures per (unit, indicator), unsuppressed. Internal building block.

    Returns ``(keys, table)`` where `keys` lists the indicators in mapping order and `table`
    holds arrays of shape (units, indicators) (units = 1 unless `by_unit`): ``n``, ``mean``,
    ``score_mean``, ``score_sd``, ``se`` (standard error of ``mean``,
    :func:`indicators.variance.indicator_se`); plus ``used``, a boolean (units, items) array of the items
    with n > 0 that feed ``mean``, and ``lookup``, the indicator position of each item (-1 when
    the item is in no indicator).
    """
    keys, lookup = _indicator_keys(answers, item_indicator)
    n_ind = len(keys)
    counts = item_counts(answers, by_unit=by_unit)
    if not by_unit:
        counts = counts[None]
    n_units = counts.shape[0]
    item = item_summary(counts)
    used = item["n"] > 0

    # Unweighted mean of the item means, over items with n > 0.
    mean = np.full((n_units, n_ind), np.nan)
    for j in range(n_ind):
        cols = lookup == j
        k = used[:, cols].sum(axis=1)
        total = np.where(used[:, cols], item["mean"][:, cols], 0.0).sum(axis=1)
        mean[:, j] = _divide(total, k, k > 0)

    g_ind, g_resp, score = _response_scores(answers, lookup, n_ind)
    cell = g_ind
    if by_unit:
        cell = answers.unit_of_response[g_resp] * n_ind + g_ind
    size = n_units * n_ind
    n = np.bincount(cell, minlength=size)
    score_mean = _divide(np.bincount(cell, weights=score, minlength=size), n, n > 0)
    sq_dev = np.bincount(cell, weights=(score - score_mean[cell]) ** 2, minlength=size)
    score_sd = np.sqrt(_divide(sq_dev, n - 1.0, n > 1))
    shape = (n_units, n_ind)
    table = {
        "n": n.reshape(shape),
        "mean": mean,
        "score_mean": score_mean.reshape(shape),
        "score_sd": score_sd.reshape(shape),
        "se": indicator_se(answers, lookup, used, item["n"], item["sd"], n_ind, by_unit=by_unit),
        "used": used,
        "lookup": lookup,
    }
    return keys, table


def _response_scores(answers: AnswerSet, lookup: np.ndarray, n_ind: int):
    """Per-response score: mean of that response's valid answers to each indicator's items.

    Returns ``(indicator, response, score)`` arrays, one entry per (indicator, response) with at
    least one valid answer, ordered by indicator, then response. Kept per item -> indicator
    lookup on the AnswerSet: pooled and per-unit figures use the same scores.
    """
    memo_key = ("response_scores", lookup.tobytes(), n_ind)
    cached = answers.memo.get(memo_key)
    if cached is not None:
        return cached
    item, resp, value, _ = _valid_answers(answers)
    ind = lookup[item]
    keep = ind >= 0
    if not keep.all():
        ind, resp, value = ind[keep], resp[keep], value[keep]
    n_resp = max(answers.n_responses, 1)
    key = ind * n_resp + resp
    if n_ind * n_resp <= 4 * key.size + (1 << 20):
        cnt = np.bincount(key, minlength=n_ind * n_resp)
        tot = np.bincount(key, weights=value, minlength=n_ind * n_resp)
        groups = np.flatnonzero(cnt)
        cnt, tot = cnt[groups], tot[groups]
    else:
        groups, inverse = np.unique(key, return_inverse=True)
        cnt = np.bincount(inverse)
        tot = np.bincount(inverse, weights=value)
    result = (groups // n_resp, groups % n_resp, tot / cnt)
    for arr in result:
        arr.flags.writeable = False
    answers.memo[memo_key] = result
    return result


def _indicator_result(key, table, u, j, items, threshold) -> IndicatorResult:
    n = int(table["n"][u, j])
    if n < threshold:
        return IndicatorResult(key, True)
    mean = float(table["mean"][u, j])
    cols = np.flatnonzero((table["lookup"] == j) & table["used"][u])
    return IndicatorResult(
        indicator=key,
        suppressed=False,
        n=n,
        mean=mean,
        index=(mean - 1.0) / 5.0 * 100.0,
        items=tuple(items[c] for c in cols),
        score_mean=float(table["score_mean"][u, j]),
        score_sd=float(table["score_sd"][u, j]),
        se=float(table["se"][u, j]),
    )


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
    return {key: _indicator_result(key, table, 0, j, answers.items, threshold) for j, key in enumerate(keys)}


def score_indicators_by_unit(
    answers: AnswerSet,
    item_indicator: Mapping[str, Hashable],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> dict[Hashable, dict[Hashable, IndicatorResult]]:
    """Score the indicators per unit: ``result[unit][indicator]``. See :func:`score_indicators`."""
    threshold = check_threshold(threshold)
    keys, table = indicator_table(answers, item_indicator, by_unit=True)
    return {
        unit: {key: _indicator_result(key, table, u, j, answers.items, threshold) for j, key in enumerate(keys)}
        for u, unit in enumerate(answers.units)
    }


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
