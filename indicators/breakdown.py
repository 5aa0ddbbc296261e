"""Breakdowns (by insats, kön, åldersgrupp...) with primary and secondary suppression.

Pure: numpy and the standard library. The breakdown categories are the units of the
AnswerSet: one call scores every item or indicator for every category plus the total.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

from indicators.answers import N_STEPS, AnswerSet
from indicators.scoring import (
    IndicatorResult,
    ItemResult,
    _indicator_result,
    _item_result,
    indicator_table,
    item_counts,
    item_summary,
)
from indicators.suppression import DEFAULT_THRESHOLD, check_threshold, suppress_breakdown


@dataclass(frozen=True, slots=True)
class Breakdown:
    """One cell broken down by category.

    `categories` maps each category (in `answers.units` order) to its result; a hidden
    category holds a suppressed result with no figures. `secondary` names the categories
    hidden only by secondary suppression (for audit; the UI shows them as "för få svar" too).
    """

    total: ItemResult | IndicatorResult
    categories: dict[Hashable, ItemResult | IndicatorResult]
    secondary: frozenset


def _hide(result):
    if isinstance(result, ItemResult):
        return ItemResult(result.item, True)
    return IndicatorResult(result.indicator, True)


def _breakdown(total, per_category, n_by_category, threshold, total_shown) -> Breakdown:
    hidden = suppress_breakdown(n_by_category, threshold, total_shown=total_shown and not total.suppressed)
    categories = {c: (_hide(r) if c in hidden else r) for c, r in per_category.items()}
    secondary = frozenset(c for c in hidden if not per_category[c].suppressed)
    return Breakdown(total, categories, secondary)


def item_breakdown(
    answers: AnswerSet,
    *,
    threshold: int = DEFAULT_THRESHOLD,
    total_shown: bool = True,
) -> dict[str, Breakdown]:
    """Score every item per category of `answers.units`, with its total: ``result[item]``.

    Parameters
    ----------
    answers : AnswerSet
        Its units are the categories; they must partition the total (give answers without a
        category their own unit, e.g. "uppgift saknas").
    threshold : int, default 5
    total_shown : bool, default True
        Whether the total is shown beside the breakdown. A suppressed total counts as not shown.

    Notes
    -----
    A category is hidden when n < threshold (primary), and, per item, by
    :func:`indicators.suppression.suppress_breakdown` (secondary: exactly one non-empty
    category below the threshold hides the smallest other one).
    """
    threshold = check_threshold(threshold)
    n_items = len(answers.items)
    by_cat = item_counts(answers, by_unit=True)
    total = by_cat.sum(axis=0)
    flat = by_cat.reshape(-1, N_STEPS)
    s_cat, s_total = item_summary(flat), item_summary(total)
    out = {}
    for i, name in enumerate(answers.items):
        per_category = {
            unit: _item_result(name, flat, s_cat, u * n_items + i, threshold) for u, unit in enumerate(answers.units)
        }
        n_by_category = {unit: int(s_cat["n"][u * n_items + i]) for u, unit in enumerate(answers.units)}
        out[name] = _breakdown(
            _item_result(name, total, s_total, i, threshold), per_category, n_by_category, threshold, total_shown
        )
    return out


def indicator_breakdown(
    answers: AnswerSet,
    item_indicator: Mapping[str, Hashable],
    *,
    threshold: int = DEFAULT_THRESHOLD,
    total_shown: bool = True,
) -> dict[Hashable, Breakdown]:
    """Score the indicators of one respondent group per category, with totals: ``result[indicator]``.

    Same suppression as :func:`item_breakdown`, with the indicator's n (responses with at least
    one valid answer to its items) as each category's count. Formulas as in
    :func:`indicators.scoring.score_indicators`.
    """
    threshold = check_threshold(threshold)
    keys, cat = indicator_table(answers, item_indicator, by_unit=True)
    _, tot = indicator_table(answers, item_indicator)
    out = {}
    for j, key in enumerate(keys):
        per_category = {
            unit: _indicator_result(key, cat, u, j, answers.items, threshold) for u, unit in enumerate(answers.units)
        }
        n_by_category = {unit: int(cat["n"][u, j]) for u, unit in enumerate(answers.units)}
        total = _indicator_result(key, tot, 0, j, answers.items, threshold)
        out[key] = _breakdown(total, per_category, n_by_category, threshold, total_shown)
    return out
