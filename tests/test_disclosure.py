"""Pure disclosure rules: hierarchy / breakdown suppression, D3 riket, D2 releases."""

import pytest

from indicators.disclosure import hide_categories, releasable, riket_allowed


def test_hide_categories_primary_and_residual():
    # 3 < 5 hidden; residual 3 is 1..4 so the smallest shown (6) goes too: hidden 9.
    assert hide_categories({"a": 3, "b": 6, "c": 10}, 5) == {"a", "b"}
    # two small ones together hold 6 >= 5: nothing more hidden
    assert hide_categories({"a": 3, "b": 3, "c": 10}, 5) == {"a", "b"}
    # nothing small: nothing hidden
    assert hide_categories({"a": 5, "b": 6}, 5) == frozenset()
    # empty categories are hidden but hold nothing
    assert hide_categories({"a": 0, "b": 6, "c": 7}, 5) == {"a"}


def test_hide_categories_with_total_and_forced():
    # 2 answers without insats (not a category) force hiding the smallest insats
    assert hide_categories({"a": 6, "b": 8}, 5, total=16) == {"a"}
    # forced category of 7 is hidden; 7 >= 5 so nothing more
    assert hide_categories({"a": 7, "b": 8}, 5, forced=["a"]) == {"a"}
    # hiding cascades until the residual reaches k or everything is hidden
    assert hide_categories({"a": 1, "b": 1, "c": 1}, 3, total=3) == {"a", "b", "c"}


def test_hide_categories_rejects_bad_input():
    with pytest.raises(ValueError):
        hide_categories({"a": -1}, 5)
    with pytest.raises(ValueError):
        hide_categories({"a": 1}, 2)


def test_riket_needs_three_other_forbund_with_k():
    assert not riket_allowed({"own": 50, "b": 5, "c": 5}, "own", 5)
    assert not riket_allowed({"own": 50, "b": 5, "c": 5, "d": 4}, "own", 5)
    assert riket_allowed({"own": 0, "b": 5, "c": 5, "d": 9}, "own", 5)


def test_releasable_waits_for_k_per_item():
    # 4 responses: not yet
    assert releasable({r: {"x"} for r in range(4)}, 5) == frozenset()
    # 5 responses but item y answered by only one: hold that one back -> 4 left: nothing
    pending = {r: {"x"} for r in range(4)} | {4: {"x", "y"}}
    assert releasable(pending, 5) == frozenset()
    # 6 responses, y by one: release the 5 others
    pending = {r: {"x"} for r in range(5)} | {5: {"x", "y"}}
    assert releasable(pending, 5) == frozenset(range(5))
    # responses without any valid answer still count as responses
    assert releasable({r: set() for r in range(5)}, 5) == frozenset(range(5))


def test_releasable_withdrawals_keep_zero_or_k():
    visible = {r: {"x"} for r in range(8)}
    # withdrawing 5 of 8 would leave 3 < 5: not released
    assert releasable({r: {"x"} for r in range(5)}, 5, visible=visible) == frozenset()
    # withdrawing all 8 empties the cell: released
    assert releasable(dict(visible), 5, visible=visible) == frozenset(range(8))
    # 10 visible, 5 withdrawn, 5 stay: released
    visible = {r: {"x"} for r in range(10)}
    assert releasable({r: {"x"} for r in range(5)}, 5, visible=visible) == frozenset(range(5))
    # an item kept by only 2 responses blocks a withdrawal that cannot be held back to fix it
    visible = {r: {"x"} for r in range(10)} | {10: {"x", "y"}, 11: {"x", "y"}}
    assert releasable({r: {"x"} for r in range(5)}, 5, visible=visible) == frozenset()
