"""The disclosure gate of one förbund's cell (one respondent group and year): what each view shows.

Pure: numpy and the standard library. The views of a förbund are the förbund total (``None``)
and each insats (its id). Its leaves are the insatser plus ``DIRECT`` (answers without insats,
never a view of its own). :func:`plan_cell` applies the rules of :mod:`indicators.disclosure`
to every quantity a view can show (the response count, each item's valid n, each indicator's
n) so that no figure of fewer than k respondents follows from what any role can see:

- a view shows a quantity only when its n >= k;
- an insats shows it only when the insatser hidden for it, together with the answers without
  insats, hold 0 or at least k (D1; :func:`indicators.disclosure.hide_categories`);
- an indicator uses only the items its view shows (scoring rule 3); an insats shows an indicator
  only with the same items as the förbund total, so every shown indicator n is the same quantity.

Every role sees a subset of these figures, so the gate does not depend on the role.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

import numpy as np

from indicators.answers import AnswerSet
from indicators.disclosure import PROTECT, TOO_FEW, hide_categories
from indicators.scoring import indicator_table, item_counts

#: Leaf of the answers given without insats (never a view of its own).
DIRECT = -1


@dataclass(frozen=True)
class ViewPlan:
    """What one view (förbund total or one insats) may show in one cell.

    ``items`` and ``indicators`` hold the shown ones; ``hidden`` maps every hidden item,
    indicator and the key ``"responses"`` to a reason code (``TOO_FEW`` or ``PROTECT``).
    ``indicator_items`` maps each shown indicator to the items it uses.
    """

    responses_shown: bool
    items: frozenset
    indicator_items: Mapping[Hashable, tuple[str, ...]]
    hidden: Mapping[Hashable, str] = field(default_factory=dict)


def _shown(per_leaf: Mapping[Hashable, int], total: int, k: int, forced=()) -> dict[Hashable, str | None]:
    """Reason per view (None = shown) for one quantity, from its n per leaf."""
    out: dict[Hashable, str | None] = {None: None if total >= k else TOO_FEW}
    children = {leaf: n for leaf, n in per_leaf.items() if leaf != DIRECT}
    hidden = hide_categories(children, k, total=total, forced=forced)
    for leaf, n in children.items():
        if leaf in hidden:
            out[leaf] = TOO_FEW if n < k else PROTECT
        else:
            out[leaf] = None
        if out[None] is not None and out[leaf] is None:  # unreachable (n_leaf <= total), kept as a guard
            out[leaf] = PROTECT
    return out


def plan_cell(
    answers: AnswerSet,
    responses_per_leaf: Mapping[Hashable, int],
    item_indicator: Mapping[str, Hashable],
    k: int,
    views: tuple[Hashable, ...] = (),
) -> dict[Hashable, ViewPlan]:
    """Plan every view of one förbund cell.

    Parameters
    ----------
    answers : AnswerSet
        The released answers of the förbund's cell; its units are the leaves (insats ids and
        :data:`DIRECT`).
    responses_per_leaf : mapping leaf -> int
        Released responses per leaf (responses without any answer included).
    item_indicator : mapping item -> indicator
        The questionnaire's items.
    k : int
        Reporting threshold.
    views : tuple
        Insats views to plan besides the förbund total (``None``); insatser without answers
        may be listed too.

    Returns
    -------
    dict view -> ViewPlan
    """
    leaves = tuple(answers.units) if answers.units is not None else ()
    all_views = (None, *dict.fromkeys(v for v in (*views, *leaves, *responses_per_leaf) if v != DIRECT))
    resp_leaf = {leaf: int(n) for leaf, n in responses_per_leaf.items()}
    resp_reason = _shown({v: resp_leaf.get(v, 0) for v in (*all_views[1:], DIRECT)}, sum(resp_leaf.values()), k)

    items = tuple(answers.items)
    counts = item_counts(answers, by_unit=True).sum(axis=2) if leaves else np.zeros((0, len(items)), np.int64)
    item_reason: dict[str, dict] = {}
    for i, item in enumerate(items):
        per_leaf = {v: 0 for v in all_views[1:]}
        per_leaf.update({leaf: int(counts[u, i]) for u, leaf in enumerate(leaves)})
        item_reason[item] = _shown(per_leaf, int(counts[:, i].sum()), k)

    # Indicators: the förbund total uses its shown items; an insats only the same items.
    indicators = list(dict.fromkeys(item_indicator.values()))
    used_f = {j: tuple(i for i in items if item_indicator.get(i) == j and item_reason[i][None] is None)
              for j in indicators}
    restricted = {i: j for j, its in used_f.items() for i in its}
    ind_reason: dict[Hashable, dict] = {}
    if restricted and leaves:
        keys, table = indicator_table(answers, restricted, by_unit=True)
        n_by = {key: table["n"][:, c] for c, key in enumerate(keys)}
    else:
        n_by = {}
    for j in indicators:
        if not used_f[j] or j not in n_by:
            ind_reason[j] = {v: TOO_FEW for v in all_views}
            continue
        per_leaf = {v: 0 for v in all_views[1:]}
        per_leaf.update({leaf: int(n_by[j][u]) for u, leaf in enumerate(leaves)})
        forced = [v for v in all_views[1:]
                  if any(item_reason[i][v] is not None for i in used_f[j])]
        reason = _shown(per_leaf, int(n_by[j].sum()), k, forced=forced)
        for v in forced:
            if reason[v] is None:
                reason[v] = PROTECT
        ind_reason[j] = reason

    out = {}
    for v in all_views:
        hidden: dict[Hashable, str] = {}
        if resp_reason[v] is not None:
            hidden["responses"] = resp_reason[v]
        shown_items = set()
        for item in items:
            if item_reason[item][v] is None:
                shown_items.add(item)
            else:
                hidden[item] = item_reason[item][v]
        ind_items = {}
        for j in indicators:
            if ind_reason[j][v] is None:
                ind_items[j] = used_f[j]
            else:
                hidden[j] = ind_reason[j][v]
        out[v] = ViewPlan(resp_reason[v] is None, frozenset(shown_items), ind_items, hidden)
    return out
