"""Counts, item summaries and raw indicator tables of an AnswerSet: the vectorised cores of scoring.

Pure: numpy, scipy.stats (through indicators.intervals) and the standard library. Everything is
computed from ``AnswerSet.grid`` (the answer code of each response and item) and kept in the
set's memo, read-only, so that scoring items, units and indicators of one set counts the answers
once. Re-exported by :mod:`indicators.scoring`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np

from indicators.answers import N_STEPS, POSITIVE_FROM, AnswerSet
from indicators.intervals import mean_interval, wilson_interval
from indicators.variance import indicator_se, sequential_sum

_STEPS = np.arange(1, N_STEPS + 1, dtype=np.float64)


def _divide(num, den, where):
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=where)


def _keep(answers: AnswerSet, key, value):
    """Store `value` (an array, or a dict / tuple / list of them, nested) read-only in the memo."""

    def freeze(x):
        if isinstance(x, np.ndarray):
            x.flags.writeable = False
        elif isinstance(x, dict):
            for v in x.values():
                freeze(v)
        elif isinstance(x, (tuple, list)):
            for v in x:
                freeze(v)

    freeze(value)
    answers.memo[key] = value
    return value


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
    if by_unit and answers.units is None:
        raise ValueError("this AnswerSet has no unit column")
    memo_key = ("item_counts", by_unit)
    counts = answers.memo.get(memo_key)
    if counts is None:
        if not by_unit and answers.units is not None:
            # One count serves both: the pooled counts are the per-unit ones added up.
            counts = item_counts(answers, by_unit=True).sum(axis=0)
        else:
            counts = _count_items(answers, by_unit)
        counts = _keep(answers, memo_key, counts)
    return counts


def _count_items(answers: AnswerSet, by_unit: bool) -> np.ndarray:
    """One bincount per item row of the grid, keyed on (unit, code); code 0 (missing) dropped."""
    grid = answers.grid
    n_items = grid.shape[0]
    n_units = len(answers.units) if by_unit else 1
    base = answers.unit_of_response * (N_STEPS + 1) if by_unit else None
    counts = np.empty((n_units, n_items, N_STEPS), dtype=np.int64)
    for i in range(n_items):
        key = grid[i] if base is None else base + grid[i]
        per_code = np.bincount(key, minlength=n_units * (N_STEPS + 1)).reshape(n_units, N_STEPS + 1)
        counts[:, i, :] = per_code[:, 1:]
    return counts if by_unit else counts[0]


def summary(answers: AnswerSet, *, by_unit: bool = False) -> dict[str, np.ndarray]:
    """:func:`item_summary` of :func:`item_counts`, computed once per AnswerSet and kept."""
    memo_key = ("item_summary", by_unit)
    s = answers.memo.get(memo_key)
    if s is None:
        s = _keep(answers, memo_key, item_summary(item_counts(answers, by_unit=by_unit)))
    return s


def indicator_keys(answers: AnswerSet, item_indicator: Mapping[str, Hashable]):
    """The indicators in mapping order and the indicator position of each item (-1: none)."""
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
    keys, lookup = indicator_keys(answers, item_indicator)
    n_ind = len(keys)
    item = summary(answers, by_unit=by_unit)
    if not by_unit:
        item = {k: v[None] for k, v in item.items()}
    n_units = item["n"].shape[0]
    used = item["n"] > 0

    # Unweighted mean of the item means, over items with n > 0.
    mean = np.full((n_units, n_ind), np.nan)
    for j in range(n_ind):
        cols = lookup == j
        k = used[:, cols].sum(axis=1)
        total = np.where(used[:, cols], item["mean"][:, cols], 0.0).sum(axis=1)
        mean[:, j] = _divide(total, k, k > 0)

    n, score_mean, score_sd = _score_moments(answers, lookup, n_ind, by_unit)
    table = {
        "n": n,
        "mean": mean,
        "score_mean": score_mean,
        "score_sd": score_sd,
        "se": indicator_se(answers, lookup, used, item["n"], item["sd"], n_ind, by_unit=by_unit),
        "used": used,
        "lookup": lookup,
    }
    return keys, table


def _score_moments(answers: AnswerSet, lookup: np.ndarray, n_ind: int, by_unit: bool):
    """n, mean and sd (n - 1) of the per-response scores per (unit, indicator).

    Each sum runs over the responses in response order, left to right (np.bincount adds in
    array order), a response without a score adding an exact 0.0, so the last bit of a figure
    does not depend on how the answers were stored. Exception: the pooled sum of the scores of
    an indicator of at most two items is exact whatever the order (every score is a multiple
    of 1/2), so it is added pairwise.
    """
    grid = answers.grid
    n_units = len(answers.units) if by_unit else 1
    shape = (n_units, n_ind)
    n, score_mean, score_sd = np.zeros(shape, dtype=np.int64), np.full(shape, np.nan), np.full(shape, np.nan)
    cell = answers.unit_of_response
    for j in range(n_ind):
        cols = np.flatnonzero(lookup == j)
        score, has = response_scores(grid, cols)
        if by_unit:
            nj = np.bincount(cell, weights=has, minlength=n_units)
            mj = _divide(np.bincount(cell, weights=score, minlength=n_units), nj, nj > 0)
            dev = score - mj[cell]
        else:
            nj = np.array([float(np.count_nonzero(has))])
            total = score.sum() if cols.size <= 2 else sequential_sum(score)
            mj = _divide(np.array([total]), nj, nj > 0)
            dev = score - mj[0]
        dev *= dev
        dev *= has  # 0 for a response without a score (also where the mean is NaN: n = 0)
        sq_dev = np.bincount(cell, weights=dev, minlength=n_units) if by_unit else np.array([sequential_sum(dev)])
        n[:, j], score_mean[:, j] = nj, mj
        score_sd[:, j] = np.sqrt(_divide(sq_dev, nj - 1.0, nj > 1))
    return n, score_mean, score_sd


def response_scores(grid: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-response score: mean of that response's valid answers to the items `cols`.

    Returns ``(score, has)``, float64 arrays over all responses: the score (0.0 without a
    valid answer) and 1.0 where the response has one, else 0.0.
    """
    if cols.size == 1:
        answer = grid[cols[0]]
        return answer.astype(np.float64), (answer > 0).astype(np.float64)
    total = np.zeros(grid.shape[1], dtype=np.int32)
    count = np.zeros(grid.shape[1], dtype=np.int32)
    for c in cols:
        total += grid[c]
        count += grid[c] > 0
    score = total / np.maximum(count, 1)
    return score, np.minimum(count, 1).astype(np.float64)
