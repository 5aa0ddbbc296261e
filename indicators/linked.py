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

from collections.abc import Iterable, Sequence
from itertools import combinations
from math import comb

from indicators.exact import reduced_rows

#: How many candidate supports :func:`small_combination` may examine before it stops and answers
#: conservatively (as if a small combination existed, so that the caller hides more). Larger
#: shows more categories of finely split data and costs time: on the demo data 300 gives about
#: 2 s per förbund and three years, 20,000 about 50 s.
SEARCH_LIMIT = 300
#: A prime for the quick rank tests (every candidate found is checked again exactly).
_P = (1 << 61) - 1


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
    outside = [a for a in range(len(sizes)) if a not in set(inside)]
    order = [*outside, *inside]
    reduced, pivots = reduced_rows(_rows(shown_sets, order), len(order))
    return [r[len(outside):] for r, p in zip(reduced, pivots, strict=True) if p >= len(outside)]


def supported_within(sizes: Sequence[int], shown_sets: Iterable[Iterable[int]], atoms: Iterable[int]) -> bool:
    """Whether some non-zero combination of the shown sets involves only ``atoms``."""
    return bool(_within(sizes, list(shown_sets), sorted(set(atoms))))


def _rank_mod(rows: list[list[int]]) -> int:
    return len(_echelon_mod(rows)[1])


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
    Otherwise the candidates are the supports of V's vectors with the fewest atoms. When V is
    small, each of them vanishes on t - 1 coordinates that fix it up to a factor (t = dim V)
    and every such choice of coordinates is tried; else every set of atoms with fewer than k
    respondents that holds a pivot of V's echelon basis, smallest first. Beyond
    :data:`SEARCH_LIMIT` candidates the answer is conservative (every small atom of V), so the
    caller hides more rather than risk showing a combination unchecked. Candidates are found with
    ranks modulo a prime and confirmed with exact integer ranks.
    """
    sizes = [int(n) for n in sizes]
    shown_sets = [list(s) for s in shown_sets]
    small = [a for a, n in enumerate(sizes) if 0 < n < k]
    basis = _within(sizes, shown_sets, small)
    if not basis:
        return None
    cols = [j for j in range(len(small)) if any(r[j] for r in basis)]
    basis = [[r[j] for j in cols] for r in basis]
    atom = [small[j] for j in cols]
    t = len(basis)

    def confirmed(support: set[int]) -> frozenset | None:
        if not 0 < sum(sizes[atom[j]] for j in support) < k:
            return None
        rest = [[r[j] for j in range(len(cols)) if j not in support] for r in basis]
        if len(reduced_rows(rest, len(cols) - len(support))[0] if rest and rest[0] else []) < t:
            return frozenset(atom[j] for j in support)
        return None

    if comb(len(cols), t - 1) <= SEARCH_LIMIT:
        for zeros in combinations(range(len(cols)), t - 1):
            kernel = _kernel_vector([[r[j] for j in zeros] for r in basis])
            if kernel is None:
                continue
            values = [sum(x * r[j] for x, r in zip(kernel, basis, strict=True)) % _P for j in range(len(cols))]
            found = confirmed({j for j, v in enumerate(values) if v})
            if found is not None:
                return found
        return None
    # With the basis in reduced echelon form, a combination λ·rows has λ_i at row i's pivot column:
    # one that vanishes outside S uses only the rows whose pivots lie in S, and those rows,
    # restricted to the columns outside S, must be dependent (a rank test of at most k-1 rows).
    echelon, pivots = _echelon_mod(basis)
    pivot_row = {c: i for i, c in enumerate(pivots)}
    weight = [sizes[a] for a in atom]
    examined = 0
    for size in range(1, k):
        for support in combinations(range(len(cols)), size):
            rows = [pivot_row[j] for j in support if j in pivot_row]
            if not rows or sum(weight[j] for j in support) >= k:
                continue
            examined += 1
            if examined > SEARCH_LIMIT:
                return frozenset(atom)  # too many to look at: as if there were one (hide more)
            chosen = set(support)
            rest = [[echelon[i][j] for j in range(len(cols)) if j not in chosen] for i in rows]
            if _rank_mod(rest) < len(rows):
                found = confirmed(chosen)
                if found is not None:
                    return found
    return None


def _echelon_mod(rows: list[list[int]]) -> tuple[list[list[int]], list[int]]:
    """Reduced row echelon form modulo the prime (pivots 1, zeros above and below), and the pivot
    column of each row (the rows are independent)."""
    rows = [[x % _P for x in r] for r in rows]
    pivots: list[int] = []
    rank, width = 0, len(rows[0]) if rows else 0
    for c in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][c]), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        inverse = pow(rows[rank][c], _P - 2, _P)
        rows[rank] = [x * inverse % _P for x in rows[rank]]
        for i in range(len(rows)):
            if i != rank and rows[i][c]:
                f = rows[i][c]
                rows[i] = [(x - f * y) % _P for x, y in zip(rows[i], rows[rank], strict=True)]
        pivots.append(c)
        rank += 1
    return rows[:rank], pivots


def _kernel_vector(columns_by_row: list[list[int]]) -> list[int] | None:
    """For a t x (t-1) matrix (row i: basis vector i on the chosen coordinates), a non-zero λ
    (mod the prime) with λ · column = 0 for every column, when the kernel has dimension 1."""
    t = len(columns_by_row)
    if t == 1:
        return [1]
    # Solve M^T λ = 0: reduce M^T, (t-1) x t, and read the one free unknown off its echelon form.
    echelon, pivots = _echelon_mod([[columns_by_row[i][j] for i in range(t)] for j in range(t - 1)])
    if len(pivots) != t - 1:
        return None
    free = next(c for c in range(t) if c not in pivots)
    kernel = [0] * t
    kernel[free] = 1
    for row, c in zip(echelon, pivots, strict=True):
        kernel[c] = -row[free] % _P
    return kernel
