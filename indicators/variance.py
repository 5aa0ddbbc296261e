"""Standard error of an indicator mean (the unweighted mean of item means) from the answers.

Pure: numpy only. Used by :func:`indicators.scoring.indicator_table`, so that the comparison of
an indicator tests the same quantity it shows.
"""

from __future__ import annotations

import numpy as np

from indicators.answer_codes import N_STEPS
from indicators.score_moments import AnswerPairs
from indicators.sums import look_up, sequential_sum


def indicator_se(answers, lookup: np.ndarray, used: np.ndarray, item_n: np.ndarray, item_sd: np.ndarray,
                 n_ind: int, *, by_unit: bool, pairs: AnswerPairs | None = None) -> np.ndarray:
    """Standard error of the mean of item means per (unit, indicator), shape (units, indicators).

    Parameters
    ----------
    answers : AnswerSet
    lookup : int array (items,)
        Indicator position of each item, -1 for none.
    used : bool array (units, items)
        The items that enter each unit's indicator mean.
    item_n : int array (units, items)
        Valid answers per unit and item.
    item_sd : float array (units, items)
        Item standard deviations (n - 1), NaN when n < 2.
    n_ind : int
    by_unit : bool
        Whether the rows are the units of `answers` (else one pooled row).
    pairs : AnswerPairs, optional
        Keys and counts of item pairs already made for these rows (by the indicator moments).

    Notes
    -----
    With m used items, :math:`\\hat\\theta = \\frac1m \\sum_a \\bar x_a` and
    :math:`\\widehat{Var}(\\hat\\theta) = \\frac{1}{m^2} \\sum_a \\sum_b
    \\frac{n_{ab}}{n_a n_b} s_{ab}`, where :math:`n_{ab}` is the number of respondents who
    answered both items and :math:`s_{ab}` their sample covariance (n - 1; pairwise handling of
    missing answers; :math:`s_{aa}` is the item variance). Respondents are independent, so
    :math:`Cov(\\bar x_a, \\bar x_b) = n_{ab} \\sigma_{ab} / (n_a n_b)`. A pair answered by fewer
    than two respondents contributes 0; an item with n < 2 makes the result NaN.
    """
    n_units = used.shape[0]
    item_n = np.asarray(item_n, dtype=np.float64)
    var = np.zeros((n_units, n_ind))
    # Diagonal terms: s_a^2 / n_a from the item variances (NaN when a used item has n < 2).
    with np.errstate(invalid="ignore", divide="ignore"):
        diag = np.where(used, np.asarray(item_sd, dtype=np.float64) ** 2 / np.where(item_n > 0, item_n, 1), 0.0)
    for j in range(n_ind):
        var[:, j] = diag[:, lookup == j].sum(axis=1)
    # Off-diagonal terms need the answers paired by respondent: only indicators with >= 2 items.
    indicator_items = [(j, np.flatnonzero(lookup == j)) for j in range(n_ind)]
    indicator_items = [(j, cols) for j, cols in indicator_items if cols.size > 1]
    if not indicator_items:
        return _se(var, used, lookup, n_ind)
    grid = answers.grid
    cell = answers.unit_of_response if by_unit else None
    if pairs is None:
        pairs = AnswerPairs(grid, cell, n_units)
    codes = np.arange(1, N_STEPS + 1, dtype=np.float64)
    side = N_STEPS + 1  # answer codes 0..6, 0 = missing
    for j, cols in indicator_items:
        for ib, b in enumerate(cols[1:], start=1):
            for a in cols[:ib]:
                # Key of each response: (unit, answer to a, answer to b). The counts per key give
                # n_ab and the (integer, so exact) sums of each answer per unit.
                key, hist = pairs.get(a, b)
                hist = hist[:, 1:, 1:]
                nab = hist.sum(axis=(1, 2)).astype(np.float64)
                # Centre before multiplying: exact for equal answers (zero variance stays zero).
                centre_a = np.divide(hist.sum(axis=2) @ codes, nab, out=np.zeros(n_units), where=nab > 0)
                centre_b = np.divide(hist.sum(axis=1) @ codes, nab, out=np.zeros(n_units), where=nab > 0)
                product = np.zeros((n_units, side, side))
                product[:, 1:, 1:] = (codes - centre_a[:, None])[:, :, None] * (codes - centre_b[:, None])[:, None, :]
                # s_ab adds the products response by response in the order of the answers to a
                # (the order fixes the last bit); a response without both answers adds 0.0.
                order = None
                if not answers.ordered:
                    order = _in_input_order(answers, a, np.flatnonzero((grid[a] > 0) & (grid[b] > 0)))
                terms = look_up(product, key if order is None else key[order])
                if cell is None:
                    sab = np.array([sequential_sum(terms)])
                else:
                    sab = np.bincount(cell if order is None else cell[order], weights=terms, minlength=n_units)
                cov = np.divide(sab, nab - 1, out=np.zeros(n_units), where=nab >= 2)
                na, nb = item_n[:, a], item_n[:, b]
                weight = np.divide(nab, na * nb, out=np.zeros(n_units), where=(na > 0) & (nb > 0))
                var[:, j] += np.where(used[:, a] & used[:, b], 2.0 * weight * cov, 0.0)
    return _se(var, used, lookup, n_ind)


def _in_input_order(answers, a: int, resp: np.ndarray) -> np.ndarray:
    """`resp` (response codes) reordered as their answers to item `a` come in the input."""
    rows = np.flatnonzero(answers.item == a)
    position = np.zeros(answers.n_responses, dtype=np.int64)
    position[answers.resp[rows]] = rows
    return resp[np.argsort(position[resp], kind="stable")]


def _se(var, used, lookup, n_ind):
    n_units = used.shape[0]
    m = np.zeros((n_units, n_ind))
    for j in range(n_ind):
        m[:, j] = used[:, lookup == j].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, np.sqrt(np.clip(var, 0, None)) / np.where(m > 0, m, 1), np.nan)


def smallest_overlap(answers, lookup: np.ndarray, used: np.ndarray, n_ind: int, *, by_unit: bool,
                     pairs: AnswerPairs | None = None) -> np.ndarray:
    """Per (unit, indicator): the fewest respondents who answered both of two used items, over the
    pairs that some respondent answered both of (0 when no pair has any; shape (units, indicators)).

    The standard error of :func:`indicator_se` holds the covariance of each such group, so the
    disclosure rule :func:`indicators.disclosure.overlap_allows_interval` reads this.
    """
    n_units = used.shape[0]
    out = np.zeros((n_units, n_ind), dtype=np.int64)
    if pairs is None:
        pairs = AnswerPairs(answers.grid, answers.unit_of_response if by_unit else None, n_units)
    for j in range(n_ind):
        cols = np.flatnonzero(lookup == j)
        for ib, b in enumerate(cols[1:], start=1):
            for a in cols[:ib]:
                nab = pairs.get(a, b)[1][:, 1:, 1:].sum(axis=(1, 2))
                nab = np.where(used[:, a] & used[:, b], nab, 0)
                smaller = (nab > 0) & ((out[:, j] == 0) | (nab < out[:, j]))
                out[:, j] = np.where(smaller, nab, out[:, j])
    return out
