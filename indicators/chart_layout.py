"""The charts' layout: one Axes fitted between the title above and the source line below.

Pure; used by :func:`indicators.chart_style.new_figure`. matplotlib's constrained layout solved
a general grid problem on every drawing (two passes over the whole Axes' tight box and a
constraint solver: about a third of the time of a 300 dpi chart). Every report chart has the
same simple shape, so :class:`FitLayout` places it directly, at drawing time and with the
renderer of that drawing (so PNG, SVG and PDF each get the layout for their own text
measurements):

* the figure's title (``suptitle``) hangs ``pad`` below the top edge and the source line
  (``supxlabel``) sits ``pad`` above the bottom edge;
* the Axes get what is left, less the room their own decorations need: tick labels and axis
  label, the subtitle, the legend above the Axes, and value labels that run past the plot area
  (these move with the Axes, so the fit is done twice, as the constrained layout did);
* the legend is anchored at the figure's left edge, so only its height counts.

The engine is a per-Figure object with no state beyond its padding.
"""

from __future__ import annotations

from matplotlib.layout_engine import LayoutEngine
from matplotlib.transforms import Bbox


class FitLayout(LayoutEngine):
    """Place a figure's single Axes between its title and source line (see the module docstring)."""

    _adjust_compatible = False
    _colorbar_gridspec = False

    def __init__(self, pad: float, **kwargs):
        super().__init__(**kwargs)
        self._pad = pad  #: inches between the edges, the title, the Axes' decorations and the source

    def execute(self, fig) -> None:
        renderer = fig._get_renderer()
        width, height = fig.bbox.width, fig.bbox.height
        pad = self._pad * fig.dpi
        top = bottom = pad
        title = fig._suptitle
        if title is not None and title.get_text():
            title.set_y(1 - pad / height)
            top += title.get_window_extent(renderer).height + pad
        source = fig._supxlabel
        if source is not None and source.get_text():
            source.set_y(pad / height)
            bottom += source.get_window_extent(renderer).height + pad
        for ax in fig.axes[:1]:
            # The tick labels, axis label, subtitle and legend keep their distance to the plot
            # area when it moves; value labels sit at data positions, so they are measured again
            # after the first placement.
            box = ax.get_position().transformed(fig.transFigure)
            fixed = _margins(box, _decoration_boxes(ax, renderer))
            legend = ax.get_legend()
            if legend is not None:
                extent = legend.get_window_extent(renderer)  # only its height: it starts at the figure edge
                fixed = (fixed[0], fixed[1], max(fixed[2], box.y0 - extent.y0), max(fixed[3], extent.y1 - box.y1))
            for _ in range(2):
                box = ax.get_position().transformed(fig.transFigure)
                texts = _margins(box, [t.get_window_extent(renderer) for t in ax.texts
                                       if t.get_visible() and t.get_text()])
                left, right, below, above = (max(a, b) for a, b in zip(fixed, texts, strict=True))
                x0, x1 = pad + left, width - pad - right
                y0, y1 = bottom + below, height - top - above
                if x1 - x0 < 1 or y1 - y0 < 1:
                    return  # no room: leave the Axes where they are rather than collapse them
                ax.set_position([x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height])


def _decoration_boxes(ax, renderer) -> list[Bbox]:
    boxes = [ax.xaxis.get_tightbbox(renderer), ax.yaxis.get_tightbbox(renderer)]
    # The subtitle is a left-aligned Axes title (``set_title(loc="left")``).
    boxes += [t.get_window_extent(renderer) for t in (ax.title, ax._left_title, ax._right_title) if t.get_text()]
    return [b for b in boxes if b is not None]


def _margins(box: Bbox, boxes: list[Bbox]) -> tuple[float, float, float, float]:
    """Room (pixels) ``boxes`` need left, right, below and above the plot area ``box``."""
    boxes = [b for b in boxes if b.width > 0 and b.height > 0]
    if not boxes:
        return 0.0, 0.0, 0.0, 0.0
    tight = Bbox.union(boxes)
    return (max(0.0, box.x0 - tight.x0), max(0.0, tight.x1 - box.x1),
            max(0.0, box.y0 - tight.y0), max(0.0, tight.y1 - box.y1))
