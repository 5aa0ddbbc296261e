"""Which combinations of shown sets of respondents involve fewer than k of them: the linear
algebra behind :func:`indicators.disclosure.hide_linked`.

Pure: the standard library only. Respondents no shown set tells apart form an *atom*. Every figure
of a shown set (n, sum, sum of squares, counts per answer code, share positive) is the sum over
its atoms of the same figure, so any integer combination of shown sets' figures is that
combination's figure: with two breakdowns, women - the 16-29 year olds is the older women minus
the young men, and when each of those is one person the counts per answer code give both answers.
A combination is harmless only when it involves at least k respondents.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

from indicators.exact import reduced_rows

#: How many steps (sets of rows tried, nodes of the branch and bound) :func:`small_combination`
#: may take before it stops and answers conservatively (as if a small combination existed, so
#: that the caller hides more): at most a second or two. With k = 5 no figure of the demo comes
#: near it (the most any needed was about 2,500); it bounds the time of finely split data and
#: of a larger threshold, whose search grows with k.
SEARCH_LIMIT = 20_000
#: A prime below 2**30 for the searches (every support found is checked again exactly).
_P = 1_000_000_007


class _Inconclusive(Exception):
    """The search cannot decide (a rank lost modulo the prime, or :data:`SEARCH_LIMIT`)."""


def _rows(shown_sets: Iterable[Iterable[int]], order: Sequence[int]) -> list[list[int]]:
    position = {a: j for j, a in enumerate(order)}
    rows = []
    for members in shown_sets:
        row = [0] * len(order)
        for a in members:
            if a in position:
                row[position[a]] = 1
        rows.append(row)
    return rows


def _within(sizes: Sequence[int], shown_sets, inside: Sequence[int]) -> list[list[int]]:
    """A basis (integer rows over ``inside``) of the combinations of the shown sets that are zero
    on every atom not in ``inside``."""
    members = set(inside)
    outside = [a for a in range(len(sizes)) if a not in members]
    order = [*outside, *inside]
    reduced, pivots = reduced_rows(_rows(shown_sets, order), len(order))
    return [r[len(outside):] for r, p in zip(reduced, pivots, strict=True) if p >= len(outside)]


def supported_within(sizes: Sequence[int], shown_sets: Iterable[Iterable[int]], atoms: Iterable[int]) -> bool:
    """Whether some non-zero combination of the shown sets involves only ``atoms``."""
    return bool(_within(sizes, list(shown_sets), sorted(set(atoms))))


def _lives_within(basis: list[list[int]], support: set[int]) -> bool:
    """Exactly: whether a non-zero combination of ``basis`` (independent integer rows) is zero
    on every column outside ``support``."""
    rest = [[x for j, x in enumerate(r) if j not in support] for r in basis]
    width = len(rest[0]) if rest else 0
    return len(reduced_rows(rest, width)[0] if width else []) < len(basis)


def small_combination(sizes: Sequence[int], shown_sets: Iterable[Iterable[int]], k: int) -> frozenset | None:
    """Atoms holding 1..k-1 respondents in all that some non-zero integer combination of the
    shown sets involves alone, or None when every non-zero combination involves at least k.

    Parameters
    ----------
    sizes : respondents per atom
    shown_sets : each a collection of atom indices (the total, shown insatser, shown categories)
    k : the reporting threshold

    Notes
    -----
    Only atoms with fewer than k respondents can be in such a combination. The combinations that
    are zero on every larger atom form a space V (:func:`_within`); if V is {0} there is none.
    Otherwise the question is whether V holds a non-zero vector whose atoms weigh (in
    respondents) less than k: a light codeword of the code V, with the atoms' sizes as weights.
    :func:`_light_support` answers it exactly, modulo a prime, by information sets (as in the
    Brouwer-Zimmermann search for a code's minimum distance); a support it finds is checked
    again with exact integer ranks. Where the prime could mislead (a rank lost modulo it, or a
    support that is not confirmed) or the search would exceed :data:`SEARCH_LIMIT`, the answer is
    conservative (every small atom of V), so the caller hides more rather than risk showing a
    combination unchecked.
    """
    sizes = [int(n) for n in sizes]
    # An atom of no respondents adds nothing to any figure: a combination may involve it freely.
    shown_sets = [[a for a in s if sizes[a] > 0] for s in shown_sets]
    small = [a for a, n in enumerate(sizes) if 0 < n < k]
    basis = _within(sizes, shown_sets, small)
    if not basis:
        return None
    cols = [j for j in range(len(small)) if any(r[j] for r in basis)]
    basis = [[r[j] for j in cols] for r in basis]
    atom = [small[j] for j in cols]
    weight = [sizes[a] for a in atom]
    try:
        found = _light_support(basis, weight, k)
    except _Inconclusive:
        return frozenset(atom)
    if found is None:
        return None
    support = set(found)
    if 0 < sum(weight[j] for j in support) < k and _lives_within(basis, support):
        return frozenset(atom[j] for j in support)
    return frozenset(atom)  # found modulo the prime only: as if there were one (hide more)


def _light_support(basis: list[list[int]], weight: list[int], k: int) -> list[int] | None:
    """Columns weighing less than k in all that carry a non-zero vector of the row space of
    ``basis`` (independent rows, no zero column) modulo the prime, or None when there is none.

    Take disjoint information sets I_1..I_q (sets of columns on which the rows are independent;
    found greedily) and, for each, the systematic form of the basis (the identity on I_i). A
    vector v of weight below k weighs at most (k-1) // q on one of them, since they are
    disjoint; on that I_i, v is the combination of the rows of the systematic form at its
    non-zero columns there. So every set R of at most that weight of each I_i is tried: is some
    combination of R's rows light on the columns outside I_i (:func:`_vanishing_combination`)?
    Raises _Inconclusive when the rows are dependent modulo the prime (no information set) or
    beyond :data:`SEARCH_LIMIT` steps.
    """
    m = len(weight)
    rows = [[x % _P for x in r] for r in basis]
    forms = []
    rest = list(range(m))
    while rest:
        form = _echelon(rows, rest)
        if len(form[1]) < len(rows):
            break  # the columns left hold no information set
        forms.append(form)
        taken = set(form[1])
        rest = [c for c in rest if c not in taken]
    if not forms:
        raise _Inconclusive
    cap = (k - 1) // len(forms)  # 0 when there are k-1 or more: every vector weighs >= 1 on each
    work = [0]  # steps taken: sets of rows tried and nodes of _branch (see SEARCH_LIMIT)
    for form, pivots in forms:
        info = set(pivots)
        others = [c for c in range(m) if c not in info]
        own_weight = [weight[p] for p in pivots]
        for size in range(1, cap + 1):
            for chosen in _light_subsets(own_weight, size, cap):
                own = sum(own_weight[a] for a in chosen)
                _step(work)
                found = _vanishing_combination([form[a] for a in chosen], others, weight, k - 1 - own, work)
                if found is not None:
                    return [pivots[a] for a in chosen] + found
    return None


def _light_subsets(weights: list[int], size: int, cap: int) -> Iterator[tuple[int, ...]]:
    """Every set of ``size`` positions whose weights add up to at most ``cap``, each once (as
    increasing positions), the lighter positions first; the sets over ``cap`` are never visited."""
    order = sorted(range(len(weights)), key=lambda a: (weights[a], a))

    def extend(start: int, chosen: tuple[int, ...], room: int) -> Iterator[tuple[int, ...]]:
        if len(chosen) == size:
            yield tuple(sorted(chosen))
            return
        for i in range(start, len(order)):
            w = weights[order[i]]
            if w * (size - len(chosen)) > room:
                break  # the lightest way to fill the set from here is already too heavy
            yield from extend(i + 1, (*chosen, order[i]), room - w)

    return extend(0, (), cap)


def _echelon(rows: list[list[int]], order: Iterable[int]) -> tuple[list[list[int]], list[int]]:
    """The rows (modulo the prime) in reduced echelon form, pivots 1, with pivot columns chosen
    greedily in ``order``, and those columns: the rows' form on an information set when there
    are as many pivots as rows, and the positions of a maximal independent set of columns."""
    t = len(rows)
    rows = [list(r) for r in rows]
    pivots: list[int] = []
    for c in order:
        rank = len(pivots)
        pivot = next((i for i in range(rank, t) if rows[i][c]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        inverse = pow(rows[rank][c], _P - 2, _P)
        row = rows[rank] = [x * inverse % _P for x in rows[rank]]
        for i in range(t):
            f = rows[i][c]
            if i != rank and f:
                rows[i] = [(x - f * y) % _P for x, y in zip(rows[i], row, strict=True)]
        pivots.append(c)
        if len(pivots) == t:
            break
    return rows, pivots


def _step(work: list[int]) -> None:
    """Count one step of the search; beyond :data:`SEARCH_LIMIT` it cannot decide in time."""
    work[0] += 1
    if work[0] > SEARCH_LIMIT:
        raise _Inconclusive


def _vanishing_combination(rows: list[list[int]], columns: list[int], weight: list[int],
                           budget: int, work: list[int]) -> list[int] | None:
    """Of ``columns``, a set weighing at most ``budget`` outside which some non-zero
    combination of ``rows`` (modulo the prime) is zero, or None."""
    if len(rows) == 1:
        found = [j for j in columns if rows[0][j]]
        return found if sum(weight[j] for j in found) <= budget else None
    if len(rows) == 2:
        # λ_a·a + λ_b·b is zero on column j exactly when λ_b/λ_a = -a_j/b_j: one class of
        # columns (by the ratio b_j/a_j) vanishes together, every other column stays.
        a, b = rows
        ratio = {j: b[j] * pow(a[j], _P - 2, _P) % _P if a[j] else -1 for j in columns if a[j] or b[j]}
        classes: dict[int, int] = {}
        for j, key in ratio.items():
            classes[key] = classes.get(key, 0) + weight[j]
        keep = max(classes, key=classes.__getitem__) if classes else None
        if sum(classes.values()) - classes.get(keep, 0) > budget:
            return None
        return [j for j, key in ratio.items() if key != keep]
    vectors = [(j, weight[j], tuple(r[j] for r in rows)) for j in columns]
    return _branch([v for v in vectors if any(v[2])], len(rows), budget, work)


def _branch(vectors: list[tuple[int, int, tuple[int, ...]]], d: int, budget: int,
            work: list[int]) -> list[int] | None:
    """Columns (index, weight, coordinates in F^d) all non-zero: a set of them weighing at most
    ``budget`` outside which some non-zero μ in F^d is orthogonal to every column, or None.

    Each column is either in the set (it costs its weight) or orthogonal to μ (μ then lives in a
    space of one dimension less). A hyperplane misses at least one column of every basis, so
    disjoint bases among the columns bound the weight from below."""
    _step(work)
    if sum(w for _, w, _ in vectors) <= budget:
        return [j for j, _, _ in vectors]
    if d == 1:
        return None  # μ is a non-zero multiple of one vector: orthogonal to no non-zero column
    bound, rest, first = 0, vectors, None
    while True:
        basis = _independent(rest, d)
        if len(basis) < d:
            if first is None:
                return []  # the columns span less than F^d: some μ is orthogonal to all
            break
        if first is None:
            first = [rest[i] for i in basis]
        bound += min(rest[i][1] for i in basis)
        if bound > budget:
            return None
        chosen = set(basis)
        rest = [v for i, v in enumerate(rest) if i not in chosen]
    column = max(first, key=lambda v: v[1])
    others = [v for v in vectors if v is not column]
    found = _branch(_orthogonal_to(others, column[2]), d - 1, budget, work)
    if found is None and column[1] <= budget:
        found = _branch(others, d, budget - column[1], work)
        if found is not None:
            found = [column[0], *found]
    return found


def _independent(vectors: list[tuple[int, int, tuple[int, ...]]], d: int) -> list[int]:
    """Positions of a maximal independent subset of the vectors' coordinates, chosen greedily.

    The same greedy choice as :func:`_echelon` on the matrix whose columns are the vectors, but
    one vector at a time and stopping at d of them: it runs at every node of :func:`_branch`,
    where eliminating whole rows of every column was twice as slow."""
    echelon: list[tuple[int, list[int]]] = []
    chosen: list[int] = []
    for i, (_, _, coordinates) in enumerate(vectors):
        v = list(coordinates)
        for p, r in echelon:
            f = v[p]
            if f:
                v = [(x - f * y) % _P for x, y in zip(v, r, strict=True)]
        q = next((c for c in range(d) if v[c]), None)
        if q is None:
            continue
        inverse = pow(v[q], _P - 2, _P)
        echelon.append((q, [x * inverse % _P for x in v]))
        chosen.append(i)
        if len(chosen) == d:
            break
    return chosen


def _orthogonal_to(vectors, y: tuple[int, ...]):
    """The vectors in coordinates of {μ : μ·y = 0} (a basis e_i - (y_i/y_q)·e_q, i ≠ q), the
    zero ones left out."""
    q = next(c for c, x in enumerate(y) if x)
    inverse = pow(y[q], _P - 2, _P)
    ratios = [x * inverse % _P for x in y]
    out = []
    for j, w, z in vectors:
        zq = z[q]
        projected = tuple((z[i] - ratios[i] * zq) % _P for i in range(len(z)) if i != q)
        if any(projected):
            out.append((j, w, projected))
    return out
