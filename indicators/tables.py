"""Counts, item summaries and raw indicator tables of an AnswerSet: the vectorised cores of scoring.

Pure: numpy, scipy.stats (through indicators.intervals) and the standard library. Everything is
computed from ``AnswerSet.grid`` (the answer code of each item and response). Item counts and
summaries are kept in the set's memo, read-only, so that scoring items, units and indicators of
one set counts the answers once; nothing of the size of the answers is kept. Re-exported by
:mod:`indicators.scoring`.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np

from indicators.answers import N_STEPS, POSITIVE_FROM, AnswerSet
from indicators.intervals import mean_interval, wilson_interval
from indicators.score_moments import AnswerPairs, score_moments
from indicators.sums import divide as _divide
from indicators.variance import indicator_se, smallest_overlap

_STEPS = np.arange(1, N_STEPS + 1, dtype=np.float64)


def _keep(answers: AnswerSet, key, value):
    """Store `value` (an array, or a dict of arrays) read-only in the memo and return it."""
    for arr in value.values() if isinstance(value, dict) else (value,):
        arr.flags.writeable = False
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
    :func:`indicators.variance.indicator_se`), ``overlap`` (the fewest respondents who answered both
    of two of the items, :func:`indicators.variance.smallest_overlap`); plus ``used``, a boolean (units, items) array of the items
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

    cell = answers.unit_of_response if by_unit else None
    counts = item_counts(answers, by_unit=by_unit)
    pairs = AnswerPairs(answers.grid, cell, n_units)
    n, score_mean, score_sd = score_moments(answers.grid, lookup, n_ind, cell, counts if by_unit else counts[None], pairs)
    table = {
        "n": n,
        "mean": mean,
        "score_mean": score_mean,
        "score_sd": score_sd,
        "se": indicator_se(answers, lookup, used, item["n"], item["sd"], n_ind, by_unit=by_unit, pairs=pairs),
        "overlap": smallest_overlap(answers, lookup, used, n_ind, by_unit=by_unit, pairs=pairs),
        "used": used,
        "lookup": lookup,
    }
    return keys, table
