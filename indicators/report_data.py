"""From a ResultSet to the report's charts: chart inputs, source lines, names.

Pure. Suppressed cells carry no figure anywhere: charts get suppressed
:class:`~indicators.charts.Cell` objects. The tables (PDF, DOCX, CSV, XLSX) are built in
:mod:`indicators.report_tables` (re-exported here). ``lang`` is a :class:`~indicators.i18n.Tr`
(or "sv").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from .catalogue import Instrument
from .chart_style import Chart
from .charts import Cell, DistributionRow, distribution_chart, indicator_chart, question_chart, trend_chart
from .i18n import N_, Tr, as_tr
from .report_breakdowns import breakdown_table  # noqa: F401 - re-exported (the "Efter bakgrund" export)
from .report_tables import (  # noqa: F401 - re-exported for callers of the old module
    HEADERS,
    REFERENCE_NAMES,
    STATISTICS_TEXT,
    SUPPORT_LABELS,
    Table,
    all_tables,
    indicator_table,
    item_table,
    local_table,
    method_facts,
    method_table,
)
from .results import IndicatorRow, ItemRow, ResultSet


def group_name(inst: Instrument, group: str, lang: str | Tr) -> str:
    names = inst.questionnaires[group].name
    code = lang.lang if isinstance(lang, Tr) else lang
    return names.get(code) or names["sv"]


def scale_labels(inst: Instrument, scale_id: str, lang: str | Tr) -> tuple[str, ...]:
    labels = inst.scales[scale_id].labels
    code = lang.lang if isinstance(lang, Tr) else lang
    return tuple(labels.get(code) or labels["sv"])


def _text(texts: Mapping[str, str], tr: Tr) -> str:
    return texts.get(tr.lang) or texts.get("sv") or ""


# --- cells -----------------------------------------------------------------------------------


def _significant(comparison) -> bool:
    """The tables' rule (:func:`indicators.summary.significant`), so charts mark the same cells."""
    from .summary import significant

    return significant(comparison)


def item_cell(row: ItemRow) -> Cell:
    r = row.result
    if r.suppressed:
        return Cell(None, suppressed=True, reason=row.hidden_reason)
    return Cell(r.mean, r.n, significant=_significant(row.comparison))


def reference_cell(reference, *, index: bool = False) -> Cell:
    """A riket cell; ``Cell(None)`` when the reference has no figure for the cell."""
    if reference is None:
        return Cell(None)
    if reference.suppressed or reference.mean is None:
        return Cell(None, suppressed=bool(reference.suppressed))
    value = (reference.mean - 1) / 5 * 100 if index else reference.mean
    return Cell(value, reference.n)


def indicator_cell(row: IndicatorRow) -> Cell:
    r = row.result
    if r.suppressed:
        return Cell(None, suppressed=True, reason=row.hidden_reason)
    return Cell(r.index, r.n, significant=_significant(row.comparison))


# --- what every chart says about itself ------------------------------------------------------


def reference_label(rs: ResultSet, tr: Tr) -> str:
    """The legend name of the reference: "Riket" for national figures; a computed riket pools
    the other förbund of this installation (the own förbund excluded) and says so."""
    if rs.reference_kind == "computed":
        return tr.gettext(N_("Riket utom förbundet"))
    return tr.gettext(N_("Riket"))


def period(year: int, tr: Tr) -> str:
    """The measurement period of a measurement year (1 November – 31 October)."""
    return tr.gettext(N_("mätperiod 1 nov %(start)d – 31 okt %(end)d")) % {"start": year - 1, "end": year}


def source_line(rs: ResultSet, year: int, group: str | None, tr: Tr, *, years: tuple[int, ...] | None = None) -> str:
    """Unit, period, n, reference and demo: what a chart pasted on its own must still say."""
    unit = rs.forbund_name + (f", {rs.insats_name}" if rs.insats_name else "")
    parts = [tr.gettext(N_("Källa: %(unit)s")) % {"unit": unit}]
    if years and len(years) > 1:
        parts.append(tr.gettext(N_("mätår %(years)s")) % {"years": ", ".join(str(y) for y in years)})
    else:
        parts.append(period(year, tr))
    if group is not None:
        n = rs.response_count(group, year)
        if n is not None:
            parts.append(f"n = {n}")
    if rs.reference_kind == "computed":
        parts.append(tr.gettext(N_("jämfört med riket utom förbundet (övriga förbund i installationen)")))
    elif rs.reference_kind == "imported":
        parts.append(tr.gettext(N_("jämfört med riket: %(source)s")) % {"source": rs.reference_source or "–"})
    if rs.is_demo or rs.reference_is_demo:
        parts.append(tr.gettext(N_("DEMODATA")))
    return " · ".join(parts)


# --- charts ----------------------------------------------------------------------------------


def _named(chart: Chart, name: str) -> Chart:
    return dataclasses.replace(chart, name=name)


def _question_chart(rs: ResultSet, inst: Instrument, year: int, group: str, row: ItemRow, tr: Tr, trend: bool) -> Chart:
    has_ref = rs.reference_kind != "none"
    labels = scale_labels(inst, row.scale_id, tr)
    common = {"lang": tr, "demo": rs.is_demo, "reference_label": reference_label(rs, tr)}
    if trend and len(rs.years) > 1:
        history = rs.item_trend(group, row.item_id)
        points = [(r.year, item_cell(r), reference_cell(r.reference) if has_ref else None) for r in history]
        source = source_line(rs, year, None, tr, years=tuple(r.year for r in history))
        return trend_chart(row.item_id, _text(row.text, tr), group_name(inst, group, tr), rs.unit_label, points,
                           (labels[0], labels[5]), reference=has_ref, source=source, **common)
    return question_chart(row.item_id, _text(row.text, tr), group_name(inst, group, tr), rs.unit_label,
                          item_cell(row), reference_cell(row.reference) if has_ref else None,
                          (labels[0], labels[5]), source=source_line(rs, year, group, tr), **common)


def question_charts(rs: ResultSet, inst: Instrument, year: int, group: str, *, lang: str | Tr = "sv",
                    trend: bool = False) -> list[Chart]:
    """Per-question charts of one group: this year against riket, or over all years when ``trend``."""
    tr = as_tr(lang)
    return [_question_chart(rs, inst, year, group, row, tr, trend) for row in rs.items_for(group, year)]


def overview_chart(rs: ResultSet, inst: Instrument, year: int, group: str, *, lang: str | Tr = "sv") -> Chart:
    tr = as_tr(lang)
    has_ref = rs.reference_kind != "none"
    rows = [(f"{r.indicator_id} {_text(r.name, tr)}", indicator_cell(r),
             reference_cell(r.reference, index=True) if has_ref else None) for r in rs.indicators_for(group, year)]
    title = tr.gettext(N_("Indikatorer %(year)d, index 0–100")) % {"year": year}
    chart = indicator_chart(group_name(inst, group, tr), rs.unit_label, rows, lang=tr, reference=has_ref,
                            title=title, demo=rs.is_demo, source=source_line(rs, year, group, tr),
                            reference_label=reference_label(rs, tr))
    return _named(chart, f"indikatorer-{group}-{year}")


def _scale_parts(rs: ResultSet, year: int, group: str) -> list[tuple[str, tuple[ItemRow, ...]]]:
    """A group's questions split by answer scale, in question order of each scale's first item."""
    parts: dict[str, list[ItemRow]] = {}
    for row in rs.items_for(group, year):
        parts.setdefault(row.scale_id, []).append(row)
    return [(scale, tuple(rows)) for scale, rows in parts.items()]


def _answers_name(group: str, year: int, scale: str, first: bool) -> str:
    return f"svarsfordelning-{group}-{year}" + ("" if first else f"-{scale}")


def answers_charts(rs: ResultSet, inst: Instrument, year: int, group: str, *, lang: str | Tr = "sv") -> list[Chart]:
    """The answer shares of a group: one chart per answer scale, each with its own legend."""
    tr = as_tr(lang)
    parts = _scale_parts(rs, year, group)
    return [_answers_chart(rs, inst, year, group, tr, parts, k) for k in range(len(parts))]


def _answers_chart(rs: ResultSet, inst: Instrument, year: int, group: str, tr: Tr,
                   parts: list[tuple[str, tuple[ItemRow, ...]]], k: int) -> Chart:
    scale, items = parts[k]
    rows = [DistributionRow(f"{r.item_id} {_text(r.text, tr)}", None if r.result.suppressed else r.result.shares,
                            r.result.n, r.result.suppressed, r.hidden_reason) for r in items]
    title = tr.gettext(N_("Svarsfördelning per fråga %(year)d")) % {"year": year}
    if len(parts) > 1:
        first, last = items[0].item_id, items[-1].item_id
        title += f" ({first}–{last})" if first != last else f" ({first})"
    chart = distribution_chart(group_name(inst, group, tr), rs.unit_label, rows, scale_labels(inst, scale, tr),
                               lang=tr, title=title, demo=rs.is_demo, source=source_line(rs, year, group, tr))
    return _named(chart, _answers_name(group, year, scale, k == 0))


def chart_names(rs: ResultSet, year: int) -> list[tuple[str, str]]:
    """(chart name, group) of every chart :func:`all_charts` draws, without drawing them."""
    out = []
    for group in rs.groups:
        items = rs.items_for(group, year)
        if not items:
            continue
        out.append((f"indikatorer-{group}-{year}", group))
        out += [(_answers_name(group, year, scale, k == 0), group) for k, (scale, _) in
                enumerate(_scale_parts(rs, year, group))]
        out += [(f"fraga-{r.item_id}-{year}", group) for r in items]
        if len(rs.years) > 1:
            out += [(f"trend-{r.item_id}", group) for r in items]
    return out


def chart_by_name(rs: ResultSet, inst: Instrument, year: int, name: str, *, lang: str | Tr = "sv") -> Chart | None:
    """Draw one chart of :func:`chart_names`; None for an unknown name."""
    groups = dict(chart_names(rs, year))
    if name not in groups:
        return None
    tr = as_tr(lang)
    group = groups[name]
    kind = name.split("-", 1)[0]
    if kind == "indikatorer":
        return overview_chart(rs, inst, year, group, lang=tr)
    if kind == "svarsfordelning":  # draw only the scale part asked for
        parts = _scale_parts(rs, year, group)
        k = next(k for k, (scale, _) in enumerate(parts) if _answers_name(group, year, scale, k == 0) == name)
        return _answers_chart(rs, inst, year, group, tr, parts, k)
    item_id = name.split("-")[1]
    row = next(r for r in rs.items_for(group, year) if r.item_id == item_id)
    chart = _question_chart(rs, inst, year, group, row, tr, kind == "trend")
    return chart if kind == "trend" else _named(chart, name)


def all_charts(rs: ResultSet, inst: Instrument, year: int, *, lang: str | Tr = "sv") -> list[Chart]:
    """Every chart of a year, in :func:`chart_names` order."""
    return [chart_by_name(rs, inst, year, name, lang=lang) for name, _ in chart_names(rs, year)]
