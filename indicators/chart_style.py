"""Look, words and output of the charts: palette, fonts, labels in two languages, rendering.

Pure: matplotlib's object API only (never pyplot), no global state changed at import. Every
figure is built and saved inside :func:`style`, an ``rc_context`` that fixes the font (DejaVu
Sans, shipped with matplotlib), the sizes and the hash salt, so the same data always gives
byte-identical SVG and PDF.
"""

from __future__ import annotations

import contextlib
import io
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass

import matplotlib
from matplotlib.figure import Figure

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

CM = 1 / 2.54
#: A report column and a full text width, in inches.
COLUMN_WIDTH = 8.5 * CM
FULL_WIDTH = 16.0 * CM

#: Output formats: name -> (file extension, dpi, MIME type).
FORMATS = {
    "png": ("png", 100, "image/png"),
    "png300": ("png", 300, "image/png"),
    "svg": ("svg", None, "image/svg+xml"),
    "pdf": ("pdf", None, "application/pdf"),
}

RC = {
    "font.family": "DejaVu Sans",
    "font.size": 8.5,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8,
    "legend.fontsize": 8,
    "text.color": TEXT_COLOUR,
    "axes.edgecolor": MUTED_COLOUR,
    "axes.labelcolor": TEXT_COLOUR,
    "xtick.color": TEXT_COLOUR,
    "ytick.color": TEXT_COLOUR,
    "hatch.linewidth": 0.6,
    "svg.hashsalt": "indikatorer",
    "svg.fonttype": "none",  # real <text> elements: searchable and read by screen readers
    "pdf.fonttype": 42,  # TrueType text in PDF: extractable, searchable
    "ps.fonttype": 42,
    "path.simplify": True,
}

PDF_METADATA = {"Creator": "Indikatorer för finansiell samordning", "Producer": "matplotlib", "CreationDate": None}
SVG_METADATA = {"Date": None, "Creator": "Indikatorer för finansiell samordning"}

WORDS = {
    "sv": {
        "too_few": "för få svar",
        "riket": "Riket",
        "mean": "medelvärde",
        "index": "Index 0–100",
        "share": "Andel av svaren",
        "no_reference": "ingen jämförelse med riket",
        "reference_unknown": "riket saknas",
        "n": "n",
        "demo": "DEMODATA",
        "answers": "svar",
    },
    "en": {
        "too_few": "too few answers",
        "riket": "Sweden",
        "mean": "mean",
        "index": "Index 0–100",
        "share": "Share of answers",
        "no_reference": "no comparison with Sweden",
        "reference_unknown": "no national figure",
        "n": "n",
        "demo": "DEMO DATA",
        "answers": "answers",
    },
}


def words(lang: str) -> dict[str, str]:
    """Return the chart vocabulary for ``lang`` ("sv" or "en"); ValueError for others."""
    if lang not in WORDS:
        raise ValueError(f"okänt språk för diagram: {lang!r}")
    return WORDS[lang]


def number(value: float, lang: str, digits: int = 1) -> str:
    """Format a number with a decimal comma in Swedish."""
    text = f"{value:.{digits}f}"
    return text.replace(".", ",").replace("-", "−") if lang == "sv" else text


def percent(share: float, lang: str) -> str:
    """Format a share 0..1 as a whole percentage ("23 %" in Swedish, "23%" in English)."""
    return f"{round(share * 100)} %" if lang == "sv" else f"{round(share * 100)}%"


def wrap(text: str, width: int, max_lines: int | None = None) -> str:
    """Wrap text at ``width`` characters; with ``max_lines`` end an overlong text with an ellipsis."""
    lines = textwrap.wrap(text, width=width, break_long_words=False) or [""]
    if max_lines and len(lines) > max_lines:
        lines = lines[:max_lines]
        lines[-1] = lines[-1].rstrip(" ,.;:") + "…"
    return "\n".join(lines)


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


@contextlib.contextmanager
def style() -> Iterator[None]:
    """Apply the fixed chart style for the duration of a build or a save."""
    with matplotlib.rc_context(RC):
        yield


def new_figure(width: float, height: float) -> Figure:
    """Return a figure of ``width`` x ``height`` inches (call inside :func:`style`)."""
    return Figure(figsize=(width, height), layout="constrained")


def render(chart: Chart, fmt: str = "png") -> bytes:
    """Render a chart to bytes: "png" (screen, 100 dpi), "png300", "svg" or "pdf".

    SVG and PDF carry fixed metadata (no date), so equal data gives equal bytes.
    """
    if fmt not in FORMATS:
        raise ValueError(f"okänt format: {fmt!r} (välj png, png300, svg eller pdf)")
    ext, dpi, _ = FORMATS[fmt]
    buf = io.BytesIO()
    with style():
        kwargs: dict = {"format": ext}
        if dpi:
            kwargs["dpi"] = dpi
            kwargs["metadata"] = {"Software": None}
        elif ext == "svg":
            kwargs["metadata"] = SVG_METADATA
        else:
            kwargs["metadata"] = PDF_METADATA
        chart.figure.savefig(buf, **kwargs)
    return buf.getvalue()


def text_colour_on(fill: str) -> str:
    return "#FFFFFF" if fill in DARK_FILLS else TEXT_COLOUR
