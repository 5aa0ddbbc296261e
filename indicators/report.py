"""The annual-report appendix as a tagged, accessible PDF (PDF/UA-1) rendered from HTML.

Pure: the :class:`~indicators.report_content.Document` (headings, paragraphs, tables, figures)
is rendered by a Jinja2 template of this package (``report_templates/``, no Flask) and laid out
by WeasyPrint with ``pdf_variant="pdf/ua-1"``: real headings, tables with header cells, charts as
images whose alternative text is the chart's text alternative and description, the document
language and title set. The Jinja2 environment gets the report's translations object.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import jinja2

from .i18n import N_, Tr
from .report_content import Document
from .report_render import RenderedChart

TEMPLATES = Path(__file__).resolve().parent / "report_templates"
#: The chart format embedded in the PDF (and the DOCX): 200 dpi at the printed size, averaged
#: down from the 300 dpi raster of the chart ZIP. WeasyPrint decodes and re-compresses every PNG
#: it embeds, so the pixel count of these images is a large part of the time of a PDF.
EMBED_FORMAT = "png200"
#: Image addresses in the HTML: ``chart:<name>``, answered from the rendered charts (no data:
#: URIs: a few MB of base64 in the HTML cost the parser about a second).
CHART_SCHEME = "chart:"


@lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             extensions=["jinja2.ext.i18n"], trim_blocks=False)
    return env


def render_html(doc: Document, charts: Mapping[str, RenderedChart], tr: Tr, *, running: str) -> str:
    """The appendix as one HTML page; charts are ``chart:<name>`` images (see :func:`render_pdf`)."""
    env = _environment()
    template = env.get_template("appendix.html")
    images = {name: CHART_SCHEME + name for name in doc.chart_names}
    css = (TEMPLATES / "appendix.css").read_text(encoding="utf-8")
    # A per-call gettext binding: the shared environment stays free of any one language.
    return template.render(doc=doc, charts=charts, images=images, css=css, running=running,
                           _=tr.gettext, gettext=tr.gettext, ngettext=tr.ngettext)


def _fetcher(charts: Mapping[str, RenderedChart]):
    """A WeasyPrint URL fetcher that answers ``chart:<name>`` with the chart's PNG (waiting for it
    if it is still being rendered) and fails the PDF if a chart cannot be had."""
    from email.message import EmailMessage

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    png = EmailMessage()  # parsed once: a header dict would be parsed for every image
    png["Content-Type"] = "image/png"

    class ChartFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith(CHART_SCHEME):
                data = charts[url[len(CHART_SCHEME):]].files[EMBED_FORMAT]
                return URLFetcherResponse(url, data, png)
            return super().fetch(url, headers)

    return ChartFetcher(fail_on_errors=True)


def _png_stream_as_is() -> None:
    """Let WeasyPrint embed an opaque 8-bit PNG's compressed pixel data as it is.

    A PDF image stream with ``/FlateDecode`` and PNG predictors (what WeasyPrint writes for every
    PNG) *is* the concatenated IDAT data of a non-interlaced PNG. WeasyPrint nevertheless decodes
    each image and compresses it again (``RasterImage._get_png_data``): about 1.6 s of a report's
    PDF. For a PNG it was given unchanged (RGB or grey, 8 bits, not interlaced, still backed by
    the original bytes), the IDAT chunks are now taken directly; anything else (alpha, palette,
    16 bits, interlaced, a resized copy) goes through WeasyPrint's own code. Installed once; it
    keeps no state, so concurrent reports are unaffected.
    """
    import io
    import struct

    from weasyprint.images import RasterImage

    original = RasterImage._get_png_data
    if getattr(original, "as_is", False):
        return

    def get_png_data(pillow_image):
        fp = getattr(pillow_image, "fp", None)
        if (pillow_image.format == "PNG" and pillow_image.mode in ("RGB", "L")
                and not pillow_image.info.get("interlace") and isinstance(fp, io.BytesIO)):
            data = fp.getvalue()
            if data[:8] == b"\x89PNG\r\n\x1a\n" and data[24] == 8:  # IHDR bit depth 8
                chunks, position = [], 8
                while position + 8 <= len(data):
                    length, kind = struct.unpack("!I4s", data[position : position + 8])
                    if kind == b"IDAT":
                        chunks.append(data[position + 8 : position + 8 + length])
                    position += 12 + length
                if chunks:
                    return b"".join(chunks)
        return original(pillow_image)

    get_png_data.as_is = True
    RasterImage._get_png_data = staticmethod(get_png_data)


def render_pdf(doc: Document, charts: Mapping[str, RenderedChart], tr: Tr, *, running: str) -> bytes:
    """The appendix as tagged PDF/UA-1 bytes. ``charts`` may still be rendering (a
    :class:`~indicators.report_render.ChartSet`): each chart is waited for when it is laid out."""
    import weasyprint

    _png_stream_as_is()

    html = render_html(doc, charts, tr, running=running)
    document = weasyprint.HTML(string=html, base_url=str(TEMPLATES), url_fetcher=_fetcher(charts)).render(
        pdf_variant="pdf/ua-1")
    document.metadata.title = doc.title
    document.metadata.lang = doc.lang
    document.metadata.generator = tr.gettext(N_("Indikatorer för finansiell samordning"))
    document.metadata.created = None
    document.metadata.modified = None
    return document.write_pdf(pdf_variant="pdf/ua-1", uncompressed_pdf=False)


def build_report(rs, inst, year=None, **kwargs) -> bytes:
    """The appendix PDF alone (see :func:`indicators.report_files.build_report`)."""
    from .report_files import build_report as build

    return build(rs, inst, year, **kwargs)
