"""Disclosure control: every rule that decides what a figure may show (spec D1-D5, scoring rule 3).

Pure: the standard library only. ``surveys.results`` loads the released answers as plain arrays
and asks this module which cells, items and references may be shown; breakdowns
(``indicators.breakdown``) ask :func:`hide_categories` and :func:`hide_linked`. Nothing else
decides suppression.

The rules, with k the reporting threshold:

- A cell (a response count, an item's valid n, an indicator's n) is shown only when n >= k
  ("för få svar").
- Hierarchy (D1): the categories a total is split into (a breakdown's categories, or a förbund's
  insatser plus its answers without insats) may be hidden only so that the hidden ones
  together hold 0 or at least k; otherwise more are hidden, smallest shown first ("dolt för att
  skydda en mindre grupp").
- Releases (D2): a leaf cell's pending answers become visible only together, and only when
  every count they change changes by 0 or at least k ("visas när fler svar har kommit in").
- Computed riket (D3): pooled from the förbund other than the viewer's own, shown only when at
  least three of them each contribute at least k; a riket indicator only when the riket of
  every item it averages is shown too (:func:`riket_indicator_allowed`).
- Linked breakdowns (D1): kön, åldersgrupp, time in the intervention and the insatser each split
  the same total; combining them isolates respondents none of them shows alone (women - the
  16-29 year olds = the older women - the young men). Categories are hidden until every
  combination of the shown sets involves 0 or at least k respondents (:func:`hide_linked`,
  :mod:`indicators.linked`).
- Item pairs (D1): an indicator's standard error, and so its interval and test, holds the
  covariance of the respondents who answered both of two of its items; it is shown only when
  every such group holds 0 or at least k (:func:`overlap_allows_interval`).
- Final years (D2, D4): a release adds at least k to every count it changes in a leaf cell, but
  can add fewer than k to one category of a breakdown or to the free-text answers. Breakdowns
  and free text are therefore shown only for a final measurement year, one that can no longer
  change (:func:`subgroups_shown`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping, Sequence
from numbers import Integral

from indicators.linked import small_combination, supported_within
from indicators.suppression import check_threshold

#: Reason codes for a hidden figure (renderers translate them, see ``HIDDEN_REASONS``).
TOO_FEW = "too_few"  #: "för få svar": the cell itself has n < k
PROTECT = "protect"  #: "dolt för att skydda en mindre grupp": secondary suppression
PENDING = "pending"  #: "visas när fler svar har kommit in": nothing released yet

#: Minimum number of other förbund, each with at least k answers, for a computed riket (D3).
MIN_RIKET_FORBUND = 3


def _check_counts(counts: Mapping) -> None:
    for name, n in counts.items():
        if isinstance(n, bool) or not isinstance(n, Integral) or n < 0:
            raise ValueError(f"count of category {name!r} must be a non-negative integer, got {n!r}")


def hide_categories(
    counts: Mapping[Hashable, int],
    k: int,
    *,
    total: int | None = None,
    forced: Iterable[Hashable] = (),
) -> frozenset:
    """Return the categories of a split total that must be hidden.

    Parameters
    ----------
    counts : mapping of category -> int
        n of each category. Categories with n = 0 are hidden too (nothing to show).
    k : int
        Reporting threshold (at least 3).
    total : int, optional
        n of the total shown beside the categories; default: the sum of `counts`. Give it when
        some part of the total is not a category (e.g. answers without insats); that part
        counts as hidden.
    forced : iterable of categories
        Categories hidden whatever their n (e.g. not released, or not a view of their own).

    Returns
    -------
    frozenset
        Every category with n < k or in `forced`, and then, while the hidden part of the
        total (total minus the shown categories) is between 1 and k - 1, the smallest shown
        category (ties: first in `counts` order) as well.

    Notes
    -----
    When the total itself is below k nobody sees it (it is hidden by the same rule one level
    up), so the residual rule is only needed for shown totals; applying it anyway is harmless.
    """
    k = check_threshold(k)
    _check_counts(counts)
    total = sum(counts.values()) if total is None else int(total)
    forced = set(forced)
    hidden = {c for c, n in counts.items() if n < k or c in forced}
    shown = sorted((n, i, c) for i, (c, n) in enumerate(counts.items()) if c not in hidden)
    residual = total - sum(n for n, _i, _c in shown)
    while 0 < residual < k and shown:
        n, _i, c = shown.pop(0)
        hidden.add(c)
        residual += n
    return frozenset(hidden)


def hide_linked(
    labels: Sequence[Sequence[Hashable]],
    shown: Sequence[Iterable[Hashable]],
    k: int,
    *,
    leaf: Sequence[Hashable] | None = None,
    shown_leaves: Iterable[Hashable] = (),
) -> list[set]:
    """D1 across the breakdowns of one figure: the categories to hide besides those each
    breakdown hides on its own.

    Parameters
    ----------
    labels : one sequence per breakdown (dimension)
        ``labels[d][r]``: the category of respondent r (those counted in the figure) in d.
    shown : one collection per dimension
        The categories of d shown so far (after :func:`indicators.disclosure.hide_categories`).
    k : int
    leaf, shown_leaves : optional
        ``leaf[r]``: respondent r's insats (or other leaf); ``shown_leaves``: the leaves whose
        own view shows the figure. Their sets are shown as well and cannot be hidden here.

    Returns
    -------
    list of sets, one per dimension
        While some combination of the total, the shown leaves and the shown categories involves
        only 1..k-1 respondents (:func:`indicators.linked.small_combination`: their counts per
        answer code, and so their answers, would follow), more is hidden: of the categories
        holding one of them, the one with the fewest respondents whose hiding (with what its
        breakdown must then hide besides) leaves no combination of those respondents alone,
        else the whole breakdown with the fewest respondents among them. The caller must show
        exactly the categories left: hiding more is safe, showing again one hidden here is not.
    """
    count = len(labels[0]) if labels else 0
    sizes_by_dim = [Counter(lab) for lab in labels]
    leaves = set(shown_leaves)
    leaf_of = [leaf[r] if leaf is not None and leaf[r] in leaves else None for r in range(count)]
    hidden_mark = object()

    def split(shown_now):
        """Each respondent's atom (those no shown set tells apart), the atoms' sizes and the
        shown sets over the atoms."""
        signature = [(leaf_of[r], *(lab[r] if lab[r] in shown_now[d] else hidden_mark
                                     for d, lab in enumerate(labels))) for r in range(count)]
        index: dict = {}
        atom_of = [index.setdefault(sig, len(index)) for sig in signature]
        atoms = list(index)
        sizes = Counter(atom_of)
        sets = [range(len(atoms))]
        sets += [[a for a, sig in enumerate(atoms) if sig[0] == v] for v in leaves]
        sets += [[a for a, sig in enumerate(atoms) if sig[d + 1] == c]
                 for d in range(len(labels)) for c in shown_now[d]]
        return atom_of, [sizes[a] for a in range(len(atoms))], sets

    def after(shown_now, d, categories):
        """``shown_now`` with ``categories`` of dimension d hidden, and what d must hide besides."""
        out = [set(x) for x in shown_now]
        out[d] -= categories
        out[d] -= hide_categories(dict(sizes_by_dim[d]), k, forced=set(sizes_by_dim[d]) - out[d])
        return out

    def follows(shown_now, members: set) -> bool:
        """Whether a combination of what ``shown_now`` shows involves only the respondents ``members``."""
        atom_of, sizes, sets = split(shown_now)
        inside = Counter(atom_of[r] for r in members)
        chosen = {a for a, n in inside.items() if n == sizes[a]}  # atoms of these respondents only
        return bool(chosen) and supported_within(sizes, sets, chosen)

    shown_now = [set(x) for x in shown]
    while True:
        atom_of, sizes, sets = split(shown_now)
        found = small_combination(sizes, sets, k)
        if found is None:
            return [set(shown[d]) - shown_now[d] for d in range(len(labels))]
        members = {r for r in range(count) if atom_of[r] in found}
        touching = sorted({(d, c) for d in range(len(labels)) for c in shown_now[d]
                           if any(labels[d][r] == c for r in members)}, key=lambda dc: (dc[0], str(dc[1])))
        if not touching:  # the shown leaves alone give the group away: show no breakdown
            return [set(shown[d]) for d in range(len(labels))]
        singles = sorted(touching, key=lambda dc: (sizes_by_dim[dc[0]][dc[1]], dc[0], str(dc[1])))
        helping = [(d, {c}) for d, c in singles if not follows(after(shown_now, d, {c}), members)]
        dims = sorted({d for d, _c in touching}, key=lambda d: (sum(sizes_by_dim[d][c] for c in shown_now[d]), d))
        d, categories = helping[0] if helping else (dims[0], set(shown_now[dims[0]]))
        shown_now = after(shown_now, d, categories)


def riket_allowed(n_by_forbund: Mapping[Hashable, int], own: Hashable, k: int) -> bool:
    """D3: may a computed riket be shown to a viewer of förbund `own`?

    True when at least :data:`MIN_RIKET_FORBUND` förbund other than `own` each have n >= k in
    the cell. The riket itself must then be pooled from those other förbund only.
    """
    k = check_threshold(k)
    _check_counts(n_by_forbund)
    return sum(1 for f, n in n_by_forbund.items() if f != own and n >= k) >= MIN_RIKET_FORBUND


def releasable(
    pending: Mapping[Hashable, Iterable[Hashable]],
    k: int,
    *,
    visible: Mapping[Hashable, Iterable[Hashable]] | None = None,
) -> frozenset:
    """D2: which pending responses of one leaf cell to release together (maybe none).

    Parameters
    ----------
    pending : mapping of response -> the items it has a valid answer to
        The pending additions (or, with `visible`, the pending withdrawals) of ONE leaf cell
        (insats or förbund without insats x questionnaire x year).
    k : int
    visible : mapping of response -> items, optional
        For withdrawals: every response of the cell that counts now (the withdrawn ones
        included). What stays after the release must then hold 0 or at least k responses and
        0 or at least k valid answers per item, so that no earlier figure minus the release
        isolates fewer than k.

    Returns
    -------
    frozenset
        The largest set found such that the response count and every item's valid n change
        by 0 or at least k (then every indicator n, a union over items, does too): start from
        all pending responses and, while some item would change by 1..k-1 (or, for
        withdrawals, keep 1..k-1), hold back every pending response answering that item.
        Empty when fewer than k responses remain, or when the responses kept would be 1..k-1.
    """
    k = check_threshold(k)
    chosen = {r: frozenset(items) for r, items in pending.items()}
    stay: dict[Hashable, frozenset] = {}
    if visible is not None:
        stay = {r: frozenset(items) for r, items in visible.items() if r not in chosen}

    def per_item(responses) -> dict:
        out: dict[Hashable, int] = {}
        for items in responses:
            for item in items:
                out[item] = out.get(item, 0) + 1
        return out

    while True:
        bad = {item for item, n in per_item(chosen.values()).items() if n < k}
        if visible is not None:
            bad |= {item for item, n in per_item(stay.values()).items() if n < k}
        if not bad:
            break
        held = {r: items for r, items in chosen.items() if items & bad}
        if not held:  # what stays is too small and holding back cannot help: wait
            return frozenset()
        chosen = {r: items for r, items in chosen.items() if r not in held}
        stay.update(held)
    if len(chosen) < k or (visible is not None and 0 < len(stay) < k):
        return frozenset()
    return frozenset(chosen)


def riket_indicator_allowed(item_riket_shown: Iterable[bool]) -> bool:
    """D3 (and D1) for a computed riket indicator, given whether the riket of each item it averages
    is shown (:func:`riket_allowed` per item).

    The riket indicator is the unweighted mean of the pooled item means. If the riket of one of
    its items were hidden (answered in fewer than three other förbund), m times the indicator
    minus the shown item means would give it: the indicator is shown only when all are.
    """
    return all(item_riket_shown)


def overlap_allows_interval(smallest_overlap: int, k: int) -> bool:
    """D1 for an indicator's standard error (its interval and its test against a reference).

    ``smallest_overlap`` is the fewest respondents who answered both of two of the indicator's
    items, over the pairs anybody answered both of (0: none;
    :func:`indicators.variance.smallest_overlap`). The standard error sums each such pair's
    covariance; with the item figures that are shown, a shown interval gives that covariance
    back, a figure of the group that answered both. Shown only when every such group holds at
    least k respondents.
    """
    k = check_threshold(k)
    if isinstance(smallest_overlap, bool) or not isinstance(smallest_overlap, Integral) or smallest_overlap < 0:
        raise ValueError(f"smallest_overlap must be a non-negative integer, got {smallest_overlap!r}")
    return smallest_overlap == 0 or smallest_overlap >= k


def subgroups_shown(year: int, current_year: int) -> bool:
    """D2 and D4: whether breakdowns by background and free-text answers of measurement ``year``
    may be shown, ``current_year`` being the measurement year of today.

    Releases make every count of a leaf cell change by 0 or at least k
    (:func:`releasable`), but not every count within it: five released responses can be four
    women and one man, or five responses of which one wrote a text. A breakdown or a free-text
    page seen before and after that release would show the man's answers or the one text. A
    measurement year that has ended is final (nothing more is released for it), so these views
    of it never change; they are shown only for such years.
    """
    return year < current_year
