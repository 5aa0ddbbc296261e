"""n, mean and sd of the per-response indicator scores, per unit or pooled, from the grid.

Pure: numpy only. Used by :func:`indicators.tables.indicator_table`.

A response's score for an indicator is the mean of its valid answers to the indicator's items.
With m items it is fixed by (total, count) of those answers, so every response gets a small
integer key for that pair and the scores, their squared deviations and the counts are looked
up in tables of a few dozen entries instead of being computed response by response. With two
items the key is (answer to a, answer to b), the key the item covariance uses too.
"""

from __future__ import annotations

import numpy as np

from indicators.answer_codes import N_STEPS
from indicators.sums import divide, look_up, sequential_sum

_SIDE = N_STEPS + 1  # answer codes 0..6, 0 = missing


class AnswerPairs:
    """For pairs of items (a, b): a key per response for (unit, answer to a, answer to b), and its counts.

    One per indicator_table call, shared by the moments of an indicator of two items and by the
    item covariances (indicators.variance), so that each pair is keyed and counted once.
    """

    def __init__(self, grid: np.ndarray, unit_of_response, n_units: int):
        self.grid, self.n_units = grid, n_units
        self.unit_start = None if unit_of_response is None else unit_of_response * (_SIDE * _SIDE)
        self._known = {}

    def get(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """``(key, counts)``: key (intp, one per response) and counts of shape (units, 7, 7)."""
        if (a, b) not in self._known:
            key = np.multiply(self.grid[a], _SIDE, dtype=np.intp)
            key += self.grid[b]
            if self.unit_start is not None:
                key += self.unit_start
            counts = np.bincount(key, minlength=self.n_units * _SIDE * _SIDE).reshape(self.n_units, _SIDE, _SIDE)
            self._known[(a, b)] = (key, counts)
        return self._known[(a, b)]


def score_keys(grid: np.ndarray, cols: np.ndarray):
    """Key of each response for the items `cols` of the grid, and the tables by key.

    Returns ``(key, score, has, count)``: `key` an int array over the responses; `score`
    (float64: total / count, 0.0 for count 0), `has` (float64: 1.0 when count > 0) and `count`
    (int) indexed by key. With one item the key is the answer code itself.
    """
    m = cols.size
    if m == 0:
        return np.zeros(grid.shape[1], dtype=np.int8), np.zeros(1), np.zeros(1), np.zeros(1, dtype=np.int64)
    if m == 1:
        key = grid[cols[0]]
        codes = np.arange(N_STEPS + 1)
        return key, codes.astype(np.float64), (codes > 0).astype(np.float64), np.minimum(codes, 1)
    total = np.zeros(grid.shape[1], dtype=np.int32)
    count = np.zeros(grid.shape[1], dtype=np.int32)
    for c in cols:
        total += grid[c]
        count += grid[c] > 0
    key = total * (m + 1) + count
    k = np.arange((N_STEPS * m + 1) * (m + 1))
    total_k, count_k = k // (m + 1), k % (m + 1)
    return key, total_k / np.maximum(count_k, 1), (count_k > 0).astype(np.float64), count_k


def score_moments(grid: np.ndarray, lookup: np.ndarray, n_ind: int, unit_of_response, counts: np.ndarray,
                  pairs: AnswerPairs):
    """n, mean and sd (n - 1) of the per-response scores per (unit, indicator).

    `unit_of_response` None pools all responses (one row). `counts` are the item counts per
    unit, shape (units, items, 6) (one unit when pooled): an indicator of one item takes its
    counts per key from them; one of two items its key and counts from `pairs`. Returns three
    arrays of shape (units, indicators): n (int), mean and sd (NaN when n = 0, resp. n < 2).

    Notes
    -----
    The sums that fix the last bit of the mean and the sd add the responses left to right in
    response order (np.bincount adds in array order), a response without a score adding an
    exact 0.0. A sum that is exact in any order (the scores when every count is a power of two,
    so every score is a multiple of 1/2^k) is taken from the counts per key instead.
    """
    n_units = counts.shape[0]
    shape = (n_units, n_ind)
    n, mean, sd = np.zeros(shape, dtype=np.int64), np.full(shape, np.nan), np.full(shape, np.nan)
    cell = unit_of_response
    cell_start = {}  # n_keys -> cell * n_keys, shared by the indicators with as many items
    for j in range(n_ind):
        cols = np.flatnonzero(lookup == j)
        if cols.size == 2:  # key (unit, answer to a, answer to b), shared with the covariance
            ukey, hist = pairs.get(*cols.tolist())
            score, has, count = _pair_tables()
            n_keys = score.size
            hist = hist.reshape(n_units, n_keys)
        else:
            key, score, has, count = score_keys(grid, cols)
            n_keys = score.size
            # Keys per (unit, key) and their counts (key 0, no answer, counts nothing below).
            if cell is None:
                ukey = key
            else:
                if n_keys not in cell_start:
                    cell_start[n_keys] = cell * n_keys
                ukey = cell_start[n_keys] + key
            if cols.size == 1:
                hist = np.zeros((n_units, n_keys), dtype=np.int64)
                hist[:, 1:] = counts[:, cols[0]]
            else:
                hist = np.bincount(ukey, minlength=n_units * n_keys).reshape(n_units, n_keys)
        nj = hist @ has
        if not (hist.sum(axis=0)[(count & (count - 1)) != 0]).any():
            total = (hist * score).sum(axis=1)  # multiples of 1/2^k: exact in any order
        else:
            terms = look_up(np.broadcast_to(score, (n_units, n_keys)), ukey)
            total = np.array([sequential_sum(terms)]) if cell is None else np.bincount(cell, weights=terms, minlength=n_units)
        mj = divide(total, nj, nj > 0)
        sq_table = score - mj[:, None]
        sq_table *= sq_table
        sq_table *= has  # 0 for a response without a score (NaN where n = 0: no figure then)
        dev = look_up(sq_table, ukey)
        sq_dev = np.array([sequential_sum(dev)]) if cell is None else np.bincount(cell, weights=dev, minlength=n_units)
        n[:, j], mean[:, j] = nj, mj
        sd[:, j] = np.sqrt(divide(sq_dev, nj - 1.0, nj > 1))
    return n, mean, sd


def _pair_tables():
    """score, has and count by the key of :class:`AnswerPairs` (answer to a * 7 + answer to b)."""
    k = np.arange(_SIDE * _SIDE)
    total_k = k // _SIDE + k % _SIDE
    count_k = (k // _SIDE > 0).astype(np.int64) + (k % _SIDE > 0)
    return total_k / np.maximum(count_k, 1), (count_k > 0).astype(np.float64), count_k
