"""Breakdowns (by insats, kön, åldersgrupp...) with primary and secondary suppression.

Pure: numpy and the standard library. The breakdown categories are the units of the
AnswerSet: one call scores every item or indicator for every category plus the total.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from indicators.answers import AnswerSet
from indicators.disclosure import PROTECT, TOO_FEW, hide_categories, hide_linked
from indicators.scoring import (
    IndicatorResult,
    ItemResult,
    _indicator_results,
    _item_results,
    indicator_table,
    item_counts,
    score_indicators,
    score_items,
    summary,
)
from indicators.suppression import DEFAULT_THRESHOLD, check_threshold


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
    if total_shown and not total.suppressed:
        hidden = hide_categories(n_by_category, threshold)
    else:
        hidden = frozenset(c for c, n in n_by_category.items() if n < threshold)
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
    :func:`indicators.disclosure.hide_categories` (secondary: the hidden categories together
    hold 0 or at least k, else the smallest shown ones are hidden too).
    """
    threshold = check_threshold(threshold)
    n_items = len(answers.items)
    by_cat = item_counts(answers, by_unit=True)
    s_cat = summary(answers, by_unit=True)
    per_cell = _item_results(answers.items, by_cat, s_cat, threshold)
    totals = _item_results(answers.items, item_counts(answers), summary(answers), threshold)
    n_cat = s_cat["n"].tolist()
    out = {}
    for i, name in enumerate(answers.items):
        per_category = {unit: per_cell[u * n_items + i] for u, unit in enumerate(answers.units)}
        n_by_category = {unit: n_cat[u][i] for u, unit in enumerate(answers.units)}
        out[name] = _breakdown(totals[i], per_category, n_by_category, threshold, total_shown)
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
    per_cell = _indicator_results(keys, cat, answers.items, threshold)
    totals = _indicator_results(keys, tot, answers.items, threshold)[0]
    n_cat = cat["n"].tolist()
    out = {}
    for j, key in enumerate(keys):
        per_category = {unit: per_cell[u][j] for u, unit in enumerate(answers.units)}
        n_by_category = {unit: n_cat[u][j] for u, unit in enumerate(answers.units)}
        out[key] = _breakdown(totals[j], per_category, n_by_category, threshold, total_shown)
    return out


@dataclass(frozen=True, slots=True)
class CategoryCell:
    """One category of a breakdown: its result (no figures when hidden) and why it is hidden."""

    category: Hashable
    result: ItemResult | IndicatorResult
    hidden_reason: str | None = None  # TOO_FEW or PROTECT


def _split(answers: AnswerSet, u: int) -> AnswerSet:
    mask = answers.unit == u
    return AnswerSet(answers.response[mask], answers.item[mask], answers.value[mask], answers.items)


def breakdown_cell(
    answers: AnswerSet,
    total_items: Mapping[str, ItemResult],
    total_indicators: Mapping[Hashable, IndicatorResult],
    item_indicator: Mapping[str, Hashable],
    k: int,
    *,
    forced_items: Mapping[str, Iterable[Hashable]] | None = None,
    forced_indicators: Mapping[Hashable, Iterable[Hashable]] | None = None,
) -> tuple[dict[str, tuple[CategoryCell, ...]], dict[Hashable, tuple[CategoryCell, ...]]]:
    """Break one shown cell (group x year of one unit) down by the categories of `answers.units`.

    Parameters
    ----------
    answers : AnswerSet
        The unit's released answers; its units are the categories and must partition the
        respondents (give "not answered" its own category).
    total_items, total_indicators : the shown totals (from the disclosure gate). A suppressed
        total gets no breakdown (omitted from the result).
    item_indicator : mapping item -> indicator of the questionnaire
    k : int
    forced_items, forced_indicators : mapping target -> categories, optional
        Categories hidden whatever their n (:func:`breakdown_dimensions`: linked breakdowns).

    Returns
    -------
    (items, indicators)
        ``items[item]`` and ``indicators[indicator]``: one CategoryCell per category, in
        `answers.units` order.

    Notes
    -----
    Per item and per indicator, :func:`indicators.disclosure.hide_categories` hides every
    category with n < k and then, while the hidden categories together hold between 1 and
    k - 1, the smallest shown one (so no hidden category follows from the total minus the shown
    ones). A category's indicator is the unweighted mean of the item means of the items that
    are shown both in the total indicator (its `items`) and in that category; so a hidden item
    mean never enters a shown figure. Formulas as in :mod:`indicators.scoring`.
    """
    k = check_threshold(k)
    if answers.units is None:
        raise ValueError("a breakdown needs the category of every answer (units = categories)")
    parts = [_split(answers, u) for u in range(len(answers.units))]
    per_cat_items = [score_items(p, threshold=k) for p in parts]
    items_out: dict[str, tuple[CategoryCell, ...]] = {}
    shown_in: list[set] = [set() for _ in parts]
    for item, total in total_items.items():
        if total.suppressed:
            continue
        counts = {c: (per_cat_items[u][item].n or 0) if not per_cat_items[u][item].suppressed
                  else _item_n(parts[u], item) for u, c in enumerate(answers.units)}
        hidden = hide_categories(counts, k, forced=(forced_items or {}).get(item, ()))
        cells = []
        for u, c in enumerate(answers.units):
            if c in hidden:
                cells.append(CategoryCell(c, ItemResult(item, True), TOO_FEW if counts[c] < k else PROTECT))
            else:
                cells.append(CategoryCell(c, per_cat_items[u][item]))
                shown_in[u].add(item)
        items_out[item] = tuple(cells)

    indicators_out: dict[Hashable, tuple[CategoryCell, ...]] = {}
    for ind, total in total_indicators.items():
        if total.suppressed:
            continue
        used = set(total.items or ())
        results, counts = {}, {}
        for u, c in enumerate(answers.units):
            mapping = {i: j for i, j in item_indicator.items() if j == ind and i in used and i in shown_in[u]}
            r = score_indicators(parts[u], mapping, threshold=k)[ind] if mapping else IndicatorResult(ind, True)
            results[c] = r
            counts[c] = _indicator_n(parts[u], [i for i, j in item_indicator.items() if j == ind and i in used])
        hidden = hide_categories(counts, k, forced=(forced_indicators or {}).get(ind, ()))
        indicators_out[ind] = tuple(
            CategoryCell(c, IndicatorResult(ind, True), TOO_FEW if counts[c] < k else PROTECT)
            if c in hidden or results[c].suppressed else CategoryCell(c, results[c])
            for c in answers.units
        )
    return items_out, indicators_out


def breakdown_dimensions(
    answers: AnswerSet,
    dimensions: Sequence[tuple[np.ndarray, tuple]],
    total_items: Mapping[str, ItemResult],
    total_indicators: Mapping[Hashable, IndicatorResult],
    item_indicator: Mapping[str, Hashable],
    k: int,
    *,
    leaf: np.ndarray | None = None,
    leaf_items: Mapping[Hashable, Iterable[str]] | None = None,
    leaf_indicators: Mapping[Hashable, Iterable[Hashable]] | None = None,
) -> list[tuple[dict[str, tuple[CategoryCell, ...]], dict[Hashable, tuple[CategoryCell, ...]]]]:
    """Break one shown cell down by several background questions at once: :func:`breakdown_cell`
    per question, then :func:`hide_linked` per item and indicator across the questions and the
    insatser whose own views show it.

    Parameters
    ----------
    answers : AnswerSet
        The cell's released answers (units ignored).
    dimensions : one ``(category index per answer row, categories)`` per background question
    leaf : the leaf (insats) of each answer row, optional
    leaf_items, leaf_indicators : leaf -> the items / indicators its own view shows

    Returns
    -------
    One ``(items, indicators)`` per dimension, as :func:`breakdown_cell` returns them.
    """
    def split(d, **forced):
        unit, categories = dimensions[d]
        parts = AnswerSet(answers.response, answers.item, answers.value, answers.items, unit, tuple(categories))
        return breakdown_cell(parts, total_items, total_indicators, item_indicator, k, **forced)

    first = [split(d) for d in range(len(dimensions))]
    valid = ~np.isnan(answers.value)
    forced_items: list[dict] = [{} for _ in dimensions]
    forced_indicators: list[dict] = [{} for _ in dimensions]

    def audit(target, rows, cells_of, viewers, forced):
        _, first_row = np.unique(answers.response[rows], return_index=True)
        rows = rows[first_row]  # one row per respondent
        labels = [[categories[u] for u in unit[rows].tolist()] for unit, categories in dimensions]
        shown = [{cell.category for cell in cells_of(d) if cell.hidden_reason is None and not cell.result.suppressed}
                 for d in range(len(dimensions))]
        extra = hide_linked(labels, shown, k, leaf=None if leaf is None else leaf[rows].tolist(),
                            shown_leaves=[v for v, targets in (viewers or {}).items() if target in set(targets)])
        for d, categories in enumerate(extra):
            if categories:
                # Everything but what the audit left shown: the second pass must not show again a
                # category the first pass had hidden only to protect one hidden now.
                forced[d][target] = set(dimensions[d][1]) - (shown[d] - categories)

    for item in first[0][0] if first else ():
        code = answers.items.index(item)
        audit(item, np.flatnonzero((answers.item == code) & valid), lambda d, i=item: first[d][0][i], leaf_items,
              forced_items)
    for ind in first[0][1] if first else ():
        codes = [answers.items.index(i) for i in total_indicators[ind].items or () if i in answers.items]
        audit(ind, np.flatnonzero(np.isin(answers.item, codes) & valid), lambda d, j=ind: first[d][1][j],
              leaf_indicators, forced_indicators)
    return [split(d, forced_items=forced_items[d], forced_indicators=forced_indicators[d])
            if forced_items[d] or forced_indicators[d] else first[d] for d in range(len(dimensions))]


def _item_n(answers: AnswerSet, item: str) -> int:
    if item not in answers.items:
        return 0
    code = answers.items.index(item)
    return int(((answers.item == code) & ~np.isnan(answers.value)).sum())


def _indicator_n(answers: AnswerSet, items) -> int:
    codes = [answers.items.index(i) for i in items if i in answers.items]
    valid = np.isin(answers.item, codes) & ~np.isnan(answers.value)
    return int(np.unique(answers.resp[valid]).size)


#: The category of respondents who did not answer a background question ("uppgift saknas").
NOT_ANSWERED = "uppgift_saknas"


@dataclass(frozen=True)
class BreakdownRow:
    """One item or indicator of one group and year broken down by one background question."""

    group: str
    year: int
    dimension: str  #: background question id (gender, age_group, time_in_intervention, partner)
    kind: str  #: "item" or "indicator"
    target: str  #: item or indicator id
    categories: tuple[CategoryCell, ...]


def _num(x):
    return None if x is None else float(x)


def breakdown_json(row: BreakdownRow) -> dict:
    """The JSON entry of one breakdown row (hidden categories: every figure null)."""
    cats = []
    for cell in row.categories:
        r = cell.result
        entry = {"category": cell.category, "suppressed": r.suppressed, "hidden_reason": cell.hidden_reason,
                 "n": r.n, "mean": _num(r.mean)}
        if row.kind == "item":
            entry.update(ci_low=_num(r.ci_low), ci_high=_num(r.ci_high), share_positive=_num(r.share_positive),
                         share_positive_ci_low=_num(r.share_positive_ci_low),
                         share_positive_ci_high=_num(r.share_positive_ci_high))
        else:
            entry.update(index=_num(r.index), items=list(r.items) if r.items is not None else None)
        cats.append(entry)
    return {"group": row.group, "year": row.year, "dimension": row.dimension, "kind": row.kind,
            "id": row.target, "categories": cats}
