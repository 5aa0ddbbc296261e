"""An AnswerSet keeps its counts and per-response scores (issue 14): reuse changes no figure."""

import numpy as np
import pytest

from indicators.answers import AnswerSet
from indicators.scoring import item_counts, score_indicators, score_indicators_by_unit, score_items_by_unit

ITEMS = ("A1", "A2", "A3")
MAP = {"A1": "I1", "A2": "I1", "A3": "I2"}


def answer_set(ids):
    rng = np.random.default_rng(5)
    n = len(ids)
    response = np.repeat(np.asarray(ids, dtype=np.int64), 3)
    item = np.tile(np.arange(3), n)
    value = rng.integers(1, 7, 3 * n).astype(float)
    value[rng.random(3 * n) < 0.2] = np.nan
    unit = np.repeat(np.arange(n) % 2, 3)
    return AnswerSet(response, item, value, ITEMS, unit, ("x", "y"))


def test_sparse_and_dense_response_ids_score_alike_and_reuse_changes_nothing():
    dense = answer_set(range(40))
    sparse = answer_set([7 * k + 1000 for k in range(40)])
    huge = answer_set([10**12 + 13 * k for k in range(40)])  # factorised by sorting
    fresh = [score_indicators_by_unit(s, MAP) for s in (dense, sparse, huge)]
    assert fresh[0] == fresh[1] == fresh[2]
    assert score_indicators_by_unit(sparse, MAP) == fresh[1]  # second call: kept scores
    assert score_indicators(sparse, MAP) == score_indicators(answer_set([7 * k + 1000 for k in range(40)]), MAP)
    # Independently: indicator I2 (item A3 only) per unit is the mean of A3's answers of that unit.
    v = sparse.value.reshape(40, 3)[:, 2]
    for u, name in enumerate(("x", "y")):
        mine = v[u::2]
        mine = mine[~np.isnan(mine)]
        assert fresh[1][name]["I2"].n == mine.size
        assert fresh[1][name]["I2"].score_mean == pytest.approx(mine.mean())


def test_kept_counts_cannot_be_changed_and_pooled_equals_per_unit_sum():
    answers = answer_set(range(30))
    by_unit = item_counts(answers, by_unit=True)
    pooled = item_counts(answers)
    with pytest.raises(ValueError):
        pooled[0, 0] = 99
    assert (pooled == by_unit.sum(axis=0)).all()
    v = answers.value.reshape(30, 3)[:, 0]
    assert pooled[0].tolist() == [int((v == k).sum()) for k in range(1, 7)]
    assert score_items_by_unit(answers) == score_items_by_unit(answer_set(range(30)))
