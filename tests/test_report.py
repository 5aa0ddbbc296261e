"""The appendix: a tagged PDF/UA PDF from HTML (structure tree checked), the DOCX with the same
content, free-text rules, the English catalogue, determinism and concurrent builds."""

import dataclasses
import io
import shutil
import subprocess
import threading
import zipfile

import pytest
from pypdf import PdfReader

from indicators.catalogue import get_instrument
from indicators.report_files import ReportRequest, build_docx, build_report, build_report_files
from tests.reportset import synthetic_result_set, translations

FREE = {"DP": [("best", "Bemötandet var varmt"), ("best", "Kostar $5$ och $$ per $x$")],
        "ST": [("best", "HEMLIG STYRELSETEXT")]}


def text_of(pdf: bytes) -> str:
    return " ".join("\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).split())


@pytest.fixture(scope="session")
def full_rs():
    return synthetic_result_set(years=(2022, 2024))


@pytest.fixture(scope="session")
def files(full_rs):
    """The whole package once per session (charts rendered in two worker processes)."""
    return build_report_files(full_rs, get_instrument(), ReportRequest(year=2024), workers=2)


@pytest.fixture(scope="session")
def small():
    """Two groups, one year: DP shown, ST below the threshold."""
    return dataclasses.replace(synthetic_result_set(years=(2024,)), groups=("DP", "ST"))


def structure(pdf: bytes):
    """(tag, alt text) of every structure element of the PDF, depth first; and the catalogue."""
    reader = PdfReader(io.BytesIO(pdf))
    root = reader.trailer["/Root"]
    out = []

    def walk(node):
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            out.append((str(node["/S"]), str(node.get("/Alt", ""))))
        kids = node.get("/K")
        if kids is None:
            return
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict):
                walk(kid)

    walk(root["/StructTreeRoot"])
    return out, root, reader


def test_file_names(files):
    assert sorted(files) == ["bilaga-2024.docx", "bilaga-2024.pdf", "diagram-2024-png300.zip",
                             "tabeller-2024-csv.zip", "tabeller-2024.xlsx"]


def test_pdf_is_tagged_with_headings_tables_and_figures_with_alt_text(files, full_rs):
    pdf = files["bilaga-2024.pdf"]
    tags, root, reader = structure(pdf)
    assert bool(root["/MarkInfo"]["/Marked"])
    assert str(root["/Lang"]) == "sv"
    assert "sammanställning 2024" in reader.metadata.title
    kinds = [t for t, _ in tags]
    assert kinds.count("/H1") == 1 and "/H2" in kinds and "/H3" in kinds
    assert "/Table" in kinds and "/TH" in kinds and "/TD" in kinds and "/THead" in kinds
    figures = [alt for t, alt in tags if t == "/Figure"]
    # one overview per shown group, one or two answer charts, a trend chart per question
    shown = [g for g in full_rs.groups if full_rs.items_for(g, 2024)]
    questions = sum(len(full_rs.items_for(g, 2024)) for g in shown)
    assert len(figures) >= len(shown) * 2 + questions
    assert all(len(alt) > 20 for alt in figures)
    assert any(alt.startswith("DP01 ") and "(n = 2" in alt and "1 = Aldrig" in alt for alt in figures)
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert "Tagged:          yes" in info


def test_pdf_text_has_the_cover_summary_and_method(files):
    text = text_of(files["bilaga-2024.pdf"])
    assert "Indikatorer för finansiell samordning – sammanställning 2024" in text
    assert "Samordningsförbundet Testbygden" in text and "DEMODATA" in text
    assert "Sammanfattning" in text and "som jämförs med riket ligger" in text
    assert "1 november 2023 – 31 oktober 2024" in text
    assert "Rapporteringsgräns" in text and "5 svar" in text
    assert "Testkälla riksvärden 2024" in text and "Importerade riksvärden" in text
    assert "Stämmer inte alls" in text
    assert "I15 Minskat behov av offentlig försörjning" in text and "I16 Samhällsekonomisk nytta" in text
    assert "=1,2 mnkr" in text
    assert "för få svar" in text  # ST 2024 has three responses
    assert "Gruppen förbundsstyrelsens ledamöter ingår inte" in text


def test_docx_has_heading_styles_tables_alt_text_and_the_summary(files):
    import docx

    document = docx.Document(io.BytesIO(files["bilaga-2024.docx"]))
    styles = [(p.style.name, p.text) for p in document.paragraphs]
    assert ("Heading 1", "Indikatorer för finansiell samordning – sammanställning 2024") in styles
    assert ("Heading 2", "Sammanfattning") in styles and ("Heading 2", "Metod") in styles
    assert any(s == "Heading 3" for s, _ in styles)
    texts = [t for _, t in styles]
    summary = texts[texts.index("Sammanfattning") + 1:texts.index("Metod")]
    assert any("som jämförs med riket ligger" in t for t in summary)
    assert len(document.tables) > 5
    header = [c.text for c in document.tables[1].rows[0].cells]
    assert header[:3] == ["Fråga", "n", "Medel"]
    pictures = document.inline_shapes
    assert len(pictures) > 20
    for shape in pictures:
        descr = shape._inline.docPr.get("descr")
        assert descr and len(descr) > 20
    assert document.core_properties.language == "sv-SE"


def test_pdf_and_docx_show_the_same_headings(files):
    import docx

    document = docx.Document(io.BytesIO(files["bilaga-2024.docx"]))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    text = text_of(files["bilaga-2024.pdf"])
    for heading in headings:
        assert heading in text


def test_chart_zip_is_300_dpi_png_with_text(files):
    zf = zipfile.ZipFile(io.BytesIO(files["diagram-2024-png300.zip"]))
    names = zf.namelist()
    assert "fraga-DP01-2024.png" in names and "trend-DP01.txt" in names
    from PIL import Image

    image = Image.open(io.BytesIO(zf.read("fraga-DP01-2024.png")))
    assert image.size[0] >= 1000  # 8.5 cm at 300 dpi


def test_free_text_only_when_asked_never_for_a_suppressed_group_and_dollars_are_text(small):
    inst = get_instrument()
    without = text_of(build_report(small, inst, 2024, free_texts=FREE, workers=0))
    assert "Bemötandet var varmt" not in without
    with_text = text_of(build_report(small, inst, 2024, free_texts=FREE, include_free_text=True, workers=0))
    assert "Bemötandet var varmt" in with_text
    assert "Kostar $5$ och $$ per $x$" in with_text
    assert "HEMLIG STYRELSETEXT" not in with_text


@pytest.fixture(scope="session")
def small_package(small):
    """The small set's whole package, built alone (no worker processes), once per session."""
    return build_report_files(small, get_instrument(), lang=translations("sv"), workers=0)


def test_the_docx_alone_is_the_packages_docx(small, small_package):
    docx = build_docx(small, get_instrument(), 2024, workers=0)
    (name,) = [n for n in small_package if n.endswith(".docx")]
    assert docx == small_package[name]


def test_two_builds_at_once_in_threads_equal_the_builds_alone(small, small_package):
    """No process-wide matplotlib state: concurrent builds give the same bytes as builds alone.
    (So every file of the package - PDF, DOCX, XLSX, CSV, charts - is also deterministic: each
    is built twice from the same data and compared byte for byte.)"""
    inst = get_instrument()
    en = dataclasses.replace(synthetic_result_set(years=(2024,), reference="none", seed=4), groups=("DA", "CH"))
    jobs = [(small, "sv"), (en, "en")]
    alone = [small_package, build_report_files(en, inst, lang=translations("en"), workers=0)]
    together = [None, None]

    def run(k):
        rs, lang = jobs[k]
        together[k] = build_report_files(rs, inst, lang=translations(lang), workers=0)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for a, b in zip(alone, together, strict=True):
        assert a.keys() == b.keys()
        for name in a:
            assert a[name] == b[name], name


def test_english_report_uses_the_catalogue_and_bad_year(full_rs):
    english = dataclasses.replace(synthetic_result_set(years=(2024,), reference="none"), groups=("CH",))
    text = text_of(build_report(english, get_instrument(), lang=translations("en"), workers=0))
    assert "Indicators for financial coordination" in text
    assert "Summary" in text and "Method" in text
    with pytest.raises(ValueError):
        build_report(full_rs, get_instrument(), 2019)


def test_the_pdf_embeds_each_charts_pixels_unchanged(small, small_package):
    """The PNG data goes into the PDF as it is (indicators.report._png_stream_as_is): the image
    read back from the PDF has exactly the pixels of the chart's embedded PNG."""
    from PIL import Image, ImageChops

    from indicators.chart_style import render_formats
    from indicators.report import EMBED_FORMAT
    from indicators.report_data import chart_by_name

    (pdf,) = [data for name, data in small_package.items() if name.endswith(".pdf")]
    chart = chart_by_name(small, get_instrument(), 2024, "indikatorer-DP-2024", lang=translations("sv"))
    expected = Image.open(io.BytesIO(render_formats(chart, (EMBED_FORMAT,))[EMBED_FORMAT])).convert("RGB")
    images = (img.image.convert("RGB") for page in PdfReader(io.BytesIO(pdf)).pages for img in page.images)
    assert any(im.size == expected.size and ImageChops.difference(im, expected).getbbox() is None for im in images)


def test_the_chart_server_can_be_started_before_the_first_report():
    """`flask worker` starts the charts' fork server at startup (warm: it forks only after its
    preload); starting it again is harmless, and reports use it."""
    import os
    from multiprocessing import forkserver

    from indicators.report_render import default_workers, start_chart_server

    start_chart_server()
    start_chart_server()
    if default_workers() > 0:
        pid = forkserver._forkserver._forkserver_pid
        assert pid and os.kill(pid, 0) is None  # running
