"""Expected figures for ``tests/test_results_json.py``, computed by hand: plain Python arithmetic
and scipy.stats.t only (no indicators code), and the disclosure rules (hierarchy, indicators from
shown items, riket utom förbundet from three other förbund) written out again here."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from indicators.catalogue import get_instrument
from tests.stats_reference import mean_interval_ref, wilson_ref

INST = get_instrument("2026.1")
THRESHOLD = 5

#: (group, target) -> (mean, sd, n): rows with sd and n get Welch, bare means a one-sample test.
IMPORTED = {
    ("DP", "DP01"): (4.2, 1.1, 800),
    ("DP", "DP03"): (3.9, None, None),
    ("PE", "PE05"): (4.6, 0.9, 300),
    ("DP", "I01"): (4.4, 0.8, 700),
    ("DP", "I02"): (4.0, None, None),
}


def stats_of(values):
    n = len(values)
    if n == 0:
        return None
    mean = sum(values) / n
    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1)) if n > 1 else None
    return {"n": n, "mean": mean, "sd": sd}


def item_expected(values):
    s = stats_of(values)
    if s is None or s["n"] < THRESHOLD:
        return None
    low, high = mean_interval_ref(values)
    positive = sum(1 for v in values if v >= 4)
    sp_low, sp_high = wilson_ref(positive, s["n"])
    return {**s, "ci_low": low, "ci_high": high, "share_positive": positive / s["n"],
            "share_positive_ci_low": sp_low, "share_positive_ci_high": sp_high}


def welch_p(m1, s1, n1, m2, s2, n2):
    v1, v2 = s1 ** 2 / n1, s2 ** 2 / n2
    if v1 + v2 == 0:
        return None
    t = (m1 - m2) / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1 ** 2 / (n1 - 1) + v2 ** 2 / (n2 - 1))
    return 2 * stats.t.sf(abs(t), df)


def one_sample_p(m, s, n, mu):
    if s == 0:
        return None
    t = (m - mu) / (s / math.sqrt(n))
    return 2 * stats.t.sf(abs(t), n - 1)


def valid(records, item, pick):
    return [a[item] for r in records if pick(r) for a in [r[3]] if a.get(item) is not None]


def indicator_expected(records, group, indicator, pick, items=None):
    items = INST.indicator_items(group, indicator) if items is None else items
    rows = [r for r in records if pick(r) and r[2] == group]
    means = [stats_of(valid(rows, i, lambda r: True)) for i in items]
    means = [m["mean"] for m in means if m is not None]
    scores = []
    for r in rows:
        vals = [r[3][i] for i in items if r[3].get(i) is not None]
        if vals:
            scores.append(sum(vals) / len(vals))
    if len(scores) < THRESHOLD:
        return None
    mean = sum(means) / len(means)
    s = stats_of(scores)
    return {"n": s["n"], "mean": mean, "index": (mean - 1) / 5 * 100, "score_mean": s["mean"], "score_sd": s["sd"],
            "se": indicator_se_expected(rows, items) if overlap_allowed(rows, items) else None}


def overlap_allowed(rows, items):
    """D1 by hand: the standard error is shown only when, for every two items, the respondents
    who answered both are 0 or at least k."""
    for n, a in enumerate(items):
        for b in items[n + 1:]:
            both = sum(1 for r in rows if r[3].get(a) is not None and r[3].get(b) is not None)
            if 0 < both < THRESHOLD:
                return False
    return True


def indicator_se_expected(rows, items):
    """sqrt of (1/m^2) sum_ab n_ab / (n_a n_b) cov_ab over the items used (pairwise complete)."""
    total = 0.0
    for a in items:
        for b in items:
            pairs = [(r[3][a], r[3][b]) for r in rows if r[3].get(a) is not None and r[3].get(b) is not None]
            if len(pairs) < 2:
                continue
            ma = sum(x for x, _ in pairs) / len(pairs)
            mb = sum(y for _, y in pairs) / len(pairs)
            cov = sum((x - ma) * (y - mb) for x, y in pairs) / (len(pairs) - 1)
            total += len(pairs) / (len(valid(rows, a, lambda r: True)) * len(valid(rows, b, lambda r: True))) * cov
    return math.sqrt(total) / len(items)


def se_p(diff, se1, df1, se2=None, df2=None):
    """Two-sided p of diff with se1 (df1), plus an independent se2 (df2) by Welch-Satterthwaite."""
    if se2 is None:
        return None if se1 == 0 else 2 * stats.t.sf(abs(diff / se1), df1)
    v1, v2 = se1**2, se2**2
    df = (v1 + v2) ** 2 / (v1**2 / df1 + v2**2 / df2)
    return 2 * stats.t.sf(abs(diff / math.sqrt(v1 + v2)), df)


def check_families(out):
    """q-values: Benjamini-Hochberg per year over every tested entry (scipy's reference); the
    interval of the difference excludes 0 exactly when p < 0.05; ST and CH carry no test."""
    entries = out["items"] + out["indicators"]
    family_sizes = []
    for year in out["years"]:
        tested = [e for e in entries if e["year"] == year and e.get("p_value") is not None]
        if not tested:
            continue
        family_sizes.append(len(tested))
        q = stats.false_discovery_control([e["p_value"] for e in tested], method="bh")
        for e, qe in zip(tested, q, strict=True):
            assert e["q_value"] == approx(qe)
            assert e["significant"] == (qe < 0.05)
            assert (e["difference_ci_low"] > 0 or e["difference_ci_high"] < 0) == (e["p_value"] < 0.05)
    for e in entries:
        if e["group"] in ("ST", "CH") and "p_value" in e:
            assert e["p_value"] is None and e["q_value"] is None and e["significant"] is None
            if e["difference"] is not None:
                assert e["no_test_reason"] == "census" and e["index_difference"] == approx(e["difference"] * 20)
    return sum(family_sizes)


def hidden_leaves(per_leaf, total):
    """Hierarchy rule by hand: insatser below k hidden, then the smallest shown until the rest is 0 or >= k."""
    hidden = {leaf for leaf, n in per_leaf.items() if n < THRESHOLD}
    shown = sorted((n, leaf) for leaf, n in per_leaf.items() if leaf not in hidden)
    residual = total - sum(n for n, _leaf in shown)
    while 0 < residual < THRESHOLD and shown:
        n, leaf = shown.pop(0)
        hidden.add(leaf)
        residual += n
    return hidden


def view_shows(records, group, view, count):
    """Does `view` ((förbund, None) or (förbund, insats)) show the quantity `count(rows)`?"""
    slug, insats = view
    rows = [r for r in records if r[0] == slug and r[2] == group]
    total = count(rows)
    if total < THRESHOLD:
        return False
    if insats is None:
        return True
    leaves = {r[1] for r in records if r[0] == slug and r[1]}
    per_leaf = {leaf: count([r for r in rows if r[1] == leaf]) for leaf in leaves}
    return insats not in hidden_leaves(per_leaf, total)


def item_shown(records, group, item, view):
    return view_shows(records, group, view, lambda rows: len(valid(rows, item, lambda r: True)))


def indicator_items(records, group, indicator, view):
    """The items an indicator uses in a view (scoring rule 3), or None when it is hidden."""
    items = INST.indicator_items(group, indicator)
    used = [i for i in items if item_shown(records, group, i, (view[0], None))]
    if not used or any(not item_shown(records, group, i, view) for i in used):
        return None
    n = lambda rows: sum(1 for r in rows if any(r[3].get(i) is not None for i in used))  # noqa: E731
    return used if view_shows(records, group, view, n) else None


def riket_allowed(records, group, count, own):
    """D3 by hand: at least three förbund other than `own` with count >= k."""
    others = {r[0] for r in records} - {own}
    return sum(1 for f in others if count([r for r in records if r[0] == f and r[2] == group]) >= THRESHOLD) >= 3


def approx(x):
    return pytest.approx(x, rel=1e-9, abs=1e-12)


def contributors(records, group, items):
    return {r[0] for r in records if r[2] == group and any(r[3].get(i) is not None for i in items)}


def check_items(out, records, unit_pick, reference, view=("fa", None)):
    """Every item entry of every group: unit figures, and against riket utom förbundet."""
    seen = 0
    for entry in out["items"]:
        group, item = entry["group"], entry["id"]
        rows = [r for r in records if r[2] == group]
        exp = item_expected(valid(rows, item, unit_pick))
        if exp is not None and not item_shown(records, group, item, view):
            exp = None
            assert entry["hidden_reason"] == "protect"
        if exp is None:
            assert entry["suppressed"] is True
            for key in ("n", "mean", "sd", "ci_low", "ci_high", "share_positive", "difference", "p_value"):
                assert entry.get(key) is None, (item, key)
            continue
        seen += 1
        assert entry["suppressed"] is False
        assert entry["n"] == exp["n"]
        for key in ("mean", "sd", "ci_low", "ci_high", "share_positive", "share_positive_ci_low",
                    "share_positive_ci_high"):
            assert entry[key] == approx(exp[key]), (group, item, key)
        if reference == "none":
            assert "reference_mean" not in entry
            continue
        if reference == "computed":
            ref_values = valid(rows, item, lambda r: r[0] != view[0])
            ref = stats_of(ref_values)
            if not riket_allowed(records, group, lambda rs: len(valid(rs, item, lambda r: True)), view[0]):  # noqa: B023
                assert entry["reference_mean"] is None and entry["reference_n"] is None and entry["p_value"] is None
                continue
            assert entry["reference_mean"] == approx(ref["mean"])
            assert entry["reference_n"] == ref["n"]
            assert entry["difference"] == approx(exp["mean"] - ref["mean"])
            ref_share = sum(1 for v in ref_values if v >= 4) / ref["n"]
            assert entry["share_positive_difference"] == approx(exp["share_positive"] - ref_share)
            p = welch_p(exp["mean"], exp["sd"], exp["n"], ref["mean"], ref["sd"], ref["n"])
        else:  # imported: reference rows with and without sd/n (see IMPORTED)
            ref = IMPORTED.get((group, item))
            if ref is None:
                assert entry["reference_mean"] is None and entry["difference"] is None
                continue
            assert entry["reference_mean"] == approx(ref[0])
            assert entry["difference"] == approx(exp["mean"] - ref[0])
            if ref[1] is None:
                p = one_sample_p(exp["mean"], exp["sd"], exp["n"], ref[0])
                assert entry["test"] == "one_sample"
            else:
                p = welch_p(exp["mean"], exp["sd"], exp["n"], ref[0], ref[1], ref[2])
                assert entry["test"] == "welch"
        assert entry["index_difference"] == approx(entry["difference"] / 5 * 100)
        if group in ("ST", "CH"):  # near-censuses: no test (Scoring rule 7)
            assert entry["p_value"] is None
            continue
        assert entry["p_value"] == approx(p)
    return seen


def check_indicators(out, records, unit_pick, reference, view=("fa", None)):
    seen = 0
    for entry in out["indicators"]:
        group, ind = entry["group"], entry["id"]
        used = indicator_items(records, group, ind, view)
        exp = indicator_expected(records, group, ind, unit_pick, used) if used else None
        if exp is None:
            assert entry["suppressed"] is True
            for key in ("n", "mean", "index", "difference", "p_value"):
                assert entry.get(key) is None, (group, ind, key)
            continue
        seen += 1
        assert entry["items"] == used
        assert entry["n"] == exp["n"]
        assert entry["mean"] == approx(exp["mean"])
        assert entry["index"] == approx(exp["index"])
        if reference == "none":
            assert "reference_mean" not in entry
            continue
        if reference == "computed":
            ref = indicator_expected(records, group, ind, lambda r: r[0] != view[0], used)
            n_used = lambda rows: sum(1 for r in rows if any(r[3].get(i) is not None for i in used))  # noqa: E731, B023
            # D3 for the indicator, and for the riket of every item it averages (else riket
            # indicator minus riket items would give a hidden item's riket).
            items_allowed = all(
                riket_allowed(records, group, lambda rows, i=i: len(valid(rows, i, lambda r: True)), view[0])
                for i in used)
            if not riket_allowed(records, group, n_used, view[0]) or not items_allowed:
                assert entry["reference_mean"] is None and entry["reference_n"] is None
                continue
            assert entry["reference_mean"] == approx(ref["mean"])
            assert entry["reference_index"] == approx(ref["index"])
            assert entry["reference_n"] == ref["n"]
            assert entry["difference"] == approx(exp["mean"] - ref["mean"])
            # The test is of the mean of item means, with its variance from the item covariances.
            p = (None if exp["se"] is None or ref["se"] is None
                 else se_p(exp["mean"] - ref["mean"], exp["se"], exp["n"] - 1, ref["se"], ref["n"] - 1))
        else:
            ref = IMPORTED.get((group, ind))
            if ref is None:
                assert entry["reference_mean"] is None
                continue
            assert entry["difference"] == approx(exp["mean"] - ref[0])
            p = (None if exp["se"] is None
                 else se_p(exp["mean"] - ref[0], exp["se"], exp["n"] - 1) if ref[1] is None
                 else se_p(exp["mean"] - ref[0], exp["se"], exp["n"] - 1, ref[1] / math.sqrt(ref[2]), ref[2] - 1))
        assert entry["index_difference"] == approx(entry["difference"] / 5 * 100)
        if group in ("ST", "CH"):
            assert entry["p_value"] is None
            continue
        if p is None:
            assert entry["p_value"] is None and entry["difference_ci_low"] is None
            assert entry["no_test_reason"] == "few_overlap"
            continue
        assert entry["p_value"] == approx(p)
    return seen
