"""The report package carries main's disclosure and statistics: hidden reasons, CIs, q, census groups,
riket utom förbundet, the method facts and the breakdown export."""

from __future__ import annotations

import dataclasses

import pytest

from indicators.catalogue import get_instrument
from indicators.report_content import build_document
from indicators.report_data import (
    indicator_table,
    item_table,
    method_facts,
    question_charts,
    reference_label,
    source_line,
)
from indicators.scoring import IndicatorResult, ItemResult
from indicators.summary import change_test
from tests.reportset import synthetic_result_set, translations

INST = get_instrument()
SV = translations("sv")
EN = translations("en")


def hide(rs, group, year, item_id, reason):
    """The result set with one question of ``group`` hidden for ``reason``."""
    rows = [dataclasses.replace(r, result=ItemResult(item_id, True), reference=None, comparison=None,
                                hidden_reason=reason)
            if (r.group, r.year, r.item_id) == (group, year, item_id) else r for r in rs.items]
    return dataclasses.replace(rs, items=tuple(rows))


@pytest.fixture(scope="module")
def rs():
    return synthetic_result_set()


def test_item_table_has_the_interval_q_and_effect_columns(rs):
    table = item_table(rs, INST)
    col = {h: k for k, h in enumerate(table.header)}
    for h in ("Andel positiva KI 95 % låg (%)", "Andel positiva KI 95 % hög (%)", "Signifikant (q < 0,05)",
              "Skillnad KI 95 % låg", "Skillnad KI 95 % hög", "q-värde (Benjamini–Hochberg)",
              "Skillnad (indexenheter)", "Skillnad andel positiva (procentenheter)"):
        assert h in col
    row = next(r for r in rs.items if (r.group, r.year) == ("DP", 2024) and not r.result.suppressed)
    cells = next(t for t in table.rows if (t[0], t[1], t[2]) == (2024, "DP", row.item_id))
    res, cmp = row.result, row.comparison
    assert cells[col["Andel positiva KI 95 % låg (%)"]] == round(res.share_positive_ci_low * 100, 1)
    assert cells[col["Andel positiva KI 95 % hög (%)"]] == round(res.share_positive_ci_high * 100, 1)
    assert cells[col["Skillnad KI 95 % låg"]] == round(cmp.difference_ci_low, 2)
    assert cells[col["q-värde (Benjamini–Hochberg)"]] == round(cmp.q_value, 4)
    # index points: the difference on the 1–6 scale times 100 / 5
    assert cells[col["Skillnad (indexenheter)"]] == pytest.approx(round(cmp.difference * 20, 1), abs=0.051)
    assert len(table.header) == len(cells)
    en = item_table(rs, INST, lang=EN)
    assert "Share positive 95% CI low (%)" in en.header and "q-value (Benjamini–Hochberg)" in en.header


@pytest.mark.parametrize("reason, text", [("protect", "dolt för att skydda en mindre grupp"),
                                          ("pending", "visas när fler svar har kommit in"),
                                          ("too_few", "för få svar"), (None, "för få svar")])
def test_hidden_rows_say_why_in_tables_charts_and_the_appendix(rs, reason, text):
    hidden = hide(rs, "DP", 2024, "DP01", reason)
    cells = next(t for t in item_table(hidden, INST).rows if (t[0], t[1], t[2]) == (2024, "DP", "DP01"))
    assert cells[-1] == text and all(c is None for c in cells[5:-1])
    chart = next(c for c in question_charts(hidden, INST, 2024, "DP") if "DP01" in c.name or "DP01" in c.alt)
    assert text in chart.description
    doc = build_document(hidden, INST, 2024, SV)
    rows = [row for b in doc.blocks if b.kind == "table" for row in b.rows if row[0].startswith("DP01 ")]
    assert rows and text in rows[0]


def test_hidden_indicator_note_in_english(rs):
    rows = [dataclasses.replace(r, result=IndicatorResult(r.indicator_id, True), reference=None, comparison=None,
                                hidden_reason="protect")
            if (r.group, r.year, r.indicator_id) == ("PE", 2024, "I01") else r for r in rs.indicators]
    table = indicator_table(dataclasses.replace(rs, indicators=tuple(rows)), INST, lang=EN)
    row = next(t for t in table.rows if t[:3] == (2024, "PE", "I01"))
    assert row[-1] == "hidden to protect a smaller group"


def test_census_groups_get_their_reason_line_and_no_marks(rs):
    doc = build_document(rs, INST, 2024, SV)
    tables = {b.caption.split(":")[0]: b for b in doc.blocks if b.kind == "table" and "resultat per fråga" in b.caption}
    assert "q < 0,05" in tables["DP"].note and "Benjamini–Hochberg" in tables["DP"].note
    for group in ("CH", "ST"):
        assert tables[group].note.startswith("Styrelse och chefsgrupp: inga p-värden")
        assert not any(row[-1].endswith("*") for row in tables[group].rows)


def test_computed_riket_excludes_the_own_forbund():
    computed = synthetic_result_set(reference="computed")
    assert reference_label(computed, SV) == "Riket utom förbundet"
    assert reference_label(computed, EN) == "Sweden excluding the association"
    assert "riket utom förbundet" in source_line(computed, 2024, "DP", SV)
    facts = dict(method_facts(computed, INST, 2024))
    assert facts["Jämförelse"] == "Riket utom förbundet (beräknat i installationen)"
    assert "visas när fler svar har kommit in" in facts["Skydd av enskilda svar"]
    assert "Benjamini–Hochberg" in facts["Tolkning"] and "Wilsons intervall" in facts["Tolkning"]
    en = dict(method_facts(computed, INST, 2024, lang=EN))
    assert en["Comparison"] == "Sweden excluding the association (computed in this installation)"
    assert "hidden to protect a smaller group" in en["Protecting individual answers"]


def test_response_rate_in_the_method_facts(rs):
    with_asked = dataclasses.replace(rs, asked={("DP", 2024): 48, ("DA", 2024): 10})
    facts = dict(method_facts(with_asked, INST, 2024))
    dp = next(v for k, v in facts.items() if k.startswith("Svar:") and "pågående" in k)
    da = next(v for k, v in facts.items() if k.startswith("Svar:") and "avslut" in k)
    assert dp == "24 (50 % av 48 tillfrågade)"  # 24 answers of 48 asked
    assert da == "12 (100 % av 10 tillfrågade, fler svar än tillfrågade)"


def test_no_year_over_year_test_for_census_groups(rs):
    for group in ("CH", "DP"):
        ind = next(r.indicator_id for r in rs.indicators_for(group, 2024) if not r.result.suppressed)
        before, after = rs.indicator(group, ind, 2022), rs.indicator(group, ind, 2024)
        if group == "CH":
            assert change_test(before, after) is None
        else:
            assert change_test(before, after) is not None
