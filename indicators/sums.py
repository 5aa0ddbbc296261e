"""Numeric helpers of the scoring cores: division with NaN, table look-up, left-to-right summation.

Pure: numpy only.
"""

from __future__ import annotations

import numpy as np


def divide(num, den, where):
    """``num / den`` where `where` holds, NaN elsewhere."""
    return np.divide(num, den, out=np.full(np.shape(num), np.nan), where=where)


def sequential_sum(x: np.ndarray) -> float:
    """``x[0] + x[1] + ...`` added left to right, as np.bincount adds (x.sum() adds pairwise).

    The order of a float sum fixes its last bit; the figures of indicators.tables and
    indicators.variance add in response order so that they do not change with the code.
    """
    return float(np.cumsum(x)[-1]) if x.size else 0.0


def look_up(table: np.ndarray, key: np.ndarray) -> np.ndarray:
    """``table.ravel()[key]`` for keys known to lie in range (mode "wrap" skips the bounds check)."""
    return np.take(table.ravel(), key, mode="wrap")
