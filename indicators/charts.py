"""The report charts: per question, per question over years, indicator overview, answer shares.

Pure: plain data in (:class:`Cell`, :class:`DistributionRow` and strings already in the reader's
language), a :class:`~indicators.chart_style.Chart` out — a matplotlib ``Figure`` plus its text
alternative. Render it with :func:`indicators.chart_style.render`, or pass ``target`` (a
matplotlib SubFigure) to draw into a report page. A suppressed cell never
becomes a bar: the chart writes "för få svar" where the bar would be, and the description says
the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .chart_style import (
    COLUMN_WIDTH,
    FULL_WIDTH,
    GRID_COLOUR,
    MUTED_COLOUR,
    REFERENCE_COLOUR,
    REFERENCE_EDGE,
    REFERENCE_HATCH,
    STEP_COLOURS,
    UNIT_COLOUR,
    Chart,
    new_figure,
    number,
    percent,
    style,
    text_colour_on,
    words,
    wrap,
)

__all__ = [
    "Cell",
    "Chart",
    "DistributionRow",
    "distribution_chart",
    "indicator_chart",
    "question_chart",
    "trend_chart",
]


@dataclass(frozen=True)
class Cell:
    """One figure to draw: a mean (1–6) or an index (0–100) with its n.

    ``suppressed`` cells are never drawn. ``value=None`` without suppression means the figure is
    not known (for example no riket for that year).
    """

    value: float | None
    n: int | None = None
    suppressed: bool = False

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


# --- drawing helpers -------------------------------------------------------------------------


def _value_text(cell: Cell, lang: str, digits: int) -> str:
    text = number(cell.value, lang, digits)
    return f"{text} (n = {cell.n})" if cell.n is not None else text


def _missing_text(cell: Cell | None, lang: str) -> str:
    w = words(lang)
    return w["too_few"] if cell is None or cell.suppressed else w["reference_unknown"]


def _bar(ax, y: float, cell: Cell | None, *, reference: bool, lo: float, hi: float, height: float, lang: str, digits: int) -> None:
    """Draw one horizontal bar from ``lo`` with its value and n, or the reason it is missing."""
    if cell is None or not cell.shown:
        ax.text(lo + 0.01 * (hi - lo), y, _missing_text(cell, lang), va="center", ha="left",
                fontstyle="italic", color=MUTED_COLOUR)
        return
    fill = REFERENCE_COLOUR if reference else UNIT_COLOUR
    ax.barh(y, cell.value - lo, left=lo, height=height, color=fill,
            edgecolor=REFERENCE_EDGE if reference else UNIT_COLOUR,
            hatch=REFERENCE_HATCH if reference else None, linewidth=0.6)
    label = _value_text(cell, lang, digits)
    if cell.value - lo > 0.6 * (hi - lo):
        # Long bar: the label goes inside, on a plain box for the hatched reference bar.
        box = {"boxstyle": "square,pad=0.15", "facecolor": REFERENCE_COLOUR, "edgecolor": "none"} if reference else None
        ax.text(cell.value - 0.015 * (hi - lo), y, label, va="center", ha="right",
                color=text_colour_on(fill), bbox=box)
    else:
        ax.text(cell.value + 0.015 * (hi - lo), y, label, va="center", ha="left")


def _frame(ax, lo: float, hi: float) -> None:
    ax.set_xlim(lo, hi)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.grid(axis="x", color=GRID_COLOUR, linewidth=0.6)
    ax.set_axisbelow(True)


def _scale_axis(ax, scale_ends: tuple[str, str]) -> None:
    ax.set_xticks(range(1, 7))
    low, high = (wrap(s, 14) for s in scale_ends)
    ax.set_xticklabels([f"1\n{low}", "2", "3", "4", "5", f"6\n{high}"])
    ticks = ax.get_xticklabels()
    ticks[0].set_horizontalalignment("left")
    ticks[-1].set_horizontalalignment("right")


def _titles(fig, ax, title: str, subtitle: str, width_chars: int, demo: bool, lang: str) -> None:
    fig.suptitle(wrap(title, width_chars), x=0.02, ha="left", fontweight="bold", fontsize=9)
    sub = subtitle + (f" · {words(lang)['demo']}" if demo else "")
    # The subtitle starts at the axes, right of the tick labels: about 70 % of the width.
    ax.set_title(wrap(sub, int(width_chars * 0.72)), loc="left", color=MUTED_COLOUR, fontsize=8)


def _describe_cell(name: str, cell: Cell | None, lang: str, digits: int, what: str) -> str:
    if cell is None or not cell.shown:
        return f"{name}: {_missing_text(cell, lang)}"
    n = f" (n = {cell.n})" if cell.n is not None else ""
    return f"{name}: {what} {number(cell.value, lang, digits)}{n}"


def _demo_note(demo: bool, lang: str) -> str:
    return f" {words(lang)['demo']}." if demo else ""


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
    lang: str = "sv",
    demo: bool = False,
    target=None,
) -> Chart:
    """One question: the unit's mean against riket on the 1–6 scale, n beside each bar.

    ``reference=None`` leaves riket out (no reference chosen); a reference cell with
    ``value=None`` says riket is missing.
    """
    w = words(lang)
    rows = [(unit_label, unit, False)] + ([(w["riket"], reference, True)] if reference is not None else [])
    with style():
        fig = target if target is not None else new_figure(COLUMN_WIDTH, 1.35 + 0.32 * len(rows) + 0.14 * wrap(question, 44).count("\n"))
        ax = fig.add_subplot()
        for y, (_, cell, is_ref) in enumerate(rows):
            _bar(ax, y, cell, reference=is_ref, lo=1, hi=6, height=0.62, lang=lang, digits=1)
        ax.set_yticks(range(len(rows)), [wrap(label, 16, 3) for label, _, _ in rows])
        ax.set_ylim(len(rows) - 0.5, -0.5)
        _frame(ax, 1, 6)
        _scale_axis(ax, scale_ends)
        _titles(fig, ax, question, f"{group} · {item_id}", 44, demo, lang)
    parts = [_describe_cell(label, cell, lang, 1, w["mean"]) for label, cell, _ in rows]
    if reference is None:
        parts.append(w["no_reference"])
    scale = f"1 = {scale_ends[0]}, 6 = {scale_ends[1]}"
    description = f"{item_id} {question} ({group}). " + "; ".join(parts) + f". {scale}." + _demo_note(demo, lang)
    alt = f"{item_id}: {unit_label}" + (f" – {w['riket']}" if reference is not None else "")
    return Chart(name=f"fraga-{item_id}", figure=fig, alt=alt, description=description)


def trend_chart(
    item_id: str,
    question: str,
    group: str,
    unit_label: str,
    points: Sequence[tuple[int, Cell, Cell | None]],
    scale_ends: tuple[str, str],
    *,
    lang: str = "sv",
    reference: bool = True,
    demo: bool = False,
    target=None,
) -> Chart:
    """One question over years: (year, unit cell, riket cell or None) side by side, oldest first."""
    if not points:
        raise ValueError("trenddiagrammet behöver minst ett år")
    w = words(lang)
    points = sorted(points, key=lambda p: p[0])
    per_year = 2 if reference else 1
    step = per_year * 0.45 + 0.35
    with style():
        fig = target if target is not None else new_figure(COLUMN_WIDTH, 1.6 + 0.3 * per_year * len(points) + 0.14 * wrap(question, 44).count("\n"))
        ax = fig.add_subplot()
        for k, (_, cell, ref) in enumerate(points):
            base = k * step
            _bar(ax, base, cell, reference=False, lo=1, hi=6, height=0.4, lang=lang, digits=1)
            if reference:
                _bar(ax, base + 0.45, ref, reference=True, lo=1, hi=6, height=0.4, lang=lang, digits=1)
        centre = 0.225 if reference else 0
        ax.set_yticks([k * step + centre for k in range(len(points))], [str(p[0]) for p in points])
        ax.set_ylim((len(points) - 1) * step + (0.7 if reference else 0.3), -0.3)
        _frame(ax, 1, 6)
        _scale_axis(ax, scale_ends)
        _titles(fig, ax, question, f"{group} · {item_id}", 44, demo, lang)
        if reference:
            _legend(fig, unit_label, w["riket"])
    parts = []
    for year, cell, ref in points:
        part = f"{year}: " + _describe_cell(unit_label, cell, lang, 1, w["mean"])
        if reference:
            part += ", " + _describe_cell(w["riket"], ref, lang, 1, w["mean"])
        parts.append(part)
    scale = f"1 = {scale_ends[0]}, 6 = {scale_ends[1]}"
    description = f"{item_id} {question} ({group}). " + "; ".join(parts) + f". {scale}." + _demo_note(demo, lang)
    years = ", ".join(str(p[0]) for p in points)
    alt = f"{item_id}: {unit_label} {years}"
    return Chart(name=f"trend-{item_id}", figure=fig, alt=alt, description=description)


def _legend(fig, unit_label: str, reference_label: str) -> None:
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor=UNIT_COLOUR, edgecolor=UNIT_COLOUR, label=wrap(unit_label, 30, 2)),
        Patch(facecolor=REFERENCE_COLOUR, edgecolor=REFERENCE_EDGE, hatch=REFERENCE_HATCH, label=reference_label),
    ]
    fig.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False, handlelength=1.6)


def indicator_chart(
    group: str,
    unit_label: str,
    rows: Sequence[tuple[str, Cell, Cell | None]],
    *,
    lang: str = "sv",
    reference: bool = True,
    title: str | None = None,
    demo: bool = False,
    target=None,
) -> Chart:
    """Indicator overview for one group: (indicator label, unit index, riket index) on 0–100."""
    if not rows:
        raise ValueError("indikatoröversikten behöver minst en indikator")
    w = words(lang)
    per_row = 2 if reference else 1
    step = per_row * 0.4 + 0.3
    title = title or ("Indikatorer, index 0–100" if lang == "sv" else "Indicators, index 0–100")
    with style():
        fig = target if target is not None else new_figure(FULL_WIDTH, 1.3 + 0.27 * per_row * len(rows) + 0.1 * len(rows))
        ax = fig.add_subplot()
        for k, (_, cell, ref) in enumerate(rows):
            base = k * step
            _bar(ax, base, cell, reference=False, lo=0, hi=100, height=0.36, lang=lang, digits=0)
            if reference:
                _bar(ax, base + 0.4, ref, reference=True, lo=0, hi=100, height=0.36, lang=lang, digits=0)
        centre = 0.2 if reference else 0
        ax.set_yticks([k * step + centre for k in range(len(rows))], [wrap(r[0], 30, 2) for r in rows])
        ax.set_ylim((len(rows) - 1) * step + (0.6 if reference else 0.25), -0.25)
        _frame(ax, 0, 100)
        ax.set_xticks(range(0, 101, 20))
        ax.set_xlabel(w["index"])
        _titles(fig, ax, title, f"{group} · {unit_label}", 90, demo, lang)
        if reference:
            _legend(fig, unit_label, w["riket"])
    parts = []
    for label, cell, ref in rows:
        part = f"{label}: " + _describe_cell(unit_label, cell, lang, 0, "index")
        if reference:
            part += ", " + _describe_cell(w["riket"], ref, lang, 0, "index")
        parts.append(part)
    description = f"{title} ({group}). " + "; ".join(parts) + "." + _demo_note(demo, lang)
    return Chart(name="indikatorer", figure=fig, alt=f"{title}: {group}, {unit_label}", description=description)


def distribution_chart(
    group: str,
    unit_label: str,
    rows: Sequence[DistributionRow],
    scale_labels: Sequence[str],
    *,
    lang: str = "sv",
    title: str | None = None,
    demo: bool = False,
    target=None,
) -> Chart:
    """Stacked shares of the six answers per question (valid answers only; "Vet ej" left out)."""
    if not rows:
        raise ValueError("svarsfördelningen behöver minst en fråga")
    if len(scale_labels) != 6:
        raise ValueError("skalan måste ha sex steg")
    w = words(lang)
    title = title or ("Svarsfördelning per fråga" if lang == "sv" else "Answers per question")
    with style():
        labels = [wrap(r.label, 38, 3) + (f"\nn = {r.n}" if not r.suppressed and r.n is not None else "") for r in rows]
        height = sum(0.14 * (label.count("\n") + 1) + 0.12 for label in labels)
        fig = target if target is not None else new_figure(FULL_WIDTH, 1.5 + height)
        ax = fig.add_subplot()
        for y, row in enumerate(rows):
            if row.suppressed or row.shares is None:
                ax.text(0.01, y, w["too_few"], va="center", ha="left", fontstyle="italic", color=MUTED_COLOUR)
                continue
            left = 0.0
            for code, share in enumerate(row.shares):
                colour = STEP_COLOURS[code]
                ax.barh(y, share, left=left, height=0.7, color=colour, edgecolor="white", linewidth=0.5,
                        label=scale_labels[code] if y == _first_shown(rows) else None)
                if share >= 0.09:
                    ax.text(left + share / 2, y, percent(share, lang), ha="center", va="center",
                            color=text_colour_on(colour), fontsize=8)
                left += share
        ax.set_yticks(range(len(rows)), labels)
        ax.set_ylim(len(rows) - 0.5, -0.5)
        _frame(ax, 0, 1)
        ax.set_xticks([0, 0.25, 0.5, 0.75, 1], [percent(s, lang) for s in (0, 0.25, 0.5, 0.75, 1)])
        _titles(fig, ax, title, f"{group} · {unit_label}", 90, demo, lang)
        if _first_shown(rows) is not None:
            fig.legend(loc="outside lower center", ncols=2, frameon=False, handlelength=1.2)
    parts = []
    for row in rows:
        if row.suppressed or row.shares is None:
            parts.append(f"{row.label}: {w['too_few']}")
        else:
            shares = ", ".join(f"{scale_labels[k]} {percent(s, lang)}" for k, s in enumerate(row.shares))
            parts.append(f"{row.label} (n = {row.n}): {shares}")
    description = f"{title} ({group}, {unit_label}). " + "; ".join(parts) + "." + _demo_note(demo, lang)
    return Chart(name="svarsfordelning", figure=fig, alt=f"{title}: {group}, {unit_label}", description=description)


def _first_shown(rows: Sequence[DistributionRow]) -> int | None:
    for y, row in enumerate(rows):
        if not row.suppressed and row.shares is not None:
            return y
    return None
