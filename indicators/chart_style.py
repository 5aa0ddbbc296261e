"""Look and output of the charts: palette, font sizes, measured text wrapping, rendering.

Pure: matplotlib's object API only (never pyplot) and no process-wide state: nothing reads or
changes ``rcParams`` on purpose. Every size and colour is passed to the Figure, Axes and Text
objects themselves, so two reports can be built at once in threads. User text (questions, insats
names, free text) is drawn with ``parse_math=False``: a ``$`` is a dollar sign, never TeX.

SVG text is drawn as paths (glyphs embedded, nothing for Word to substitute) and carries the
words as an XML comment; SVG element ids are salted with a fixed string, so equal data gives
byte-identical SVG. PDF and PNG carry no date.
"""

from __future__ import annotations

import codecs
import hashlib
import io
from dataclasses import dataclass
from functools import lru_cache

from matplotlib.backends.backend_mixed import MixedModeRenderer
from matplotlib.backends.backend_svg import FigureCanvasSVG, RendererSVG
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextToPath

#: Okabe–Ito colours: safe for the common colour-vision deficiencies. The unit is dark, riket
#: light and hatched, so the two also differ in greyscale and without colour at all.
UNIT_COLOUR = "#0B5C8F"  # a darker Okabe–Ito blue (#0072B2) for contrast with white text
REFERENCE_COLOUR = "#F2C46D"  # light Okabe–Ito orange
REFERENCE_EDGE = "#6B4A00"
REFERENCE_HATCH = "///"
TEXT_COLOUR = "#1B1B1B"
MUTED_COLOUR = "#4A4A4A"
GRID_COLOUR = "#D0D4D8"
#: Six answer steps, 1..6: a diverging orange–purple scheme (ColorBrewer PuOr, colour-blind
#: safe); order and the printed shares carry the meaning in greyscale.
STEP_COLOURS = ("#B35806", "#F1A340", "#FEE0B6", "#D8DAEB", "#998EC3", "#542788")
#: Colours on which white text reads (contrast >= 4.5:1); the others take dark text.
DARK_FILLS = frozenset({UNIT_COLOUR, "#B35806", "#542788"})

FONT = "DejaVu Sans"  # shipped with matplotlib: the same metrics everywhere
TITLE_SIZE = 9.0
TEXT_SIZE = 8.0
SOURCE_SIZE = 6.5

CM = 1 / 2.54
#: A report column and a full text width, in inches.
COLUMN_WIDTH = 8.5 * CM
FULL_WIDTH = 16.0 * CM
#: Room the layout keeps at each side of a figure and between its parts, in inches.
PAD = 0.06

#: Output formats: name -> (file extension, dpi, MIME type). Reports default to "png300".
FORMATS = {
    "png300": ("png", 300, "image/png"),
    "png": ("png", 100, "image/png"),
    "svg": ("svg", None, "image/svg+xml"),
    "pdf": ("pdf", None, "application/pdf"),
    "png200": ("png", 200, "image/png"),  #: inside the appendix: the 300 dpi raster averaged down
}
#: The formats a user chooses for the chart ZIP.
CHART_FORMATS = ("png300", "png", "svg", "pdf")
DEFAULT_FORMAT = "png300"
#: PNG formats made from the one 300 dpi raster of a figure.
_FROM_300 = {"png300": 300, "png200": 200}

PDF_METADATA = {"Creator": "Indikatorer för finansiell samordning", "Producer": "matplotlib", "CreationDate": None}
SVG_METADATA = {"Date": None, "Creator": "Indikatorer för finansiell samordning"}
SVG_SALT = "indikatorer"

#: Keyword arguments of every Text we draw: our colour and font, never the maths parser.
TEXT = {"color": TEXT_COLOUR, "fontfamily": FONT, "parse_math": False}


@dataclass(frozen=True)
class Chart:
    """A finished chart: the figure and its text alternative.

    ``alt`` is a one-line name for an ``alt`` attribute; ``description`` gives every figure the
    chart shows (and says which cells were left out), for a caption beside it.
    """

    name: str  #: a file-name stem, e.g. "fraga-DP01"
    figure: Figure
    alt: str
    description: str


# --- text measurement ------------------------------------------------------------------------

_MEASURE = TextToPath()


@lru_cache(maxsize=20000)
def text_width(text: str, size: float, bold: bool = False) -> float:
    """The rendered width of one line of ``text`` in inches (DejaVu Sans at ``size`` points)."""
    prop = FontProperties(family=FONT, size=size, weight="bold" if bold else "normal")
    width, _, _ = _MEASURE.get_text_width_height_descent(text, prop, ismath=False)
    return width / 72


#: Characters whose advances add up to the width of a line (Latin script and its punctuation);
#: other scripts can have ligatures and contextual forms, so their lines are always measured.
_SIMPLE_EXTRA = frozenset("–—…·‘’‚“”„•€−")


@lru_cache(maxsize=4096)
def _advance(char: str, bold: bool) -> float | None:
    """The unhinted advance of one character in points at size 1 (None when it is not a simple
    Latin character or DejaVu lacks it)."""
    from matplotlib.ft2font import LoadFlags

    if ord(char) >= 0x250 and char not in _SIMPLE_EXTRA:
        return None
    font = _MEASURE._get_font(FontProperties(family=FONT, weight="bold" if bold else "normal"))
    if not font.get_char_index(ord(char)):
        return None
    glyph = font.load_char(ord(char), flags=LoadFlags.NO_HINTING)
    return glyph.linearHoriAdvance / 65536 / _MEASURE.FONT_SCALE


def _estimate(text: str, size: float, bold: bool) -> float | None:
    """The width of ``text`` in inches from the characters' advances (no kerning, no side
    bearings); None when a character is not in the font."""
    total = 0.0
    for char in text:
        advance = _advance(char, bold)
        if advance is None:
            return None
        total += advance
    return total * size / 72


def _wider_than(text: str, width: float, size: float, bold: bool) -> bool:
    """Whether ``text`` is wider than ``width`` inches: measured exactly when the estimate from
    advances is close (within a 3 % and one-em band, more than kerning and side bearings can
    move it), else decided by the estimate, which saves most measurements of a wrap."""
    estimate = _estimate(text, size, bold)
    if estimate is not None:
        band = 0.03 * width + size / 72
        if estimate + band < width:
            return False
        if estimate - band > width:
            return True
    return text_width(text, size, bold) > width


def wrap(text: str, width: float, size: float = TEXT_SIZE, *, bold: bool = False, max_lines: int | None = None) -> str:
    """Wrap ``text`` so that no line is wider than ``width`` inches when drawn at ``size`` points.

    Measures the rendered text (not a character count). A single word wider than the line stays
    whole on its own line. With ``max_lines`` an overlong text ends with an ellipsis.
    """
    lines: list[str] = []
    current = ""
    for word in text.split():
        trial = f"{current} {word}" if current else word
        if current and _wider_than(trial, width, size, bold):
            lines.append(current)
            current = word
        else:
            current = trial
    lines.append(current)
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and _wider_than(last + "…", width, size, bold):
            last = last.rsplit(" ", 1)[0] if " " in last else last[:-1]
        lines[-1] = last.rstrip(" ,.;:") + "…"
    return "\n".join(lines)


def line_height(size: float, lines: int = 1) -> float:
    """Height in inches of ``lines`` lines at ``size`` points (matplotlib's 1.2 line spacing)."""
    return lines * size * 1.2 / 72


# --- figures ---------------------------------------------------------------------------------


def new_figure(width: float, height: float) -> Figure:
    """A white figure of ``width`` x ``height`` inches, laid out at drawing time by
    :class:`~indicators.chart_layout.FitLayout` (title, one Axes, source line)."""
    from .chart_layout import FitLayout

    fig = Figure(figsize=(width, height), facecolor="white")
    fig.set_layout_engine(FitLayout(PAD))
    return fig


def style_axes(ax) -> None:
    """Our tick sizes and colours on one Axes (instead of rcParams)."""
    ax.set_facecolor("white")
    ax.tick_params(labelsize=TEXT_SIZE, colors=TEXT_COLOUR, labelcolor=TEXT_COLOUR, labelfontfamily=FONT)
    for spine in ax.spines.values():
        spine.set_color(MUTED_COLOUR)


def no_maths(artist) -> None:
    """Switch the maths parser off on every Text inside ``artist`` (tick labels, legend texts)."""
    from matplotlib.text import Text

    for text in artist.findobj(Text):
        text.set_parse_math(False)


def text_colour_on(fill: str) -> str:
    return "#FFFFFF" if fill in DARK_FILLS else TEXT_COLOUR


# --- output ----------------------------------------------------------------------------------


class _SaltedSVGRenderer(RendererSVG):
    """SVG ids from a fixed salt (rcParams' svg.hashsalt is process-wide state)."""

    def _make_id(self, type, content):
        digest = hashlib.sha256(f"{SVG_SALT}{content}".encode()).hexdigest()[:10]
        return f"{type}{digest}"


def _svg_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    fh = codecs.getwriter("utf-8")(buf)
    canvas = FigureCanvasSVG(fig)
    dpi = fig.dpi
    fig.dpi = 72
    try:
        width, height = fig.get_size_inches()
        renderer = MixedModeRenderer(fig, width, height, dpi,
                                     _SaltedSVGRenderer(width * 72, height * 72, fh, image_dpi=dpi,
                                                        metadata=SVG_METADATA))
        fig.draw(renderer)
        renderer.finalize()
    finally:
        fig.dpi = dpi
        canvas.figure  # noqa: B018 - keep the canvas attached while drawing
    return buf.getvalue()


def _png_direct(fig: Figure, dpi: int) -> bytes:
    """PNG drawn at ``dpi`` (screen resolution: hinted for those pixels)."""
    from .chart_raster import png_bytes, raster

    return png_bytes(raster(fig, dpi), dpi)


def render_formats(chart: Chart, formats) -> dict[str, bytes]:
    """Render a chart in several formats, drawing the figure once per kind of output: the print
    PNGs ("png300" and the appendix's "png200") come from one 300 dpi raster."""
    from .chart_raster import downsample, png_bytes, raster

    formats = list(dict.fromkeys(formats))
    for fmt in formats:
        if fmt not in FORMATS:
            raise ValueError(f"okänt format: {fmt!r} (välj png300, png, svg eller pdf)")
    out: dict[str, bytes] = {}
    if any(fmt in _FROM_300 for fmt in formats):
        full = raster(chart.figure, 300)
        width, height = chart.figure.get_size_inches()
        for fmt in formats:
            dpi = _FROM_300.get(fmt)
            if dpi == 300:
                out[fmt] = png_bytes(full, 300)
            elif dpi:
                out[fmt] = png_bytes(downsample(full, int(width * dpi), int(height * dpi)), dpi)
    for fmt in formats:
        if fmt not in out:
            out[fmt] = _render_one(chart, fmt)
    return {fmt: out[fmt] for fmt in formats}


def _render_one(chart: Chart, fmt: str) -> bytes:
    ext, dpi, _ = FORMATS[fmt]
    if ext == "svg":
        return _svg_bytes(chart.figure)
    if dpi:
        return _png_direct(chart.figure, dpi)
    buf = io.BytesIO()
    chart.figure.savefig(buf, format=ext, metadata=PDF_METADATA, facecolor="white")
    return buf.getvalue()


def render(chart: Chart, fmt: str = DEFAULT_FORMAT) -> bytes:
    """Render a chart to bytes: "png300" (print, the default), "png" (screen), "svg" or "pdf"."""
    if fmt not in FORMATS:
        raise ValueError(f"okänt format: {fmt!r} (välj png300, png, svg eller pdf)")
    if fmt in _FROM_300:
        return render_formats(chart, (fmt,))[fmt]
    return _render_one(chart, fmt)
