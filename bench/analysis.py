"""Time item and indicator scoring on 1,000,000 synthetic answers against a plain numpy baseline.

Run from the repository root: ``python bench/analysis.py``. Prints figures; it is not a test.
Synthetic data only (seeded): 100,000 responses x 10 items, 80 units, about 10 % missing.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from indicators.answers import AnswerSet  # noqa: E402
from indicators.breakdown import item_breakdown  # noqa: E402
from indicators.scoring import (  # noqa: E402
    score_indicators,
    score_indicators_by_unit,
    score_items,
    score_items_by_unit,
)

N_RESPONSES, N_ITEMS, N_UNITS, REPEATS = 100_000, 10, 80, 5
ITEMS = tuple(f"DP{i + 1:02d}" for i in range(N_ITEMS))
ITEM_INDICATOR = dict(zip(ITEMS, ["I01", "I01", "I02", "I02", "I03", "I04", "I05", "I12", "I13", "I13"], strict=True))


def synthetic(rng: np.random.Generator):
    """Return (response, item, value, unit) arrays: one row per (response, item)."""
    response = np.repeat(np.arange(N_RESPONSES, dtype=np.int64) * 7 + 1000, N_ITEMS)  # sparse database-like ids
    item = np.tile(np.arange(N_ITEMS, dtype=np.int64), N_RESPONSES)
    unit = np.repeat(rng.integers(0, N_UNITS, N_RESPONSES), N_ITEMS)
    value = rng.integers(1, 7, response.size).astype(np.float64)
    value[rng.random(response.size) < 0.07] = np.nan  # unanswered
    value[rng.random(response.size) < 0.03] = 0  # "Vet ej"
    return response, item, value, unit


def best_of(fn, repeats=REPEATS, setup=None) -> float:
    """Best time of ``fn()`` (or ``fn(setup())``, setup untimed) over `repeats` runs."""
    times = []
    for _ in range(repeats):
        arg = setup() if setup else None
        start = time.perf_counter()
        fn(arg) if setup else fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    response, item, value, unit = synthetic(np.random.default_rng(2024))
    units = tuple(f"F{u:02d}" for u in range(N_UNITS))

    def build():
        return AnswerSet(response, item, value, ITEMS, unit, units)

    def full():
        a = build()
        score_items(a)
        score_items_by_unit(a)
        score_indicators(a, ITEM_INDICATOR)
        score_indicators_by_unit(a, ITEM_INDICATOR)

    def baseline():
        valid = ~(np.isnan(value) | (value == 0))
        it, v = item[valid], value[valid]
        n = np.bincount(it, minlength=N_ITEMS)
        s = np.bincount(it, weights=v, minlength=N_ITEMS)
        ss = np.bincount(it, weights=v * v, minlength=N_ITEMS)
        return n, s, ss

    # Each function alone on a fresh AnswerSet: an AnswerSet keeps the counts and per-response
    # scores it has computed, so a second call on the same set would only time the lookup.
    rows = [
        ("AnswerSet (validate, index)", best_of(build)),
        ("score_items", best_of(lambda a: score_items(a), setup=build)),
        ("score_items_by_unit", best_of(lambda a: score_items_by_unit(a), setup=build)),
        ("score_indicators", best_of(lambda a: score_indicators(a, ITEM_INDICATOR), setup=build)),
        ("score_indicators_by_unit", best_of(lambda a: score_indicators_by_unit(a, ITEM_INDICATOR), setup=build)),
        ("item_breakdown (by unit)", best_of(lambda a: item_breakdown(a), setup=build)),
    ]
    total = best_of(full)
    base = best_of(baseline)
    print(f"{value.size:,} answers ({N_RESPONSES:,} responses x {N_ITEMS} items, {N_UNITS} units), best of {REPEATS}")
    for name, seconds in rows:
        print(f"  {name:<30} {seconds * 1000:8.1f} ms")
    print(f"  {'full: build + all four above':<30} {total * 1000:8.1f} ms")
    print(f"  {'numpy baseline (n, sum, sumsq)':<30} {base * 1000:8.1f} ms")
    ratio = total / base
    print(f"  ratio full / baseline          {ratio:8.1f} x   (goal <= 3 x: {'met' if ratio <= 3 else 'NOT met'})")


if __name__ == "__main__":
    main()
