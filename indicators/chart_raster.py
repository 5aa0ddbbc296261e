"""PNG output of the charts: one Agg raster per figure, text drawn line by line, a plain PNG writer.

Pure; used by :mod:`indicators.chart_style`. Three costs dominated a chart's PNG, and each is
handled here without touching matplotlib's process-wide settings:

* **Text.** matplotlib 3.11's Agg renderer draws every glyph separately from Python (set the size,
  transform, render, composite: about 0.1 ms a glyph, some 500 glyphs a chart). The renderer
  below draws each line of text as one bitmap (FreeType's ``draw_glyphs_to_bitmap``, the way
  Agg drew text up to matplotlib 3.10) and keeps the bitmaps and the text metrics of a line in a
  small cache keyed by text, font, size, resolution and hinting: tick labels, legends, subtitles
  and source lines repeat across the charts of a report. Rotated text and text with font features
  take matplotlib's own path.
* **PNG encoding.** Pillow chooses a filter per row, which costs more than the compression itself
  (about 100 ms for a full-width chart at 300 dpi). :func:`png_bytes` writes the PNG directly:
  filter "none", zlib level 1, the resolution in ``pHYs``; files are as small as before.
* **One raster, several resolutions.** The appendix's 200 dpi copies ("png200") are the 300 dpi
  raster averaged down (box filter), not a second drawing of the figure.

The caches hold only results of pure functions (same key, same bytes), so they cannot change an
output and are safe to share between threads; FreeType fonts are per thread in matplotlib.
"""

from __future__ import annotations

import struct
import threading
import zlib

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure

_LOCK = threading.Lock()
_METRICS: dict = {}
_BITMAPS: dict = {}
#: Entries per cache; a full cache starts over. A line's bitmap at 300 dpi is 1–30 kB, so the
#: bitmap cache stays under a few tens of MB in a worker.
_LIMIT = 4000


def _cached(store: dict, key, compute):
    try:
        return store[key]
    except KeyError:
        pass
    value = compute()
    with _LOCK:
        if len(store) >= _LIMIT:
            store.clear()
        store[key] = value
    return value


def _font_key(prop) -> tuple:
    return (tuple(prop.get_family()), prop.get_slant(), prop.get_variant(), prop.get_weight(), prop.get_stretch(),
            prop.get_size_in_points(), prop.get_file(), prop.get_math_fontfamily())


class _ReportRendererAgg(RendererAgg):
    """Agg with text drawn a line at a time from cached bitmaps (see the module docstring)."""

    def _line(self, s: str, prop, flags, antialiased: bool):
        """Lay out one line once: its bitmap and offsets, and its metrics (both cached)."""
        font = self._prepare_font(prop)
        font.set_text(s, 0, flags=flags)
        w, h = font.get_width_height()
        descent = font.get_descent() / 64.0
        _METRICS.setdefault((s, _font_key(prop), self.dpi, flags), (w / 64.0, h / 64.0, descent))
        font.draw_glyphs_to_bitmap(antialiased=antialiased)
        xo, yo = font.get_bitmap_offset()
        return np.array(font.get_image(), dtype=np.uint8, copy=True), xo / 64.0, yo / 64.0, descent

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        flags = get_hinting_flag()
        key = (s, _font_key(prop), self.dpi, flags)
        if key not in _METRICS:
            # Measured text is nearly always drawn next: one layout gives both (text is drawn
            # antialiased unless a caller says otherwise).
            _cached(_BITMAPS, key + (True,), lambda: self._line(s, prop, flags, True))
        return _cached(_METRICS, key, lambda: self._metrics(s, prop, flags))

    def _metrics(self, s: str, prop, flags):
        font = self._prepare_font(prop)
        font.set_text(s, 0.0, flags=flags)
        w, h = font.get_width_height()
        return w / 64.0, h / 64.0, font.get_descent() / 64.0

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or angle or (mtext is not None and (mtext.get_fontfeatures() or mtext.get_language())):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        flags = get_hinting_flag()
        antialiased = bool(gc.get_antialiased())
        key = (s, _font_key(prop), self.dpi, flags, antialiased)
        image, xo, yo, descent = _cached(_BITMAPS, key, lambda: self._line(s, prop, flags, antialiased))
        if image.size:
            # Agg's y runs downwards; the bitmap is placed by its bottom side (baseline + descent).
            self._renderer.draw_text_image(image, round(x + xo), round(y + yo + descent) + 1, 0, gc)


class _ReportCanvasAgg(FigureCanvasAgg):
    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _ReportRendererAgg(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def raster(fig: Figure, dpi: int):
    """The figure drawn at ``dpi`` as an opaque RGB Pillow image."""
    from PIL import Image

    old = fig.dpi
    fig.dpi = dpi
    try:
        canvas = _ReportCanvasAgg(fig)
        canvas.draw()
        # Pillow drops the (opaque) alpha channel in C; a numpy slice of every fourth byte is
        # slower than the whole PNG compression.
        return Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
                                ).convert("RGB")
    finally:
        fig.dpi = old


def downsample(image, width: int, height: int):
    """``image`` averaged down to ``width`` x ``height`` pixels (box filter)."""
    from PIL import Image

    return image.resize((width, height), Image.Resampling.BOX)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_bytes(image, dpi: int) -> bytes:
    """An opaque 8-bit RGB PNG of the RGB Pillow ``image`` with its resolution recorded (for Word
    and LibreOffice)."""
    width, height = image.size
    rows = np.empty((height, width * 3 + 1), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "none" on every row
    rows[:, 1:] = np.frombuffer(image.tobytes(), dtype=np.uint8).reshape(height, width * 3)
    per_metre = int(dpi / 0.0254 + 0.5)
    return b"".join((
        b"\x89PNG\r\n\x1a\n",
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)),
        _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
        _chunk(b"IDAT", zlib.compress(rows.tobytes(), 1)),
        _chunk(b"IEND", b""),
    ))
