"""Imported once by the chart workers' fork server (see :mod:`indicators.report_render`), never
by the web or job processes: it loads what every chart needs (matplotlib's Agg, SVG and PDF
writers, the font list, the DejaVu faces in regular, bold and italic, Pillow) and draws one small
chart, so each worker forked from the server starts warm instead of paying that on its first
charts (about a second a worker). Pure; it keeps nothing but matplotlib's and this package's
caches of fonts and text measurements.
"""

from __future__ import annotations

import matplotlib.backends.backend_agg  # noqa: F401 - loaded here, shared by every worker
import matplotlib.backends.backend_pdf  # noqa: F401
import matplotlib.backends.backend_svg  # noqa: F401
import PIL.Image  # noqa: F401
import PIL.PngImagePlugin  # noqa: F401

from .chart_style import render_formats
from .charts import Cell, question_chart, trend_chart


def _warm() -> None:
    chart = question_chart("DP01", "Utgår stödet du får från dina behov?", "Deltagare", "Förbundet",
                           Cell(4.2, 20, significant=True), Cell(None, suppressed=True), ("Aldrig", "Alltid"),
                           source="Källa: förbundet · n = 20", demo=True)
    render_formats(chart, ("png300", "png200"))
    trend = trend_chart("DP01", "Utgår stödet?", "Deltagare", "Förbundet",
                        [(2023, Cell(4.0, 12), Cell(4.4, 300)), (2024, Cell(5.2, 20), None)], ("Aldrig", "Alltid"))
    render_formats(trend, ("png300",))


_warm()
