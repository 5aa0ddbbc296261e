"""The fast scoring paths (issue 14) keep every figure to the last bit.

Per-response indicator scores and item covariances are sums whose order fixes the last bit; the
contract is that they add left to right in response order (the covariance: in the input order
of the first item's answers). Each figure is pinned EXACTLY (==) to plain Python arithmetic
done in that order here, for answers stored in order and shuffled.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from indicators.answers import AnswerSet
from indicators.scoring import score_indicators, score_indicators_by_unit, score_items
from indicators.variance import indicator_se

pytestmark = pytest.mark.filterwarnings("error")

ITEMS = ("A", "B", "C", "D", "E")
MAPPING = {"A": "I3", "B": "I3", "C": "I3", "D": "I2", "E": "I2"}  # 3 items: scores like 11/3


def rows(seed=7, n=240, units=3):
    """One (response id, item, value, unit) row per given answer; some items not given, some missing."""
    rng = np.random.default_rng(seed)
    out = []
    for r in range(n):
        unit = int(rng.integers(units))
        for i in range(len(ITEMS)):
            if rng.random() < 0.85:
                value = float(rng.integers(1, 7)) if rng.random() > 0.1 else (0.0 if rng.random() < 0.5 else math.nan)
                out.append((1000 + 3 * r, i, value, unit))
    return out


def answer_set(data, units=3):
    response, item, value, unit = (np.array(c) for c in zip(*data, strict=True))
    return AnswerSet(response, item, value, ITEMS, unit, tuple(f"u{k}" for k in range(units)))


def reference_scores(data, items, unit=None):
    """n, mean and sd of the per-response scores, adding left to right in response-id order."""
    by_response = {}
    for r, i, v, u in sorted(data):
        if i in items and not math.isnan(v) and v != 0 and (unit is None or u == unit):
            by_response.setdefault(r, []).append(v)
    scores = [sum(vs) / len(vs) for _, vs in sorted(by_response.items())]  # integer sums: exact
    total = 0.0
    for s in scores:
        total += s
    mean = total / len(scores)
    sq = 0.0
    for s in scores:
        d = s - mean
        sq += d * d
    return len(scores), mean, math.sqrt(sq / (len(scores) - 1))


@pytest.mark.parametrize("shuffle", [False, True])
def test_indicator_scores_add_in_response_order_to_the_last_bit(shuffle):
    data = rows()
    if shuffle:
        data = [data[k] for k in np.random.default_rng(1).permutation(len(data))]
    answers = answer_set(data)
    assert answers.ordered is not shuffle
    pooled = score_indicators(answers, MAPPING)
    per_unit = score_indicators_by_unit(answers, MAPPING)
    for ind, items in (("I3", {0, 1, 2}), ("I2", {3, 4})):
        assert (pooled[ind].n, pooled[ind].score_mean, pooled[ind].score_sd) == reference_scores(data, items)
        for u in range(3):
            got = per_unit[f"u{u}"][ind]
            assert (got.n, got.score_mean, got.score_sd) == reference_scores(data, items, u)


def reference_pair_se(data, a, b, na, nb):
    """se of the mean of two items from their covariance alone (item variances set to 0)."""
    by_response = {}
    for r, i, v, _ in data:  # input order
        if not math.isnan(v) and v != 0:
            by_response.setdefault(r, {})[i] = v
    # The respondents who answered both, in the input order of their answers to a.
    both = [by_response[r] for r, i, v, _ in data if i == a and r in by_response and a in by_response[r]
            and b in by_response[r]]
    n = len(both)
    centre_a, centre_b = sum(x[a] for x in both) / n, sum(x[b] for x in both) / n  # integer sums: exact
    sab = 0.0
    for x in both:
        sab += (x[a] - centre_a) * (x[b] - centre_b)
    var = 0.0 + 2.0 * (n / (na * nb)) * (sab / (n - 1))
    return math.sqrt(max(var, 0.0)) / 2


@pytest.mark.parametrize("order", ["ordered", "shuffled", "by item"])
def test_item_covariance_adds_in_the_input_order_of_the_first_item(order):
    data = rows(seed=11, n=1000)  # enough terms for the order to show in the last bit
    if order == "shuffled":
        data = [data[k] for k in np.random.default_rng(2).permutation(len(data))]
    elif order == "by item":  # grouped by item, responses descending: not ordered by response
        data = sorted(data, key=lambda row: (row[1], -row[0]))
    answers = answer_set(data)
    items = score_items(answers)
    lookup = np.array([-1, 0, 0, -1, -1])  # one indicator of B and C (codes 1, 2)
    item_n = np.array([[items[name].n for name in ITEMS]])
    used = item_n > 0
    se = indicator_se(answers, lookup, used, item_n, np.zeros((1, 5)), 1, by_unit=False)
    assert se[0, 0] == reference_pair_se(data, 1, 2, item_n[0, 1], item_n[0, 2])


@pytest.mark.parametrize("order", ["ordered", "shuffled"])
def test_per_answer_arrays_are_the_input_as_int64_and_float64_read_only(order):
    data = rows(seed=3, n=50)
    if order == "shuffled":
        data = [data[k] for k in np.random.default_rng(4).permutation(len(data))]
    answers = answer_set(data)
    response, item, value, unit = (np.array(c) for c in zip(*data, strict=True))
    assert answers.response.dtype == np.int64 and answers.response.tolist() == response.tolist()
    assert answers.item.dtype == np.int64 and answers.item.tolist() == item.tolist()
    assert answers.unit.dtype == np.int64 and answers.unit.tolist() == unit.tolist()
    expected = np.where(value == 0, np.nan, value)
    assert answers.value.dtype == np.float64 and np.array_equal(answers.value, expected, equal_nan=True)
    ids = sorted(set(response.tolist()))
    assert answers.resp.tolist() == [ids.index(r) for r in response.tolist()]
    assert len(answers) == len(data) and answers.n_responses == len(ids)
    for arr in (answers.response, answers.item, answers.value, answers.unit, answers.resp):
        with pytest.raises(ValueError):
            arr[0] = 1


def test_missing_codes_in_any_representation():
    nan_payload = np.array([0x7FF8000000000001], dtype=np.uint64).view(np.float64)[0]
    values = np.array([1.0, -0.0, nan_payload, -np.nan, 6.0, 0.0])
    a = AnswerSet(np.arange(6), np.zeros(6, int), values, ("A",))
    assert np.isnan(a.value).tolist() == [False, True, True, True, False, True]
    for same in ([1, 0, None, None, 6, 0], np.array([1, 0, 0, 0, 6, 0], dtype=np.int8),
                 np.array([1, 0, np.nan, np.nan, 6, 0], dtype=np.float32)):
        b = AnswerSet(np.arange(6), np.zeros(6, int), same, ("A",))
        assert score_items(b, threshold=3) == score_items(a, threshold=3)
        assert np.array_equal(b.value, a.value, equal_nan=True)
    with pytest.raises(ValueError, match=r"first at position 2: np.float64\(6.5\)"):
        AnswerSet(np.arange(3), np.zeros(3, int), [1.0, 2.0, 6.5], ("A",))


def test_big_sets_are_checked_across_chunks():
    # 100,000 answers: more than one chunk of the checking passes.
    n = 50_000
    response = np.repeat(np.arange(n), 2)
    item = np.tile([0, 1], n)
    value = np.ones(2 * n)
    value[-1] = 7
    with pytest.raises(ValueError, match="position 99999"):
        AnswerSet(response, item, value, ("A", "B"))
    value[-1] = 1
    item[-1] = 0  # the last response answers A twice
    with pytest.raises(ValueError, match="more than once"):
        AnswerSet(response, item, value, ("A", "B"))
    item[-1] = 1
    unit = np.zeros(2 * n, dtype=int)
    unit[-1] = 1  # the last response in two units
    with pytest.raises(ValueError, match="same unit"):
        AnswerSet(response, item, value, ("A", "B"), unit, ("x", "y"))
    unit[-2] = 1
    assert AnswerSet(response, item, value, ("A", "B"), unit, ("x", "y")).unit_of_response[-1] == 1
