"""The paper questionnaire printed to PDF by headless Chromium (A4), read back with pdftotext:
no on-screen note, no word broken inside a column header, no heading alone at the foot of a page."""

import re
import shutil
import subprocess

import pytest

from indicators.catalogue import get_instrument
from tests.browser.conftest import login

pytestmark = pytest.mark.browser

HEADINGS = {"sv": ("Om dig", "Med egna ord"), "ar": ()}


def printed_pages(page, site, lang: str) -> list[str]:
    page.goto(f"{site.url}/papper/lank/{site.link_ids['dp']}/utskrift?lang={lang}")
    page.emulate_media(media="print")
    pdf = page.pdf(format="A4", print_background=False)
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext (poppler-utils) is missing")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return text.decode().split("\f")


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_paper_questionnaire_prints_cleanly_on_a4(page, site, lang):
    login(page, site, "officer")
    pages = [p for p in printed_pages(page, site, lang) if p.strip()]
    text = "\n".join(pages)
    assert "Ctrl+P" not in text and "pappersversionen av enkäten" not in text
    inst = get_instrument()
    used = {item.scale for item in inst.questionnaires["DP"].items}
    words = {w for scale in used for label in inst.scales[scale].labels.get(lang, ()) for w in label.split()}
    tokens = text.split()
    for word in words:
        if len(word) < 4:
            continue
        # a header word broken inside shows as a piece of it ending a line ("myck-" or "myck")
        for k in range(2, len(word) - 1):
            piece = word[:k]
            assert piece + "-" not in tokens, f"{word!r} is hyphenated in the print"
        assert word in tokens or lang == "ar", f"{word!r} does not appear whole"
    for number, content in enumerate(pages, 1):
        lines = [line.strip() for line in content.splitlines() if line.strip()]
        last = lines[-1] if lines else ""
        for heading in HEADINGS[lang]:
            assert last != heading, f"page {number} ends with the heading {heading!r}"
        assert not re.fullmatch(r"(Frågor \d+–\d+|Fråga \d+)", last), f"page {number} ends with a table caption"
