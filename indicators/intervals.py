"""Intervals of an item mean (inside 1..6) and of a proportion (Wilson), from count arrays.

Pure: numpy and scipy.stats. Re-exported by :mod:`indicators.scoring`.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from indicators.answers import N_STEPS

_STEPS = np.arange(1, N_STEPS + 1, dtype=np.float64)


def _divide(num, den, where):
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=where)


#: Dirichlet prior weight per answer code (Perks prior: 1/6 per code, total weight 1).
PRIOR_WEIGHT = 1.0 / N_STEPS
_Z = float(stats.norm.ppf(0.975))


def wilson_interval(successes, n):
    """Wilson score 95 % interval of a proportion, elementwise; NaN where n = 0.

    Notes
    -----
    With :math:`\\hat p = x/n` and :math:`z = \\Phi^{-1}(0.975)`:
    :math:`\\frac{\\hat p + z^2/2n \\pm z\\sqrt{\\hat p(1-\\hat p)/n + z^2/4n^2}}{1 + z^2/n}`
    (Wilson 1927). Always inside [0, 1].
    """
    x = np.asarray(successes, dtype=np.float64)
    nf = np.asarray(n, dtype=np.float64)
    ok = nf > 0
    p = _divide(x, nf, ok)
    nn = np.where(ok, nf, 1.0)
    z2 = _Z * _Z
    centre = (p + z2 / (2 * nn)) / (1 + z2 / nn)
    half = _Z / (1 + z2 / nn) * np.sqrt(np.clip(p * (1 - p), 0, None) / nn + z2 / (4 * nn * nn))
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)


def mean_interval(counts: np.ndarray):
    """95 % interval of the mean of answers coded 1..6 from counts of shape (..., 6).

    Notes
    -----
    The six answer shares get a Dirichlet posterior with the Perks prior
    :math:`\\alpha_k = 1/6` (total weight 1): :math:`\\tilde p_k = (c_k + 1/6)/(n + 1)`.
    The population mean :math:`\\mu = \\sum k p_k` then has posterior mean
    :math:`\\tilde\\mu = \\sum k \\tilde p_k` and variance
    :math:`v = (\\sum k^2 \\tilde p_k - \\tilde\\mu^2)/(n + 2)`. The variance is widened by
    :math:`(t_{0.975,\\,n-1} / z_{0.975})^2` for small n, and a beta distribution with the same
    mean and variance on the 0-1 rescaled mean :math:`(\\mu - 1)/5` gives the 2.5 % and 97.5 %
    quantiles, mapped back to 1..6. Closed form and deterministic; strictly inside (1, 6) with
    positive width for every n >= 2, also when all answers are equal. NaN when n < 2.
    Coverage (bench/coverage.py) is in STATISTICS.md.
    """
    counts = np.asarray(counts, dtype=np.float64)
    n = counts.sum(axis=-1)
    several = n > 1
    total = n + N_STEPS * PRIOR_WEIGHT
    p = (counts + PRIOR_WEIGHT) / total[..., None]
    mu = (p * _STEPS).sum(axis=-1)  # not @: BLAS may round differently by shape
    var = np.clip((p * (_STEPS * _STEPS)).sum(axis=-1) - mu * mu, 0, None) / (total + 1)
    widen = np.ones_like(n)
    widen[several] = (stats.t.ppf(0.975, n[several] - 1) / _Z) ** 2
    m = (mu - 1) / (N_STEPS - 1)
    v = var * widen / (N_STEPS - 1) ** 2
    # Moment-matched beta; v < m(1 - m) holds for n >= 2 (the variance of a 0-1 variable is
    # at most m(1 - m), here divided by n + 2 and widened by less than n + 2).
    f = _divide(m * (1 - m), v, several & (v > 0)) - 1
    good = several & (f > 0)
    a = np.where(good, m * f, 1.0)
    b = np.where(good, (1 - m) * f, 1.0)
    low = np.where(good, 1 + (N_STEPS - 1) * stats.beta.ppf(0.025, a, b), np.nan)
    high = np.where(good, 1 + (N_STEPS - 1) * stats.beta.ppf(0.975, a, b), np.nan)
    return low, high
