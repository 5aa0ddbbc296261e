"""The report charts: per question, per question over years, indicator overview, answer shares.

Pure: plain data in (:class:`Cell`, :class:`DistributionRow` and strings already in the reader's
language), a :class:`~indicators.chart_style.Chart` out — a matplotlib ``Figure`` plus its text
alternative. Render it with :func:`indicators.chart_style.render`. A suppressed cell never
becomes a bar: the chart writes "för få svar" where the bar would be, and the description says
the same. Titles are wrapped by their measured width; every chart ends with a small source line
(unit, period, n, reference, DEMODATA) so it still says what it shows when pasted on its own. A
difference from riket that is significant is marked "*" as in the tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .chart_style import (
    COLUMN_WIDTH,
    FULL_WIDTH,
    GRID_COLOUR,
    MUTED_COLOUR,
    PAD,
    REFERENCE_COLOUR,
    REFERENCE_EDGE,
    REFERENCE_HATCH,
    STEP_COLOURS,
    TEXT,
    TEXT_SIZE,
    UNIT_COLOUR,
    Chart,
    line_height,
    new_figure,
    style_axes,
    text_colour_on,
    wrap,
)
from .chart_text import _extra_height, _head_and_foot, _legend_handles
from .i18n import N_, Tr, as_tr, hidden_text

__all__ = [
    "Cell",
    "Chart",
    "DistributionRow",
    "distribution_chart",
    "indicator_chart",
    "question_chart",
    "trend_chart",
]

TOO_FEW = N_("för få svar")
RIKET = N_("Riket")
NO_FIGURE = N_("riket saknas")
DEMO = N_("DEMODATA")
SIGNIFICANT_NOTE = N_("* = statistiskt säkerställd skillnad mot riket")


@dataclass(frozen=True)
class Cell:
    """One figure to draw: a mean (1–6) or an index (0–100) with its n.

    ``suppressed`` cells are never drawn. ``value=None`` without suppression means the figure is
    not known (for example no riket for that year). ``significant`` marks a unit figure whose
    difference from riket is statistically significant (as in the tables).
    """

    value: float | None
    n: int | None = None
    suppressed: bool = False
    significant: bool = False
    reason: str | None = None  #: why a suppressed cell is hidden (too_few, protect, pending)

    @property
    def shown(self) -> bool:
        return not self.suppressed and self.value is not None


@dataclass(frozen=True)
class DistributionRow:
    """One question's answers: shares of codes 1..6 among valid answers, or suppressed."""

    label: str
    shares: tuple[float, ...] | None
    n: int | None = None
    suppressed: bool = False
    reason: str | None = None  #: why a suppressed row is hidden (too_few, protect, pending)


# --- drawing helpers -------------------------------------------------------------------------


def _value_text(cell: Cell, tr: Tr, digits: int) -> str:
    text = tr.number(cell.value, digits) + (" *" if cell.significant else "")
    return f"{text} (n = {cell.n})" if cell.n is not None else text


def _missing_text(cell: Cell | None, tr: Tr) -> str:
    if cell is None:
        return tr.gettext(TOO_FEW)
    return hidden_text(cell.reason, tr) if cell.suppressed else tr.gettext(NO_FIGURE)


def _hbar(ax, y: float, left: float, width: float, height: float, face: str, edge: str, linewidth: float,
          hatch: str | None = None) -> None:
    """One horizontal bar centred on ``y``: the Rectangle ``Axes.barh`` would make, added without
    barh's bookkeeping (containers, unit conversion, data limits: every chart sets its limits)."""
    from matplotlib.patches import Rectangle

    bar = Rectangle((left, y - height / 2), width, height, facecolor=face, edgecolor=edge, linewidth=linewidth,
                    hatch=hatch, label="_nolegend_")
    ax.add_artist(bar)


def _bar(ax, y: float, cell: Cell | None, *, reference: bool, lo: float, hi: float, height: float, tr: Tr,
         digits: int) -> None:
    """Draw one horizontal bar from ``lo`` with its value and n, or the reason it is missing."""
    if cell is None or not cell.shown:
        ax.text(lo + 0.01 * (hi - lo), y, _missing_text(cell, tr), va="center", ha="left", fontsize=TEXT_SIZE,
                fontstyle="italic", **{**TEXT, "color": MUTED_COLOUR})
        return
    fill = REFERENCE_COLOUR if reference else UNIT_COLOUR
    _hbar(ax, y, lo, cell.value - lo, height, fill, REFERENCE_EDGE if reference else UNIT_COLOUR, 0.6,
          REFERENCE_HATCH if reference else None)
    label = _value_text(cell, tr, digits)
    if cell.value - lo > 0.6 * (hi - lo):
        # Long bar: the label goes inside, on a plain box for the hatched reference bar.
        box = {"boxstyle": "square,pad=0.15", "facecolor": REFERENCE_COLOUR, "edgecolor": "none"} if reference else None
        ax.text(cell.value - 0.015 * (hi - lo), y, label, va="center", ha="right", fontsize=TEXT_SIZE,
                bbox=box, **{**TEXT, "color": text_colour_on(fill)})
    else:
        ax.text(cell.value + 0.015 * (hi - lo), y, label, va="center", ha="left", fontsize=TEXT_SIZE, **TEXT)


def _frame(ax, lo: float, hi: float) -> None:
    style_axes(ax)
    ax.set_xlim(lo, hi)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
    ax.set_axisbelow(True)


def _scale_axis(ax, scale_ends: tuple[str, str], width: float) -> None:
    """Ticks 1..6 and, below them, what the ends mean in the item's own scale ("1 = Aldrig …")."""
    ax.set_xticks(range(1, 7), [str(k) for k in range(1, 7)])
    ax.set_xlabel(wrap(f"1 = {scale_ends[0]} … 6 = {scale_ends[1]}", width * 0.62), fontsize=TEXT_SIZE, **TEXT)


def _describe_cell(name: str, cell: Cell | None, tr: Tr, digits: int, what: str) -> str:
    if cell is None or not cell.shown:
        return f"{name}: {_missing_text(cell, tr)}"
    n = f" (n = {cell.n})" if cell.n is not None else ""
    mark = f" ({tr.gettext(N_('statistiskt säkerställd skillnad mot riket'))})" if cell.significant else ""
    return f"{name}: {what} {tr.number(cell.value, digits)}{n}{mark}"


def _tail(demo: bool, source: str, tr: Tr) -> str:
    return (f" {source}." if source else "") + (f" {tr.gettext(DEMO)}." if demo else "")


def _with_note(source: str, cells, tr: Tr) -> str:
    """The source line, plus the significance note when a cell is marked."""
    if any(c is not None and c.significant and c.shown for c in cells):
        return f"{source} · {tr.gettext(SIGNIFICANT_NOTE)}" if source else tr.gettext(SIGNIFICANT_NOTE)
    return source


# --- the four charts -------------------------------------------------------------------------


def question_chart(
    item_id: str,
    question: str,
    group: str,
    unit_label: str,
    unit: Cell,
    reference: Cell | None,
    scale_ends: tuple[str, str],
    *,
    lang: str | Tr = "sv",
    demo: bool = False,
    source: str = "",
    reference_label: str | None = None,
) -> Chart:
    """One question: the unit's mean against riket on the 1–6 scale, n beside each bar.

    ``reference=None`` leaves riket out (no reference chosen); a reference cell with
    ``value=None`` says riket is missing.
    """
    tr = as_tr(lang)
    ref_label = reference_label or tr.gettext(RIKET)
    rows = [(unit_label, unit, False)] + ([(ref_label, reference, True)] if reference is not None else [])
    title = f"{item_id} {question}"
    source = _with_note(source, [unit], tr)
    labels = [wrap(label, 0.95, max_lines=3) for label, _, _ in rows]
    label_lines = sum(max(1, label.count("\n") + 1) for label in labels)
    height = 1.25 + 0.3 * len(rows) + 0.06 * label_lines + _extra_height(title, source, COLUMN_WIDTH)
    fig = new_figure(COLUMN_WIDTH, height)
    ax = fig.add_subplot()
    for y, (_, cell, is_ref) in enumerate(rows):
        _bar(ax, y, cell, reference=is_ref, lo=1, hi=6, height=0.62, tr=tr, digits=1)
    _frame(ax, 1, 6)
    ax.set_yticks(range(len(rows)), labels, parse_math=False)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    _scale_axis(ax, scale_ends, COLUMN_WIDTH)
    _head_and_foot(fig, ax, title, group, source, COLUMN_WIDTH, demo, tr)
    mean = tr.gettext(N_("medelvärde"))
    parts = [_describe_cell(label, cell, tr, 1, mean) for label, cell, _ in rows]
    if reference is None:
        parts.append(tr.gettext(N_("ingen jämförelse med riket")))
    scale = f"1 = {scale_ends[0]}, 6 = {scale_ends[1]}"
    description = f"{item_id} {question} ({group}). " + "; ".join(parts) + f". {scale}." + _tail(demo, source, tr)
    alt = f"{item_id} {question}: {unit_label}" + (f" – {ref_label}" if reference is not None else "")
    return Chart(name=f"fraga-{item_id}", figure=fig, alt=alt, description=description)


def trend_chart(
    item_id: str,
    question: str,
    group: str,
    unit_label: str,
    points: Sequence[tuple[int, Cell, Cell | None]],
    scale_ends: tuple[str, str],
    *,
    lang: str | Tr = "sv",
    reference: bool = True,
    demo: bool = False,
    source: str = "",
    reference_label: str | None = None,
) -> Chart:
    """One question over years: (year, unit cell, riket cell or None) side by side, oldest first."""
    if not points:
        raise ValueError("trenddiagrammet behöver minst ett år")
    tr = as_tr(lang)
    ref_label = reference_label or tr.gettext(RIKET)
    points = sorted(points, key=lambda p: p[0])
    per_year = 2 if reference else 1
    step = per_year * 0.45 + 0.35
    title = f"{item_id} {question}"
    source = _with_note(source, [p[1] for p in points], tr)
    legend_space = 0.3 if reference else 0
    height = 1.35 + 0.3 * per_year * len(points) + legend_space + _extra_height(title, source, COLUMN_WIDTH)
    fig = new_figure(COLUMN_WIDTH, height)
    ax = fig.add_subplot()
    for k, (_, cell, ref) in enumerate(points):
        base = k * step
        _bar(ax, base, cell, reference=False, lo=1, hi=6, height=0.4, tr=tr, digits=1)
        if reference:
            _bar(ax, base + 0.45, ref, reference=True, lo=1, hi=6, height=0.4, tr=tr, digits=1)
    _frame(ax, 1, 6)
    centre = 0.225 if reference else 0
    ax.set_yticks([k * step + centre for k in range(len(points))], [str(p[0]) for p in points])
    ax.set_ylim((len(points) - 1) * step + (0.7 if reference else 0.3), -0.3)
    _scale_axis(ax, scale_ends, COLUMN_WIDTH)
    legend = (_legend_handles(unit_label, ref_label, COLUMN_WIDTH - 0.6), 1) if reference else None
    _head_and_foot(fig, ax, title, group, source, COLUMN_WIDTH, demo, tr, legend)
    mean = tr.gettext(N_("medelvärde"))
    parts = []
    for year, cell, ref in points:
        part = f"{year}: " + _describe_cell(unit_label, cell, tr, 1, mean)
        if reference:
            part += ", " + _describe_cell(ref_label, ref, tr, 1, mean)
        parts.append(part)
    scale = f"1 = {scale_ends[0]}, 6 = {scale_ends[1]}"
    description = f"{item_id} {question} ({group}). " + "; ".join(parts) + f". {scale}." + _tail(demo, source, tr)
    years = ", ".join(str(p[0]) for p in points)
    alt = f"{item_id} {question}: {unit_label} {years}"
    return Chart(name=f"trend-{item_id}", figure=fig, alt=alt, description=description)


def indicator_chart(
    group: str,
    unit_label: str,
    rows: Sequence[tuple[str, Cell, Cell | None]],
    *,
    lang: str | Tr = "sv",
    reference: bool = True,
    title: str | None = None,
    demo: bool = False,
    source: str = "",
    reference_label: str | None = None,
) -> Chart:
    """Indicator overview for one group: (indicator label, unit index, riket index) on 0–100."""
    if not rows:
        raise ValueError("indikatoröversikten behöver minst en indikator")
    tr = as_tr(lang)
    ref_label = reference_label or tr.gettext(RIKET)
    per_row = 2 if reference else 1
    step = per_row * 0.4 + 0.3
    title = title or tr.gettext(N_("Indikatorer, index 0–100"))
    source = _with_note(source, [r[1] for r in rows], tr)
    labels = [wrap(r[0], 2.2, max_lines=2) for r in rows]
    height = (1.4 + 0.27 * per_row * len(rows) + 0.1 * len(rows) + (0.3 if reference else 0)
              + _extra_height(title, source, FULL_WIDTH))
    fig = new_figure(FULL_WIDTH, height)
    ax = fig.add_subplot()
    for k, (_, cell, ref) in enumerate(rows):
        base = k * step
        _bar(ax, base, cell, reference=False, lo=0, hi=100, height=0.36, tr=tr, digits=0)
        if reference:
            _bar(ax, base + 0.4, ref, reference=True, lo=0, hi=100, height=0.36, tr=tr, digits=0)
    _frame(ax, 0, 100)
    centre = 0.2 if reference else 0
    ax.set_yticks([k * step + centre for k in range(len(rows))], labels, parse_math=False)
    ax.set_ylim((len(rows) - 1) * step + (0.6 if reference else 0.25), -0.25)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(tr.gettext(N_("Index 0–100")), fontsize=TEXT_SIZE, **TEXT)
    legend = (_legend_handles(unit_label, ref_label, FULL_WIDTH / 2 - 0.6), 2) if reference else None
    _head_and_foot(fig, ax, title, f"{group} · {unit_label}", source, FULL_WIDTH, demo, tr, legend)
    parts = []
    for label, cell, ref in rows:
        part = f"{label}: " + _describe_cell(unit_label, cell, tr, 0, "index")
        if reference:
            part += ", " + _describe_cell(ref_label, ref, tr, 0, "index")
        parts.append(part)
    description = f"{title} ({group}). " + "; ".join(parts) + "." + _tail(demo, source, tr)
    return Chart(name="indikatorer", figure=fig, alt=f"{title}: {group}, {unit_label}", description=description)


def distribution_chart(
    group: str,
    unit_label: str,
    rows: Sequence[DistributionRow],
    scale_labels: Sequence[str],
    *,
    lang: str | Tr = "sv",
    title: str | None = None,
    demo: bool = False,
    source: str = "",
) -> Chart:
    """Stacked shares of the six answers per question (valid answers only; "Vet ej" left out).

    Every row must use the scale of ``scale_labels``: a group with questions on two scales gets
    one chart per scale (see :func:`indicators.report_data.answers_charts`).
    """
    if not rows:
        raise ValueError("svarsfördelningen behöver minst en fråga")
    if len(scale_labels) != 6:
        raise ValueError("skalan måste ha sex steg")
    tr = as_tr(lang)
    title = title or tr.gettext(N_("Svarsfördelning per fråga"))
    labels = [wrap(r.label, 2.3, max_lines=3) + (f"\nn = {r.n}" if not r.suppressed and r.n is not None else "")
              for r in rows]
    legend_labels = [wrap(label, (FULL_WIDTH - 2 * PAD) / 3 - 0.45, max_lines=2) for label in scale_labels]
    legend_lines = max(label.count("\n") + 1 for label in legend_labels)
    rows_height = sum(line_height(TEXT_SIZE, label.count("\n") + 1) + 0.1 for label in labels)
    height = (1.2 + rows_height + 2 * line_height(TEXT_SIZE, legend_lines) + 0.1
              + _extra_height(title, source, FULL_WIDTH))
    fig = new_figure(FULL_WIDTH, height)
    ax = fig.add_subplot()
    first = _first_shown(rows)
    for y, row in enumerate(rows):
        if row.suppressed or row.shares is None:
            ax.text(0.01, y, hidden_text(row.reason, tr), va="center", ha="left", fontsize=TEXT_SIZE, fontstyle="italic",
                    **{**TEXT, "color": MUTED_COLOUR})
            continue
        left = 0.0
        for code, share in enumerate(row.shares):
            colour = STEP_COLOURS[code]
            _hbar(ax, y, left, share, 0.7, colour, "white", 0.5)
            if share >= 0.12:
                ax.text(left + share / 2, y, tr.percent(share), ha="center", va="center", fontsize=7,
                        **{**TEXT, "color": text_colour_on(colour)})
            left += share
    _frame(ax, 0, 1)
    ax.set_yticks(range(len(rows)), labels, parse_math=False)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xticks([0, 0.25, 0.5, 0.75, 1], [tr.percent(s) for s in (0, 0.25, 0.5, 0.75, 1)])
    if first is not None:
        from matplotlib.patches import Patch

        handles = [Patch(facecolor=STEP_COLOURS[k], edgecolor="white", label=legend_labels[k]) for k in range(6)]
        legend = (handles, 3)
    else:
        legend = None
    _head_and_foot(fig, ax, title, f"{group} · {unit_label}", source, FULL_WIDTH, demo, tr, legend)
    parts = []
    for row in rows:
        if row.suppressed or row.shares is None:
            parts.append(f"{row.label}: {hidden_text(row.reason, tr)}")
        else:
            shares = ", ".join(f"{scale_labels[k]} {tr.percent(s)}" for k, s in enumerate(row.shares))
            parts.append(f"{row.label} (n = {row.n}): {shares}")
    description = f"{title} ({group}, {unit_label}). " + "; ".join(parts) + "." + _tail(demo, source, tr)
    return Chart(name="svarsfordelning", figure=fig, alt=f"{title}: {group}, {unit_label}", description=description)


def _first_shown(rows: Sequence[DistributionRow]) -> int | None:
    for y, row in enumerate(rows):
        if not row.suppressed and row.shares is not None:
            return y
    return None
