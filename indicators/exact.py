"""Exact linear algebra over the integers, for the disclosure audits (``indicators.disclosure``).

Pure: the standard library only. Fraction-free Gaussian elimination (every row kept as Python
integers divided by their gcd), so no rounding can hide a derivation.
"""

from __future__ import annotations

from collections.abc import Sequence
from math import gcd, lcm


def _primitive(row: list[int]) -> list[int]:
    g = 0
    for x in row:
        g = gcd(g, x)
    return [x // g for x in row] if g > 1 else row


def reduced_rows(rows: Sequence[Sequence[int]], width: int) -> tuple[list[list[int]], list[int]]:
    """Reduced row echelon form of integer ``rows`` (each of length ``width``), fraction-free.

    Returns ``(reduced, pivots)``: one row per pivot column ``pivots[i]``, with a non-zero
    entry there and zeros in every other pivot column (rows scaled, not normalised to 1).
    """
    reduced: list[list[int]] = []
    pivots: list[int] = []
    for source in rows:
        row = list(source)
        for r, p in zip(reduced, pivots, strict=True):  # eliminate the known pivots
            if row[p]:
                a, b = r[p], row[p]
                row = [x * a - y * b for x, y in zip(row, r, strict=True)]
        col = next((c for c in range(width) if row[c]), None)
        if col is None:
            continue
        row = _primitive(row)
        for i, r in enumerate(reduced):  # clear the new pivot column in the rows above
            if r[col]:
                a, b = row[col], r[col]
                reduced[i] = _primitive([x * a - y * b for x, y in zip(r, row, strict=True)])
        reduced.append(row)
        pivots.append(col)
    return reduced, pivots


def orthogonal_coordinates(rows: Sequence[Sequence[int]], width: int) -> list[tuple[int, ...]]:
    """For each column c, the integer vector ``w[c]`` such that a vector v of length ``width``
    lies in the row space of ``rows`` exactly when ``sum(v[c] * w[c]) == 0`` (as vectors).

    ``w[c]`` is column c of a basis of the null space of ``rows``, scaled to integers.
    """
    reduced, pivots = reduced_rows(rows, width)
    free = [c for c in range(width) if c not in set(pivots)]
    scale = 1
    for r, p in zip(reduced, pivots, strict=True):
        scale = lcm(scale, abs(r[p]))
    w: list[list[int]] = [[0] * len(free) for _ in range(width)]
    for j, f in enumerate(free):
        # Null-space vector of free column f: x_f = 1, x_p = -r[f] / r[p] for each pivot row r.
        w[f][j] = scale
        for r, p in zip(reduced, pivots, strict=True):
            w[p][j] = -r[f] * (scale // r[p]) if r[p] > 0 else r[f] * (scale // -r[p])
    return [tuple(x) for x in w]
