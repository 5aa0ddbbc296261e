"""Validated answer arrays: the one input layout of every statistic in this package.

Pure: numpy and the standard library only. No database, no Flask.
"""

from __future__ import annotations

import dataclasses
from functools import cached_property

import numpy as np

from indicators.answer_codes import (  # noqa: F401 (re-exported)
    CHUNK,
    N_STEPS,
    POSITIVE_FROM,
    VALUES,
    answer_codes,
    check_values,
)


def _codes(name: str, codes, size: int, labels: int) -> np.ndarray:
    """Check label codes; return them as a private copy in the smallest integer type that holds them."""
    arr = np.asarray(codes)
    if arr.ndim != 1 or arr.shape[0] != size:
        raise ValueError(f"{name} must be a 1-D array of length {size} (one per answer), got shape {arr.shape}")
    if size and not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"{name} must hold integer codes, got dtype {arr.dtype}; use AnswerSet.from_labels")
    out = np.empty(size, dtype=np.min_scalar_type(-max(labels, 1)))
    for lo in range(0, size, CHUNK):  # one read of the input: check and copy each chunk in cache
        part = arr[lo : lo + CHUNK]
        if part.min() < 0 or part.max() >= labels:
            raise ValueError(f"{name} codes must lie in 0..{labels - 1}")
        out[lo : lo + CHUNK] = part
    return out


def _labels(name: str, labels) -> tuple:
    out = tuple(labels)
    if len(set(out)) != len(out):
        raise ValueError(f"{name} must not repeat a name")
    return out


def _read_only(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr


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
        Available as float64 with NaN for every missing answer.
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

    Notes
    -----
    Everything is checked when the set is built. The set keeps ``grid``, the table every
    statistic reads (one byte per response and item), the item codes as a compact private copy
    and a few arrays per response. The per-answer arrays `response`, `item`, `value`, `unit`
    (int64, float64) and `resp` are made from those on first use and kept, read-only; scoring
    never needs them, so it does not pay for them (fresh memory costs more than the arithmetic).
    """

    def __init__(self, response, item, value, items, unit=None, units=None):
        code = answer_codes(value)
        size = code.shape[0]
        items = _labels("items", items)
        item = _codes("item", item, size, len(items))
        response = np.asarray(response)
        if response.ndim != 1 or response.shape[0] != size:
            raise ValueError(f"response must be a 1-D array of length {size}, got shape {response.shape}")
        if size and not np.issubdtype(response.dtype, np.integer):
            raise ValueError(f"response must hold integer ids, got dtype {response.dtype}")
        if (unit is None) != (units is None):
            raise ValueError("give unit and units together, or neither")
        if units is not None:
            units = _labels("units", units)
            unit = _codes("unit", unit, size, len(units))
        fields = _index(response, item, code, unit, len(items))
        fields.update(items=items, units=units, memo={}, _item=item)
        for name, arr in fields.items():
            if isinstance(arr, np.ndarray):
                arr.flags.writeable = False
            object.__setattr__(self, name, arr)

    #: Number of distinct responses.
    n_responses: int
    #: Unit code of each response code (internal), None without units.
    unit_of_response: np.ndarray | None
    #: The answers as a table (internal): ``grid[item, resp]`` is the int8 answer code 1..6, 0 when
    #: missing or not given (one contiguous row per item). Every statistic of indicators.tables
    #: and indicators.variance is computed from it.
    grid: np.ndarray
    #: Whether the answers come ordered by response id (internal): sums that must run in input
    #: order (indicators.variance) can then run in response order.
    ordered: bool
    #: Figures derived from the (read-only) arrays, kept by the functions that compute them
    #: (indicators.tables) so that scoring items, units and indicators counts the answers once.
    memo: dict

    def __setattr__(self, name, value):
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name):
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __repr__(self) -> str:
        return f"AnswerSet({len(self)} answers, {self.n_responses} responses, items={self.items!r}, units={self.units!r})"

    def __len__(self) -> int:
        return self._item.shape[0]

    @cached_property
    def response(self) -> np.ndarray:
        """Response id of each answer (int64)."""
        if self._starts is None:
            return self._response
        return _read_only(np.repeat(self._ids, np.diff(self._starts, append=len(self))))

    @cached_property
    def resp(self) -> np.ndarray:
        """Dense response code of each answer, 0..n_responses-1 in the order of the ids (internal)."""
        if self._starts is None:
            return self._resp
        return _read_only(np.repeat(np.arange(self.n_responses), np.diff(self._starts, append=len(self))))

    @cached_property
    def item(self) -> np.ndarray:
        """Item code of each answer (int64): an index into `items`."""
        return _read_only(self._item.astype(np.int64))

    @cached_property
    def value(self) -> np.ndarray:
        """Answer of each answer (float64): 1..6, NaN when missing."""
        return _read_only(VALUES[self.grid[self._item, self.resp]])

    @cached_property
    def unit(self) -> np.ndarray | None:
        """Unit code of each answer (int64): an index into `units`; None without units."""
        return None if self.units is None else _read_only(self.unit_of_response[self.resp])

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


def _index(response, item, code, unit, n_items: int) -> dict:
    """Number the responses, build the grid and check duplicates and units: the set's fields.

    Responses are numbered 0..n-1 in the order of their ids, so that every statistic can key a
    table on (response, something) without sorting. When the ids never decrease along the
    answers (grouped by response, in id order) they are numbered from where the id changes;
    otherwise small non-negative ids go through a table of the ids present, and anything else
    is factorised by sorting. Both then fill the grid a chunk of answers at a time.
    """
    size = response.shape[0]
    if response.dtype == np.uint64:
        response = response.astype(np.int64)  # ids are int64 (as the `response` column)
    starts = _starts_if_ordered(response)
    if starts is not None:
        fields = {"_starts": starts, "_ids": response[starts].astype(np.int64), "_response": None, "_resp": None}
        n_resp = starts.size
    else:
        response = response.astype(np.int64)  # private copy
        if response.min() >= 0 and response.max() < 4 * size + 1024:
            present = np.zeros(int(response.max()) + 1, dtype=bool)
            present[response] = True
            number = np.cumsum(present) - 1
            resp, n_resp = number[response], int(number[-1]) + 1
        else:
            uniq, resp = np.unique(response, return_inverse=True)
            resp, n_resp = resp.reshape(-1), uniq.size
        fields = {"_starts": None, "_ids": None, "_response": response, "_resp": resp}

    unit_of_response = mixed_units = None
    if unit is not None:
        unit_of_response, mixed_units = _unit_of_response(unit, starts, fields["_resp"], n_resp)
    # Every given answer is written with bit 3 set (a missing one too), so the number of non-zero
    # cells is the number of distinct (response, item) pairs; the bit is cleared afterwards.
    grid = np.zeros(n_items * n_resp, dtype=np.int8)
    for lo, hi, resp in _chunks(starts, fields["_resp"], size):
        cell = np.multiply(item[lo:hi], n_resp, dtype=np.int64)
        cell += resp
        grid[cell] = code[lo:hi] | 8
    if np.count_nonzero(grid) != size:
        raise ValueError("a response answers the same item more than once")
    if mixed_units:
        raise ValueError("every answer of one response must have the same unit")
    grid &= 7
    fields.update(
        grid=grid.reshape(n_items, n_resp),
        n_responses=n_resp,
        unit_of_response=unit_of_response,
        ordered=starts is not None,
    )
    return fields


def _chunks(starts, resp, size: int):
    """Yield ``(lo, hi, codes)``: the answers a chunk at a time with their response codes.

    With `starts` (ordered answers) a chunk holds whole responses, about CHUNK answers, and the
    codes are repeated from the response numbers; otherwise they are a slice of `resp`.
    """
    if starts is None:
        for lo in range(0, size, CHUNK):
            yield lo, min(lo + CHUNK, size), resp[lo : lo + CHUNK]
        return
    n_resp = starts.size
    lengths = np.diff(starts, append=size)
    cuts = np.unique(np.append(np.searchsorted(starts, np.arange(0, size, CHUNK)), n_resp))
    for r0, r1 in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        hi = int(starts[r1]) if r1 < n_resp else size
        yield int(starts[r0]), hi, np.repeat(np.arange(r0, r1), lengths[r0:r1])


def _unit_of_response(unit, starts, resp, n_resp: int) -> tuple[np.ndarray, bool]:
    """The unit code of each response, and whether some response has answers in two units."""
    unit_of_response = np.full(n_resp, -1, dtype=np.int64)
    if starts is not None:
        # Ordered answers: the unit may change only where a response starts.
        unit_of_response[:] = unit[starts]
        changes = unit[1:] != unit[:-1]
        return unit_of_response, int(np.count_nonzero(changes)) != int(np.count_nonzero(changes[starts[1:] - 1]))
    unit_of_response[resp] = unit
    mixed = any(
        not np.array_equal(unit_of_response[resp[lo : lo + CHUNK]], unit[lo : lo + CHUNK])
        for lo in range(0, unit.size, CHUNK)
    )
    return unit_of_response, mixed


def _starts_if_ordered(response: np.ndarray) -> np.ndarray | None:
    """Positions where a new response id starts, when the ids never decrease; else None."""
    pieces = [np.zeros(min(response.size, 1), dtype=np.int64)]
    for lo in range(1, response.size, CHUNK):
        hi = min(lo + CHUNK, response.size)
        pieces.append(np.flatnonzero(response[lo:hi] != response[lo - 1 : hi - 1]) + lo)
    starts = np.concatenate(pieces)
    # The id is constant between two starts, so the ids never decrease if they rise at each start.
    first_ids = response[starts]
    return starts if (first_ids[1:] > first_ids[:-1]).all() else None
