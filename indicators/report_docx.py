"""The annual-report appendix as an editable Word document (DOCX), same content as the PDF.

Pure (python-docx). Headings use Word's built-in heading styles (so the navigation pane and a
table of contents work), tables are real Word tables with a repeated header row, and every chart
is a picture whose alternative text (``docPr/@descr``) is the chart's text alternative and
description. The summary text is ordinary paragraphs the officer can edit. Core properties
carry title, language and no dates, so the same content gives the same file.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Mapping

from .export import fixed_zip_dates
from .i18n import Tr
from .report_content import Document
from .report_render import RenderedChart

#: The chart pictures: the PDF's 200 dpi copies (print resolution at the size they are placed
#: at; the chart ZIP has the 300 dpi files).
EMBED_FORMAT = "png200"
FIXED_DATE = datetime.datetime(2000, 1, 1)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _table(document, header, rows, numeric, caption: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    document.add_paragraph(caption, style="Caption")
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for k, text in enumerate(header):
        cell = table.rows[0].cells[k]
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        if numeric[k]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _repeat_header(table.rows[0])
    for row in rows:
        cells = table.add_row().cells
        for k, text in enumerate(row):
            cells[k].text = str(text)
            if numeric[k]:
                cells[k].paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for row in table.rows:
        for cell in row.cells:
            for p in cell.paragraphs:
                for run in p.runs:
                    run.font.size = Pt(8)


def _picture(document, chart: RenderedChart, wide: bool) -> None:
    from docx.shared import Cm

    document.add_picture(io.BytesIO(chart.files[EMBED_FORMAT]), width=Cm(16 if wide else 8.5))
    inline = document.inline_shapes[-1]._inline
    doc_pr = inline.docPr
    doc_pr.set("descr", chart.description)
    doc_pr.set("title", chart.alt)


def render_docx(doc: Document, charts: Mapping[str, RenderedChart], tr: Tr) -> bytes:
    """The appendix as DOCX bytes."""
    import docx
    from docx.enum.text import WD_BREAK

    document = docx.Document()
    props = document.core_properties
    props.title = doc.title
    props.subject = doc.subject
    props.language = "sv-SE" if doc.lang == "sv" else "en-GB"
    props.author = ""
    props.last_modified_by = ""
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.revision = 1
    document.styles["Normal"].font.name = "Calibri"
    _set_language(document, props.language)
    for b in doc.blocks:
        if b.kind == "heading":
            document.add_heading(b.text, level=b.level)
        elif b.kind == "para":
            p = document.add_paragraph(b.text, style="Quote" if b.style == "quote" else None)
            if b.style in ("demo", "question"):
                for run in p.runs:
                    run.bold = True
            if b.style == "note":
                for run in p.runs:
                    run.italic = True
        elif b.kind == "facts":
            _table(document, ("", ""), b.pairs, (False, False), b.caption)
            _drop_empty_header(document)
        elif b.kind == "table":
            _table(document, b.header, b.rows, b.numeric, b.caption)
            if b.note:
                document.add_paragraph(b.note)
        elif b.kind == "figure":
            _picture(document, charts[b.name], b.wide)
        elif b.kind == "pagebreak":
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    buf = io.BytesIO()
    document.save(buf)
    return fixed_zip_dates(buf.getvalue())


def _drop_empty_header(document) -> None:
    """A label–value list has no header row: remove the empty first row."""
    table = document.tables[-1]
    first = table.rows[0]._tr
    first.getparent().remove(first)


def _set_language(document, language: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    rpr = document.styles["Normal"].element.get_or_add_rPr()
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), language)
