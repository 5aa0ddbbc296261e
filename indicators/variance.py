"""Standard error of an indicator mean (the unweighted mean of item means) from the answers.

Pure: numpy only. Used by :func:`indicators.scoring.indicator_table`, so that the comparison of
an indicator tests the same quantity it shows.
"""

from __future__ import annotations

import numpy as np


def indicator_se(answers, lookup: np.ndarray, used: np.ndarray, item_n: np.ndarray, n_ind: int,
                 *, by_unit: bool) -> np.ndarray:
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
    n_ind : int
    by_unit : bool
        Whether the rows are the units of `answers` (else one pooled row).

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
    n_resp = answers.n_responses
    valid = ~np.isnan(answers.value)
    unit_r = answers.unit_of_response if by_unit else np.zeros(n_resp, dtype=np.int64)
    var = np.zeros((n_units, n_ind))
    for j in range(n_ind):
        cols = np.flatnonzero(lookup == j)
        column = {}
        for a in cols:
            x = np.full(n_resp, np.nan)
            sel = valid & (answers.item == a)
            x[answers.resp[sel]] = answers.value[sel]
            column[a] = x
        for ia, a in enumerate(cols):
            for b in cols[ia:]:
                both = ~np.isnan(column[a]) & ~np.isnan(column[b])
                u = unit_r[both]
                xa, xb = column[a][both], column[b][both]
                nab = np.bincount(u, minlength=n_units).astype(np.float64)
                sa = np.bincount(u, weights=xa, minlength=n_units)
                sb = np.bincount(u, weights=xb, minlength=n_units)
                # Centre before multiplying: exact for equal answers (zero variance stays zero).
                centre_a = np.divide(sa, nab, out=np.zeros(n_units), where=nab > 0)
                centre_b = np.divide(sb, nab, out=np.zeros(n_units), where=nab > 0)
                sab = np.bincount(u, weights=(xa - centre_a[u]) * (xb - centre_b[u]), minlength=n_units)
                enough = nab >= 2
                cov = np.divide(sab, nab - 1, out=np.full(n_units, np.nan if a == b else 0.0), where=enough)
                na, nb = item_n[:, a].astype(np.float64), item_n[:, b].astype(np.float64)
                weight = np.divide(nab, na * nb, out=np.zeros(n_units), where=(na > 0) & (nb > 0))
                term = np.where(used[:, a] & used[:, b], weight * cov, 0.0)
                var[:, j] += term if a == b else 2.0 * term
    m = np.zeros((n_units, n_ind))
    for j in range(n_ind):
        m[:, j] = used[:, lookup == j].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(m > 0, np.sqrt(np.clip(var, 0, None)) / np.where(m > 0, m, 1), np.nan)
