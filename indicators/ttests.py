"""t statistics from summary statistics, and the interval and p-value of one difference.

Pure: scipy.stats and the standard library. Re-exported by :mod:`indicators.compare`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Integral, Real

from scipy import stats

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
class TTest:
    """A t-test: statistic, degrees of freedom, two-sided p-value."""

    statistic: float
    df: float
    p_value: float


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


def t_interval_test(difference: float, se: float, df: float) -> tuple[float, float, float, float]:
    """Return (t, p, ci_low, ci_high) of a difference with standard error `se` on `df` degrees.

    :math:`t = d / se`, :math:`p = 2 P(T_{df} > |t|)`, interval :math:`d \\pm t_{0.975, df}\\, se`.
    One statistic for both, so the interval excludes 0 exactly when p < 0.05.
    """
    t = difference / se
    p = float(2 * stats.t.sf(abs(t), df))
    half = float(stats.t.ppf(1 - ALPHA / 2, df)) * se
    return t, p, difference - half, difference + half
