"""Print-ready charts: for every chart type × every item of the default instrument × sv/en, each
rendered text lies inside the figure and overlaps no other text; legends and text alternatives
use each item's own scale; user text never reaches the maths parser."""

import pytest

from indicators.catalogue import get_instrument
from indicators.chart_style import render
from indicators.charts import Cell, DistributionRow, distribution_chart, question_chart
from indicators.report_data import all_charts, chart_by_name, chart_names
from tests.chartcheck import layout_problems
from tests.reportset import synthetic_result_set, translations


@pytest.fixture(scope="module")
def rs():
    return synthetic_result_set()


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_every_chart_of_every_item_fits_and_has_no_overlapping_text(rs, lang):
    inst = get_instrument()
    problems = {}
    for chart in all_charts(rs, inst, 2024, lang=translations(lang)):
        found = layout_problems(chart.figure)
        if found:
            problems[chart.name] = found
    assert not problems, problems


def test_layout_check_catches_a_clipped_title():
    chart = question_chart("DP01", "Utgår stödet", "Deltagare", "Enhet", Cell(4.0, 9), None, ("a", "b"))
    chart.figure.suptitle("Ett mycket långt ord " * 12, x=0.02, ha="left")  # unwrapped: beyond the edge
    assert any("outside" in p for p in layout_problems(chart.figure))


def test_every_item_chart_exists_for_the_default_instrument(rs):
    inst = get_instrument()
    names = {name for name, _ in chart_names(rs, 2024)}
    for group, q in inst.questionnaires.items():
        if group in rs.groups:
            for item in q.items:
                assert f"fraga-{item.id}-2024" in names and f"trend-{item.id}" in names


def test_answers_charts_use_each_items_own_scale(rs):
    inst = get_instrument()
    degree = inst.scales["degree"].labels["sv"]
    frequency = inst.scales["frequency"].labels["sv"]
    for group in ("DP", "DA"):
        charts = [chart_by_name(rs, inst, 2024, name) for name, _ in chart_names(rs, 2024)
                  if name.startswith(f"svarsfordelning-{group}-")]
        scales = {r.scale_id for r in rs.items_for(group, 2024)}
        assert len(charts) == len(scales) == 2
        for chart in charts:
            legend = [t.get_text() for t in chart.figure.axes[0].get_legend().get_texts()]
            described = chart.description
            items = [r for r in rs.items_for(group, 2024) if f"{r.item_id} " in described]
            (scale,) = {r.scale_id for r in items}
            labels = inst.scales[scale].labels["sv"]
            assert [t.replace("\n", " ") for t in legend] == list(labels)
            other = degree if labels == frequency else frequency
            assert not any(f" {label} " in described for label in other if label not in labels)
    da11 = chart_by_name(rs, inst, 2024, "fraga-DA11-2024")
    assert "1 = Inte alls" in da11.description and "Aldrig" not in da11.description


def test_user_text_with_dollars_is_never_maths():
    chart = question_chart("DP01", "Kostar $x$ och $$ mer?", "Deltagare", "Insats $\\alpha$ & co",
                           Cell(4.0, 9), Cell(4.2, 100), ("a", "b"), source="Källa: $förbund$")
    svg = render(chart, "svg").decode()
    assert "Kostar $x$ och $$ mer?" in svg.replace("&#36;", "$")
    rows = [DistributionRow("DP01 $a$", (0.1, 0.1, 0.2, 0.2, 0.2, 0.2), 10)]
    render(distribution_chart("G", "$U$", rows, ("$1", "2", "3", "4", "5", "6$")), "pdf")


def test_chart_carries_a_source_line_and_significance_mark(rs):
    inst = get_instrument()
    chart = chart_by_name(rs, inst, 2024, "indikatorer-DP-2024")
    texts = [t.get_text().replace("\n", " ") for t in chart.figure.findobj(lambda a: hasattr(a, "get_text"))]
    source = next(t for t in texts if t.startswith("Källa:"))
    assert "Samordningsförbundet Testbygden" in source and "2023" in source and "n = 24" in source
    assert "Testkälla riksvärden 2024" in source and "DEMODATA" in source
    significant = [r for r in rs.indicators_for("DP", 2024) if r.comparison and r.comparison.significant]
    assert significant  # the synthetic set has a significant DP indicator (I13)
    assert any(t.endswith(" *") or " * (n" in t for t in texts)
    assert "statistiskt säkerställd" in source or any("statistiskt säkerställd" in t for t in texts)
