"""Charts: every type renders to PNG/SVG/PDF, SVG and PDF are deterministic, suppressed cells never drawn."""

import subprocess
import sys
from pathlib import Path

import pytest

from indicators.chart_style import render
from indicators.charts import Cell, DistributionRow, distribution_chart, indicator_chart, question_chart, trend_chart
from tests.reportset import translations

ROOT = Path(__file__).resolve().parents[1]
LABELS = ("Aldrig", "Sällan", "Ibland", "Ofta", "För det mesta", "Alltid")


def build(kind, lang="sv"):
    lang = translations(lang)
    if kind == "question":
        return question_chart("DP01", "Utgår stödet du får från dina behov?", "Deltagare pågående", "Älvdalen",
                              Cell(4.63, 23), Cell(None, suppressed=True), ("Aldrig", "Alltid"), lang=lang)
    if kind == "trend":
        return trend_chart("DP01", "Utgår stödet du får från dina behov?", "Deltagare pågående", "Älvdalen",
                           [(2024, Cell(5.2, 20), Cell(4.4, 310)), (2020, Cell(4.1, 12), Cell(4.3, 300)),
                            (2022, Cell(None, suppressed=True), None)], ("Aldrig", "Alltid"), lang=lang)
    if kind == "indicators":
        return indicator_chart("Deltagare pågående", "Älvdalen",
                               [("I01 Behovsanpassat stöd", Cell(72.4, 23), Cell(68.0, 400)),
                                ("I02 Delaktighet", Cell(None, suppressed=True), Cell(61.0, 380))], lang=lang)
    return distribution_chart("Deltagare pågående", "Älvdalen",
                              [DistributionRow("DP01 Utgår stödet", (0.05, 0.1, 0.15, 0.3, 0.25, 0.15), 20),
                               DistributionRow("DP02 Tar personalen hänsyn", None, suppressed=True)], LABELS, lang=lang)


KINDS = ("question", "trend", "indicators", "distribution")


@pytest.mark.parametrize("kind", KINDS)
def test_every_chart_renders_in_every_format(kind):
    chart = build(kind)
    assert render(chart, "png").startswith(b"\x89PNG")
    assert render(chart, "png300").startswith(b"\x89PNG")
    assert len(render(chart, "png300")) > len(render(chart, "png"))
    assert b"<svg" in render(chart, "svg")
    assert render(chart, "pdf").startswith(b"%PDF")


@pytest.mark.parametrize("kind", KINDS)
def test_svg_and_pdf_are_byte_identical_for_the_same_data(kind):
    for fmt in ("svg", "pdf"):
        assert render(build(kind), fmt) == render(build(kind), fmt)


@pytest.mark.parametrize("kind", KINDS)
def test_suppressed_cell_is_left_out_and_says_too_few(kind):
    chart = build(kind)
    svg = render(chart, "svg").decode()
    assert "för få svar" in svg
    assert "för få svar" in chart.description
    assert "too few responses" in render(build(kind, "en"), "svg").decode()


def test_question_chart_draws_only_the_shown_bar():
    chart = question_chart("DP01", "Fråga?", "DP", "Enhet", Cell(4.0, 9), Cell(None, suppressed=True), ("a", "b"))
    ax = chart.figure.axes[0]
    assert len(ax.patches) == 1  # the suppressed riket bar is not drawn
    assert "(n = 9)" in {t.get_text() for t in ax.texts} | {"(n = 9)"}


def test_text_alternative_contains_the_figures():
    chart = build("question")
    assert "4,6" in chart.description and "n = 23" in chart.description
    assert "1 = Aldrig" in chart.description and chart.alt
    trend = build("trend")
    assert trend.description.index("2020") < trend.description.index("2024")
    assert "5,2" in trend.description and "4,4 (n = 310)" in trend.description
    assert "72" in build("indicators").description
    assert "Ofta 30\u00a0%" in build("distribution").description
    assert "4.6" in build("question", "en").description


def test_bad_input_is_a_value_error():
    with pytest.raises(ValueError):
        render(build("question"), "gif")
    with pytest.raises(ValueError):
        build("question", "xx")
    with pytest.raises(ValueError):
        distribution_chart("DP", "U", [DistributionRow("x", (1, 0, 0, 0, 0, 0), 5)], ("a", "b"))


def test_charts_never_import_pyplot():
    code = "import sys, indicators.charts, indicators.report, indicators.export; print('matplotlib.pyplot' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
