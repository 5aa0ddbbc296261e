"""Answer values checked and turned into int8 codes: 0 missing, 1..6 the answer.

Pure: numpy and the standard library only. Used by :class:`indicators.answers.AnswerSet` and
:func:`indicators.scoring.item_stats`; re-exported by :mod:`indicators.answers`.
"""

from __future__ import annotations

import sys

import numpy as np

#: Number of steps on every closed scale (codes 1..6).
N_STEPS = 6
#: Codes 4..6 are the positive answers.
POSITIVE_FROM = 4
#: Answers handled at a time by the checking passes over a whole answer set: their scratch
#: arrays stay small and are reused (fresh memory costs more than the arithmetic here).
CHUNK = 1 << 16
#: Value of each answer code: 0 missing (NaN), 1..6 the answer.
VALUES = np.array([np.nan, *range(1, N_STEPS + 1)], dtype=np.float64)


def _code_table() -> np.ndarray:
    """Answer code of a float64 by its top 16 bits, valid when its low 48 bits are all zero.

    0 = missing (+-0 or NaN), 1..6 = the answer, -1 = anything else. The codes 1..6, +-0 and the
    usual NaN have zero low bits; any other value (2.5, 6.0000001, a NaN with a payload) does not
    and takes the slow path in :func:`answer_codes`. Top bits 0x7FF0 / 0xFFF0 with zero low bits
    are +-inf, hence -1.
    """
    table = np.full(1 << 16, -1, dtype=np.int8)
    for k, x in [(0, 0.0), (0, -0.0)] + [(k, float(k)) for k in range(1, N_STEPS + 1)]:
        table[int(np.float64(x).view(np.uint64)) >> 48] = k
    table[0x7FF1:0x8000] = table[0xFFF1:] = 0  # NaN, whatever the sign and payload
    return table


_CODE_OF_TOP = _code_table()
_LOW_BITS = np.uint64((1 << 48) - 1)
_TOP_SHIFT = np.uint64(48)
_LITTLE_ENDIAN = sys.byteorder == "little"


def answer_codes(value) -> np.ndarray:
    """Check answer values and return their codes as a new int8 array: 0 missing, 1..6 the answer.

    Valid codes are the integers 1..6. NaN, None and 0 mean missing ("Vet ej" or unanswered).

    Raises
    ------
    ValueError
        If the array is not 1-D or holds anything else (7, -1, 2.5, inf, text).
    """
    try:
        v = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"answer values must be numeric codes 1-6 or missing: {exc}") from None
    if v.ndim != 1:
        raise ValueError(f"answer values must be a 1-D array, got shape {v.shape}")
    v = np.ascontiguousarray(v)
    code = np.empty(v.size, dtype=np.int8)
    low = np.empty(min(v.size, CHUNK), dtype=np.uint64)  # scratch, reused
    # One table lookup per value: every float64 that is a code (or +-0, or the usual NaN) has
    # its low 48 bits zero, and its top 16 bits then name the code. Anything else: slow path.
    for start in range(0, v.size, CHUNK):
        part = v[start : start + CHUNK]
        bits = part.view(np.uint64)
        top = part.view(np.uint16)[3::4] if _LITTLE_ENDIAN else bits >> _TOP_SHIFT
        found = code[start : start + CHUNK]
        np.take(_CODE_OF_TOP, top, mode="wrap", out=found)  # top < 2**16: "wrap" only skips the bounds check
        if found.min() < 0 or np.count_nonzero(np.bitwise_and(bits, _LOW_BITS, out=low[: part.size])):
            return _checked_codes(v)
    return code


def _checked_codes(v: np.ndarray) -> np.ndarray:
    """Codes by comparing values (slow path of :func:`answer_codes`); raises on a bad value."""
    missing = np.isnan(v) | (v == 0)
    valid = (v >= 1) & (v <= N_STEPS) & (v == np.floor(v))
    bad = ~(missing | valid)
    if bad.any():
        where = np.flatnonzero(bad)
        raise ValueError(
            f"{where.size} answer value(s) outside the codes 1-6 (missing = NaN or 0), "
            f"first at position {int(where[0])}: {v[where[0]]!r}"
        )
    return np.where(valid, v, 0).astype(np.int8)


def check_values(value) -> np.ndarray:
    """Return answer codes as a new float64 array with every missing answer as NaN.

    Valid codes are the integers 1..6. NaN, None and 0 mean missing ("Vet ej" or unanswered).

    Raises
    ------
    ValueError
        If the array is not 1-D or holds anything else (7, -1, 2.5, inf, text).
    """
    return VALUES[answer_codes(value)]
