"""Measure a chart's rendered texts: every text inside the figure and none overlapping another."""

from __future__ import annotations

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text


def text_boxes(fig):
    """(text, window extent in pixels) of every visible, non-empty text after the layout ran."""
    canvas = FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = canvas.get_renderer()
    out = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip():
            continue
        out.append((text.get_text(), text.get_window_extent(renderer)))
    return out


def layout_problems(fig, tolerance: float = 0.5) -> list[str]:
    """Texts outside the figure or overlapping another text (more than ``tolerance`` pixels)."""
    frame = fig.bbox
    boxes = text_boxes(fig)
    problems = []
    for text, box in boxes:
        if (box.x0 < frame.x0 - tolerance or box.x1 > frame.x1 + tolerance
                or box.y0 < frame.y0 - tolerance or box.y1 > frame.y1 + tolerance):
            problems.append(f"outside the figure: {text!r} {box.bounds} in {frame.bounds}")
    for k, (a, box_a) in enumerate(boxes):
        for b, box_b in boxes[k + 1:]:
            w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
            h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
            if w > tolerance and h > tolerance:
                problems.append(f"overlap: {a!r} and {b!r}")
    return problems
