"""The generated summary: each sentence follows one rule; no sentence claims a difference that is
not significant. Figures are computed independently in the test (scipy for the change test)."""

import dataclasses

import pytest
from scipy import stats

from indicators.catalogue import get_instrument
from indicators.compare import Comparison
from indicators.i18n import Tr
from indicators.summary import change_sentence, changes, left_out_sentence, period_sentence, reference_sentence, summary
from tests.reportset import synthetic_result_set, translations

INST = get_instrument()
SV = Tr("sv")


@pytest.fixture(scope="module")
def rs():
    return synthetic_result_set(years=(2022, 2024))


def with_comparisons(rs, year, chosen):
    """Every indicator comparison of ``year`` not significant, except ``chosen``: (group, id) -> diff."""
    rows = []
    for r in rs.indicators:
        if r.year == year and r.comparison is not None and r.comparison.compared:
            diff = chosen.get((r.group, r.indicator_id))
            sig = diff is not None
            r = dataclasses.replace(r, comparison=Comparison(True, difference=diff if sig else 0.9, p_value=0.01 if sig
                                                             else 0.2, significant=sig))
        rows.append(r)
    return dataclasses.replace(rs, indicators=tuple(rows))


def test_period_sentence_gives_n_per_reported_group(rs):
    text = period_sentence(rs, INST, 2024, SV)
    counts = {g: rs.response_count(g, 2024) for g in rs.groups}
    total = sum(n for n in counts.values() if n is not None)
    assert text.startswith(f"Mätåret 2024 (1 november 2023 – 31 oktober 2024) redovisas {total} enkätsvar:")
    assert "deltagare pågående 24" in text and "chefer i samverkan 7" in text
    assert "förbundsstyrelsens" not in text  # ST has 3 < 5 responses


def test_left_out_sentence_names_the_groups_below_the_threshold(rs):
    assert left_out_sentence(rs, INST, 2024, SV) == ("Gruppen förbundsstyrelsens ledamöter ingår inte i "
                                                      "redovisningen eftersom färre än 5 enkätsvar kom in.")
    assert left_out_sentence(rs, INST, 2022, SV) is None  # every group had 7+ responses in 2022


def test_left_out_sentence_gives_the_reason_of_a_protected_group(rs):
    """A count hidden to protect a smaller group is not "fewer than 5" (it may be many more)."""
    counts = {key: n for key, n in rs.response_counts.items() if key != ("DA", 2024)}
    protected = dataclasses.replace(rs, response_counts=counts,
                                    response_count_reasons={("DA", 2024): "protect", ("ST", 2024): "too_few"})
    assert left_out_sentence(protected, INST, 2024, SV) == (
        "Gruppen förbundsstyrelsens ledamöter ingår inte i redovisningen eftersom färre än 5 enkätsvar kom in. "
        "Gruppen deltagare avslut ingår inte i redovisningen, för att svaren i en mindre grupp inte ska kunna "
        "räknas fram.")


def test_reference_sentence_counts_only_significant_differences(rs):
    compared = [r for r in rs.indicators if r.year == 2024 and r.comparison is not None and r.comparison.compared]
    chosen = {("DP", "I01"): 0.5, ("DA", "I02"): -0.4, ("PE", "I06"): 0.3}
    text = reference_sentence(with_comparisons(rs, 2024, chosen), INST, 2024, SV)
    assert f"Av {len(compared)} indikatorvärden" in text
    assert "ligger 2 statistiskt säkerställt över riket och 1 statistiskt säkerställt under" in text
    assert f"För {len(compared) - 3} är skillnaden mot riket inte statistiskt säkerställd." in text
    assert "Över riket: I01 (deltagare pågående) och I06 (personal i insatser)." in text
    assert "Under riket: I02 (deltagare avslut)." in text
    # a large but non-significant difference (0.9) is never named
    none = reference_sentence(with_comparisons(rs, 2024, {}), INST, 2024, SV)
    assert "ligger 0 statistiskt säkerställt över riket och 0" in none and "Över riket" not in none


def test_reference_sentence_without_reference():
    rs = synthetic_result_set(years=(2024,), reference="none")
    assert reference_sentence(rs, INST, 2024, SV) == "Resultaten jämförs inte med riket."


def test_change_sentence_lists_only_significant_changes_largest_first(rs):
    previous, found = changes(rs, 2024)
    assert previous == 2022
    for change in found:
        before = rs.indicator(change.group, change.indicator_id, 2022).result
        after = rs.indicator(change.group, change.indicator_id, 2024).result
        p = stats.ttest_ind_from_stats(after.score_mean, after.score_sd, after.n, before.score_mean,
                                       before.score_sd, before.n, equal_var=False).pvalue
        assert p < 0.05 and change.p_value == pytest.approx(p)
    # make DP I01 2024 clearly higher with a small spread: then it is the one significant change
    rows = []
    for r in rs.indicators:
        if r.year == 2024 and (r.group, r.indicator_id) == ("DP", "I01"):
            res = dataclasses.replace(r.result, score_mean=5.9, score_sd=0.1, mean=5.9, index=98.0)
            r = dataclasses.replace(r, result=res)
        rows.append(r)
    changed = dataclasses.replace(rs, indicators=tuple(rows))
    before = rs.indicator("DP", "I01", 2022).result
    p = stats.ttest_ind_from_stats(5.9, 0.1, changed.indicator("DP", "I01", 2024).result.n, before.score_mean,
                                   before.score_sd, before.n, equal_var=False).pvalue
    assert p < 0.05
    text = change_sentence(changed, INST, 2024, SV)
    _, found_changed = changes(changed, 2024)
    assert ("DP", "I01") in {(c.group, c.indicator_id) for c in found_changed}
    sizes = [abs(c.difference) for c in found_changed]
    assert sizes == sorted(sizes, reverse=True)
    listed = [f"{c.indicator_id} ({c.group})" for c in found_changed[:3]]
    groups = {"DP": "deltagare pågående", "DA": "deltagare avslut", "PE": "personal i insatser",
              "CH": "chefer i samverkan", "ST": "förbundsstyrelsens ledamöter"}
    positions = []
    for c in found_changed[:3]:
        part = (f"{c.indicator_id} ({groups[c.group]}) från {SV.number(c.before, 0)} till {SV.number(c.after, 0)}")
        assert part in text
        positions.append(text.index(part))
    assert positions == sorted(positions) and listed
    assert "I01 (deltagare pågående) från" in text and "till 98" in text


def test_no_change_sentence_for_one_year_and_honest_when_nothing_changed():
    one = synthetic_result_set(years=(2024,))
    assert change_sentence(one, INST, 2024, SV) is None
    rs = synthetic_result_set(years=(2022, 2024))
    _, found = changes(rs, 2024)
    if not found:
        assert change_sentence(rs, INST, 2024, SV) == "Ingen förändring sedan mätåret 2022 är statistiskt säkerställd."


def test_summary_in_english_comes_from_the_catalogue(rs):
    text = " ".join(summary(rs, INST, 2024, lang=translations("en")))
    assert "For the measurement year 2024" in text and "are significantly above" in text
    assert "Mätåret" not in text


def test_no_change_test_where_the_indicator_interval_is_withheld(rs):
    # D1: the scores' sd holds how the few who answered both of two items paired their answers;
    # where the indicator's interval is withheld, the year-over-year test is not run either.
    def with_dp_i01_2024(**fields):
        rows = tuple(dataclasses.replace(r, result=dataclasses.replace(r.result, **fields))
                     if r.year == 2024 and (r.group, r.indicator_id) == ("DP", "I01") else r for r in rs.indicators)
        return dataclasses.replace(rs, indicators=rows)

    clear = with_dp_i01_2024(score_mean=5.9, score_sd=0.1, mean=5.9, index=98.0)
    hidden = with_dp_i01_2024(score_mean=5.9, score_sd=0.1, mean=5.9, index=98.0, se=None, interval_hidden=True)
    assert ("DP", "I01") in {(c.group, c.indicator_id) for c in changes(clear, 2024)[1]}
    assert ("DP", "I01") not in {(c.group, c.indicator_id) for c in changes(hidden, 2024)[1]}
