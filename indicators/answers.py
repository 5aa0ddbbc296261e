"""Validated answer arrays: the one input layout of every statistic in this package.

Pure: numpy and the standard library only. No database, no Flask.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

import numpy as np

#: Number of steps on every closed scale (codes 1..6).
N_STEPS = 6
#: Codes 4..6 are the positive answers.
POSITIVE_FROM = 4


def check_values(value) -> np.ndarray:
    """Return answer codes as float64 with every missing answer as NaN.

    Valid codes are the integers 1..6. NaN, None and 0 mean missing ("Vet ej" or unanswered).

    Raises
    ------
    ValueError
        If the array is not 1-D or holds anything else (7, -1, 2.5, inf, text).
    """
    try:
        v = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"answer values must be numeric codes 1-6 or missing: {exc}") from None
    if v.ndim != 1:
        raise ValueError(f"answer values must be a 1-D array, got shape {v.shape}")
    missing = np.isnan(v) | (v == 0)
    valid = (v >= 1) & (v <= N_STEPS) & (v == np.floor(v))
    bad = ~(missing | valid)
    if bad.any():
        where = np.flatnonzero(bad)
        raise ValueError(
            f"{where.size} answer value(s) outside the codes 1-6 (missing = NaN or 0), "
            f"first at position {int(where[0])}: {v[where[0]]!r}"
        )
    v[missing] = np.nan
    return v


def _codes(name: str, codes, size: int, labels: int) -> np.ndarray:
    arr = np.asarray(codes)
    if arr.ndim != 1 or arr.shape[0] != size:
        raise ValueError(f"{name} must be a 1-D array of length {size} (one per answer), got shape {arr.shape}")
    if size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integer codes, got dtype {arr.dtype}; use AnswerSet.from_labels")
    arr = arr.astype(np.int64)  # always a private copy: it is made read-only below
    if size and (arr.min() < 0 or arr.max() >= labels):
        raise ValueError(f"{name} codes must lie in 0..{labels - 1}")
    return arr


def _labels(name: str, labels) -> tuple:
    out = tuple(labels)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a name")
    return out


@dataclass(frozen=True, eq=False)
class AnswerSet:
    """One row per (response, item) answer, validated and read-only.

    Parameters
    ----------
    response : array_like of int, shape (N,)
        Response id of each answer (any integers, e.g. database ids).
    item : array_like of int, shape (N,)
        Code of each answer's item: an index into `items`.
    value : array_like of float, shape (N,)
        Answer code: 1..6 valid; NaN, None or 0 missing ("Vet ej", unanswered).
        Stored as float64 with NaN for every missing answer.
    items : sequence of str
        Item ids, e.g. ``("DP01", "DP02")``.
    unit : array_like of int, shape (N,), optional
        Code of each answer's unit or breakdown category (insats, förbund, kön...): an index
        into `units`. Must be the same for all answers of one response.
    units : sequence of hashable, optional
        Unit names; required with `unit`.

    Raises
    ------
    ValueError
        On mismatched lengths, codes out of range, answer values other than 1..6 or missing,
        a response answering one item twice, or a response spread over two units.
    """

    response: np.ndarray
    item: np.ndarray
    value: np.ndarray
    items: tuple[str, ...]
    unit: np.ndarray | None = None
    units: tuple[Hashable, ...] | None = None
    #: Dense response codes 0..n_responses-1 in the order of the response ids (internal).
    resp: np.ndarray = field(init=False, repr=False)
    #: Number of distinct responses.
    n_responses: int = field(init=False)
    #: Unit code of each response code (internal).
    unit_of_response: np.ndarray | None = field(init=False, repr=False)
    #: Figures derived from the (read-only) arrays, kept by the functions that compute them
    #: (indicators.scoring) so that scoring items, units and indicators counts the answers once.
    memo: dict = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self):
        value = check_values(self.value)
        size = value.shape[0]
        items = _labels("items", self.items)
        item = _codes("item", self.item, size, len(items))
        response = np.asarray(self.response)
        if response.ndim != 1 or response.shape[0] != size:
            raise ValueError(f"response must be a 1-D array of length {size}, got shape {response.shape}")
        if size and not np.issubdtype(response.dtype, np.integer):
            raise ValueError(f"response must hold integer ids, got dtype {response.dtype}")
        response = response.astype(np.int64)  # private copy
        if (self.unit is None) != (self.units is None):
            raise ValueError("give unit and units together, or neither")
        units = unit = None
        if self.units is not None:
            units = _labels("units", self.units)
            unit = _codes("unit", self.unit, size, len(units))

        # Responses are numbered 0..n-1 in the order of their ids, so that every statistic can
        # key a bincount on (response, something) without sorting. Small non-negative ids are
        # numbered through a table of the ids present; anything else is factorised by sorting.
        if size == 0:
            resp, n_resp = response, 0
        elif response.min() >= 0 and response.max() < 4 * size + 1024:
            present = np.zeros(int(response.max()) + 1, dtype=bool)
            present[response] = True
            number = np.cumsum(present) - 1
            resp, n_resp = number[response], int(number[-1]) + 1
        else:
            uniq, resp = np.unique(response, return_inverse=True)
            n_resp = uniq.size
        _check_duplicates(resp, item, n_resp, len(items))

        unit_of_response = None
        if unit is not None:
            unit_of_response = np.full(n_resp, -1, dtype=np.int64)
            unit_of_response[resp] = unit
            if not np.array_equal(unit_of_response[resp], unit):
                raise ValueError("every answer of one response must have the same unit")

        for name, arr in (
            ("response", response),
            ("item", item),
            ("value", value),
            ("unit", unit),
            ("resp", resp),
            ("unit_of_response", unit_of_response),
        ):
            if arr is not None:
                arr.flags.writeable = False
            object.__setattr__(self, name, arr)
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "units", units)
        object.__setattr__(self, "n_responses", n_resp)

    def __len__(self) -> int:
        return self.value.shape[0]

    @classmethod
    def from_labels(cls, response, item, value, unit=None) -> AnswerSet:
        """Build an AnswerSet from item ids (str) and unit names instead of codes.

        Items and units are numbered in sorted order. Response ids may be of any sortable type.
        Slower than passing codes (it sorts the labels).
        """
        item_arr = np.asarray(item)
        if item_arr.ndim != 1:
            raise ValueError(f"item must be a 1-D array, got shape {item_arr.shape}")
        items, item_codes = np.unique(item_arr, return_inverse=True)
        response = np.asarray(response)
        if response.ndim == 1 and response.size and not np.issubdtype(response.dtype, np.integer):
            response = np.unique(response, return_inverse=True)[1]
        units = unit_codes = None
        if unit is not None:
            unit_arr = np.asarray(unit)
            if unit_arr.ndim != 1:
                raise ValueError(f"unit must be a 1-D array, got shape {unit_arr.shape}")
            uniq, unit_codes = np.unique(unit_arr, return_inverse=True)
            units = tuple(u.item() for u in uniq)
        return cls(response, item_codes, value, tuple(str(i) for i in items), unit_codes, units)


def _check_duplicates(resp: np.ndarray, item: np.ndarray, n_resp: int, n_items: int) -> None:
    if resp.size == 0:
        return
    key = resp * n_items + item
    if n_resp * n_items <= 8 * resp.size + (1 << 20):
        repeated = np.bincount(key, minlength=n_resp * n_items).max() > 1
    else:
        key = np.sort(key)
        repeated = bool((key[1:] == key[:-1]).any())
    if repeated:
        raise ValueError("a response answers the same item more than once")
