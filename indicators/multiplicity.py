"""Benjamini-Hochberg adjustment of a family of comparisons (Scoring rule 5).

Pure: numpy and the standard library.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from indicators.compare import ALPHA, Comparison, without_test


def benjamini_hochberg(p_values: Sequence[float]) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (q-values), in input order.

    Notes
    -----
    With the m p-values sorted, :math:`p_{(1)} \\le \\dots \\le p_{(m)}`:
    :math:`q_{(i)} = \\min_{j \\ge i} \\min(1, m\\, p_{(j)} / j)` (Benjamini & Hochberg 1995).
    Same as ``scipy.stats.false_discovery_control(p, method="bh")``.

    Raises
    ------
    ValueError
        If a p-value is not a number in [0, 1].
    """
    p = np.asarray(p_values, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError("p-values must be a 1-D sequence")
    if p.size and (np.isnan(p).any() or (p < 0).any() or (p > 1).any()):
        raise ValueError("p-values must be numbers in [0, 1]")
    m = p.size
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    q_sorted = np.minimum.accumulate(scaled[::-1])[::-1].clip(max=1.0)
    q = np.empty(m)
    q[order] = q_sorted
    return q


def adjust_family(comparisons: Sequence[Comparison | None]) -> list[Comparison | None]:
    """Give every tested comparison of one family its q-value and `significant` = q < 0.05.

    The family is every comparison passed (one unit and one measurement year: all items and
    indicators of all groups). Comparisons without a p-value (None, not compared, no variance,
    census) pass unchanged and do not count in the family size.
    """
    tested = [k for k, c in enumerate(comparisons) if c is not None and c.p_value is not None]
    q = benjamini_hochberg([comparisons[k].p_value for k in tested])
    out = list(comparisons)
    for k, qk in zip(tested, q, strict=True):
        out[k] = dataclasses.replace(comparisons[k], q_value=float(qk), significant=bool(qk < ALPHA))
    return out


def adjust_rows(rows: Sequence, *, census_groups: Sequence[str] = ()) -> list:
    """Apply the census rule and Benjamini-Hochberg to result rows (``ItemRow``/``IndicatorRow``).

    Rows of a group in `census_groups` keep their difference and effect sizes without a test
    (:func:`indicators.compare.without_test`). The other rows form one family per measurement
    year (the rows passed are one unit's), adjusted by :func:`adjust_family`. Row order is kept.
    """
    out = [
        dataclasses.replace(r, comparison=without_test(r.comparison))
        if r.group in census_groups and r.comparison is not None else r
        for r in rows
    ]
    for year in dict.fromkeys(r.year for r in out):
        idx = [k for k, r in enumerate(out) if r.year == year]
        adjusted = adjust_family([out[k].comparison for k in idx])
        for k, c in zip(idx, adjusted, strict=True):
            if c is not out[k].comparison:
                out[k] = dataclasses.replace(out[k], comparison=c)
    return out
