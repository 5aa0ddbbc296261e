"""Chart text around the plot: measured title and source-line wrapping, subtitle and legend.

Pure; used by :mod:`indicators.charts`. Every Text is created with ``parse_math=False``.
"""

from __future__ import annotations

from .chart_style import (
    MUTED_COLOUR,
    PAD,
    REFERENCE_COLOUR,
    REFERENCE_EDGE,
    REFERENCE_HATCH,
    SOURCE_SIZE,
    TEXT,
    TEXT_SIZE,
    TITLE_SIZE,
    UNIT_COLOUR,
    line_height,
    no_maths,
    wrap,
)
from .i18n import N_, Tr

DEMO = N_("DEMODATA")


#: Measured widths (font outlines) and rasterised widths (hinted glyphs) differ by a few per cent.
SAFE = 0.94


def _title_lines(title: str, width: float) -> str:
    return wrap(title, (width - 2 * PAD) * SAFE, TITLE_SIZE, bold=True)


def _source_lines(source: str, width: float) -> str:
    return wrap(source, (width - 2 * PAD) * SAFE, SOURCE_SIZE)


def _head_and_foot(fig, ax, title: str, subtitle: str, source: str, width: float, demo: bool, tr: Tr,
                   legend: tuple[list, int] | None = None) -> None:
    """Bold title above; the muted subtitle (with the legend under it, if any) just above the axes;
    the source line at the foot. All wrapped by measured width; the constrained layout stacks them."""
    fig.suptitle(_title_lines(title, width), x=PAD / width, ha="left", fontweight="bold", fontsize=TITLE_SIZE, **TEXT)
    sub = subtitle + (f" · {tr.gettext(DEMO)}" if demo else "")
    if legend is None:
        # The subtitle starts at the axes, right of the tick labels: keep it to half the width.
        ax.set_title(wrap(sub, width * 0.5), loc="left", fontsize=TEXT_SIZE, **{**TEXT, "color": MUTED_COLOUR})
    else:
        from matplotlib.transforms import blended_transform_factory

        handles, ncols = legend
        box = ax.legend(handles=handles, loc="lower left", ncols=ncols, frameon=False, handlelength=1.4,
                        fontsize=TEXT_SIZE, title=wrap(sub, (width - 2 * PAD) * SAFE), title_fontsize=TEXT_SIZE,
                        alignment="left", borderaxespad=0.2, borderpad=0.1,
                        bbox_to_anchor=(PAD / width, 1.01), bbox_transform=blended_transform_factory(fig.transFigure,
                                                                                                    ax.transAxes))
        box.get_title().set_color(MUTED_COLOUR)
        no_maths(box)
    if source:
        fig.supxlabel(_source_lines(source, width), x=PAD / width, ha="left", fontsize=SOURCE_SIZE,
                      **{**TEXT, "color": MUTED_COLOUR})


def _extra_height(title: str, source: str, width: float) -> float:
    """Height the wrapped title and source line need beyond one line each."""
    t = _title_lines(title, width).count("\n")
    s = _source_lines(source, width).count("\n") + 1 if source else 0
    return line_height(TITLE_SIZE, t) + line_height(SOURCE_SIZE, s) + (0.05 if source else 0)


def _legend_handles(unit_label: str, reference_label: str, width: float) -> list:
    from matplotlib.patches import Patch

    return [
        Patch(facecolor=UNIT_COLOUR, edgecolor=UNIT_COLOUR, label=wrap(unit_label, width, max_lines=2)),
        Patch(facecolor=REFERENCE_COLOUR, edgecolor=REFERENCE_EDGE, hatch=REFERENCE_HATCH,
              label=wrap(reference_label, width, max_lines=2)),
    ]
