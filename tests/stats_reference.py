"""Independent recomputations for the statistics tests: plain arithmetic on lists plus scipy's
distributions, written from the formulas in indicators/STATISTICS.md, never calling `indicators`.
"""

from __future__ import annotations

import math

from scipy import stats

Z = 1.959963984540054  # Phi^-1(0.975); scipy.stats.norm.ppf(0.975)


def mean_interval_ref(values):
    """Dirichlet(1/6 per code) posterior of the shares, beta moment-matched on (mu - 1) / 5."""
    n = len(values)
    total = n + 1.0  # n + 6 * 1/6
    p = [(sum(1 for v in values if v == k) + 1 / 6) / total for k in range(1, 7)]
    mu = sum(k * pk for k, pk in zip(range(1, 7), p, strict=True))
    second = sum(k * k * pk for k, pk in zip(range(1, 7), p, strict=True))
    var = (second - mu * mu) / (total + 1)
    var *= (stats.t.ppf(0.975, n - 1) / Z) ** 2
    m, v = (mu - 1) / 5, var / 25
    f = m * (1 - m) / v - 1
    return 1 + 5 * stats.beta.ppf(0.025, m * f, (1 - m) * f), 1 + 5 * stats.beta.ppf(0.975, m * f, (1 - m) * f)


def wilson_ref(x, n):
    """Wilson score interval, the textbook formula (Wilson 1927; Agresti & Coull 1998, eq. 2)."""
    p = x / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z / (1 + Z * Z / n) * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)
