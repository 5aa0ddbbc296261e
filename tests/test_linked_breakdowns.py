"""D1 across linked breakdowns: kön, åldersgrupp, time in the intervention and the insatser split
one total in different ways, and together they can give back a group that none of them shows.

The rule (``indicators.disclosure.derivable_small_group``, ``indicators.breakdown.hide_linked``)
is checked against a brute force with exact rational arithmetic: every union of atoms with
1..k-1 respondents whose indicator vector raises no rank when added to the shown sets'.
"""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from indicators.disclosure import derivable, derivable_small_group, hide_linked


def rank(rows: list[list[int]]) -> int:
    """Rank over the rationals, by plain Gaussian elimination with Fractions."""
    m = [[Fraction(x) for x in row] for row in rows]
    r = 0
    for c in range(len(m[0]) if m else 0):
        pivot = next((i for i in range(r, len(m)) if m[i][c] != 0), None)
        if pivot is None:
            continue
        m[r], m[pivot] = m[pivot], m[r]
        for i in range(len(m)):
            if i != r and m[i][c] != 0:
                f = m[i][c] / m[r][c]
                m[i] = [x - f * y for x, y in zip(m[i], m[r], strict=True)]
        r += 1
    return r


def rows_of(sets, width):
    return [[1 if a in set(s) else 0 for a in range(width)] for s in sets]


def small_derivable_groups(sizes, sets, k):
    """Every union of atoms with 1..k-1 respondents whose figures follow (brute force)."""
    rows = rows_of(sets, len(sizes))
    base = rank(rows)
    small = [a for a, n in enumerate(sizes) if 0 < n < k]
    out = []
    for size in range(1, k):
        for union in itertools.combinations(small, size):
            if 0 < sum(sizes[a] for a in union) < k:
                vector = [1 if a in union else 0 for a in range(len(sizes))]
                if rank([*rows, vector]) == base:
                    out.append(frozenset(union))
    return out


@st.composite
def structures(draw):
    width = draw(st.integers(1, 8))
    sizes = draw(st.lists(st.integers(1, 7), min_size=width, max_size=width))
    sets = [range(width)] + draw(st.lists(st.sets(st.integers(0, width - 1), min_size=1), max_size=6))
    return sizes, sets, draw(st.integers(3, 5))


@settings(max_examples=150, deadline=None)
@given(structures())
def test_derivable_small_group_agrees_with_the_brute_force(case):
    sizes, sets, k = case
    expected = small_derivable_groups(sizes, sets, k)
    found = derivable_small_group(sizes, sets, k)
    assert (found is None) == (not expected)
    if found is not None:
        assert 0 < sum(sizes[a] for a in found) < k
        assert found in expected and derivable(found, sets, len(sizes))


def test_young_women_from_kon_and_alder():
    # atoms: the young woman (1), older women (5), young men (5); no older men
    sets = [[0, 1, 2], [0, 1], [2], [0, 2], [1]]  # total, kvinna, man, 16-29, 30-44
    assert derivable_small_group([1, 5, 5], sets, 5) == frozenset({0})
    with_older_men = [[0, 1, 2, 3], [0, 1], [2, 3], [0, 2], [1, 3]]
    assert derivable_small_group([1, 5, 5, 1], with_older_men, 5) is None  # 1 - 1: nothing follows


@st.composite
def populations(draw):
    count = draw(st.integers(5, 24))
    dims = draw(st.integers(1, 3))
    labels = [draw(st.lists(st.sampled_from("abc"[: draw(st.integers(1, 3))]), min_size=count, max_size=count))
              for _ in range(dims)]
    leaf = draw(st.lists(st.sampled_from("XY"), min_size=count, max_size=count))
    return labels, leaf, draw(st.integers(3, 5))


def shown_after_own_rules(labels, k):
    from indicators.disclosure import hide_categories

    out = []
    for lab in labels:
        counts = {c: lab.count(c) for c in set(lab)}
        out.append(set(counts) - hide_categories(counts, k))
    return out


@settings(max_examples=120, deadline=None)
@given(populations())
def test_after_hide_linked_no_small_group_follows(case):
    labels, leaf, k = case
    # an insats is shown when it and the rest of the förbund each hold 0 or at least k
    shown_leaves = [v for v in "XY" if leaf.count(v) >= k and not 0 < len(leaf) - leaf.count(v) < k]
    shown = shown_after_own_rules(labels, k)
    extra = hide_linked(labels, shown, k, leaf=leaf, shown_leaves=shown_leaves)
    final = [s - e for s, e in zip(shown, extra, strict=True)]
    assert all(e <= s for e, s in zip(extra, shown, strict=True))
    # the respondents themselves are the atoms of the brute force (each one its own atom)
    count = len(leaf)
    sets = [range(count)] + [[r for r in range(count) if leaf[r] == v] for v in shown_leaves]
    sets += [[r for r in range(count) if lab[r] == c] for lab, cats in zip(labels, final, strict=True) for c in cats]
    atoms = {}
    for r in range(count):
        atoms.setdefault(tuple(1 if r in set(s) else 0 for s in sets), []).append(r)
    groups = list(atoms.values())
    atom_sets = [[a for a, members in enumerate(groups) if set(members) <= set(s)] for s in sets]
    assert small_derivable_groups([len(g) for g in groups], atom_sets, k) == []


def test_kon_and_alder_through_the_results(app, make_forbund, make_insats):
    """The attack end to end: with kön and åldersgrupp both shown, women + 16-29 - everyone gave
    the only young woman's answer (no older men). One of the two breakdowns is now hidden."""
    from surveys.extensions import db
    from surveys.models import Answer, BackgroundAnswer, Response
    from surveys.results import ResultRequest, build_result_set

    forbund = make_forbund(slug="a")
    insats = make_insats(forbund, "X")
    people = ([(1, "kvinna", "16-29")] + [(6, "kvinna", "30-44")] * 5 + [(4, "man", "16-29")] * 5)
    for n, (value, gender, age) in enumerate(people):
        r = Response(submission_key=f"linked-{n:020d}", forbund_id=forbund.id, insats_id=insats.id,
                     questionnaire="DP", instrument_version="2026.1", measurement_year=2025,
                     submitted_on=dt.date(2025, 3, 1), released=True)
        r.answers.append(Answer(item_id="DP01", value=value))
        r.background.append(BackgroundAnswer(question_id="gender", value=gender))
        r.background.append(BackgroundAnswer(question_id="age_group", value=age))
        db.session.add(r)
    db.session.commit()
    rs = build_result_set(ResultRequest(forbund=forbund, years=(2025,), groups=("DP",)))
    shown = {(row.dimension, cell.category): cell.result.n for row in rs.breakdowns
             if row.kind == "item" and row.target == "DP01" for cell in row.categories if cell.result.n}
    assert not ({("gender", "kvinna"), ("age_group", "16-29")} <= set(shown))
    assert shown.get(("age_group", "16-29")) == 6 or shown.get(("gender", "kvinna")) == 6  # one still shown
