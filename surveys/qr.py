"""QR codes for survey links, rendered by segno (never by hand)."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup


def _code(url: str) -> segno.QRCode:
    # Level M survives a crumpled or slightly dirty printout and keeps the code small.
    return segno.make(url, error="m", micro=False)


def qr_png(url: str, scale: int = 10) -> bytes:
    """Return a PNG of the QR code for ``url`` (black on white, with the standard quiet zone)."""
    buf = io.BytesIO()
    _code(url).save(buf, kind="png", scale=scale, border=4, dark="black", light="white")
    return buf.getvalue()


def qr_svg(url: str, scale: int = 8, title: str | None = None) -> bytes:
    """Return a standalone SVG document of the QR code for ``url``, scalable for print."""
    buf = io.BytesIO()
    _code(url).save(buf, kind="svg", scale=scale, border=4, dark="black", light="white",
                    xmldecl=True, title=title, unit=None, svgclass="qr-code")
    return buf.getvalue()


def qr_svg_inline(url: str, title: str, scale: int = 3) -> Markup:
    """Return an inline ``<svg>`` element of the QR code for ``url``, for printed pages."""
    return Markup(_code(url).svg_inline(scale=scale, border=2, title=title, svgclass="qr-code", lineclass=None))
