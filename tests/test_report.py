"""The appendix PDF: real extractable text, the method facts, free-text rules, determinism."""

import dataclasses
import io

import pytest
from pypdf import PdfReader

from indicators.catalogue import get_instrument
from indicators.report import build_report
from tests.reportset import synthetic_result_set

FREE = {"DP": [("best", "Bemötandet var varmt")], "ST": [("best", "HEMLIG STYRELSETEXT")]}


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def rs():
    return synthetic_result_set(years=(2022, 2024))


@pytest.fixture(scope="module")
def small():
    """Two groups, one year: DP shown, ST below the threshold."""
    return dataclasses.replace(synthetic_result_set(years=(2024,)), groups=("DP", "ST"))


@pytest.fixture(scope="module")
def pdf(rs):
    return build_report(rs, get_instrument(), 2024)


def test_pdf_text_is_extractable_and_has_the_cover_and_method(pdf):
    text = " ".join(text_of(pdf).split())
    assert "Indikatorer för finansiell samordning – sammanställning 2024" in text
    assert "Samordningsförbundet Testbygden" in text
    assert "DEMODATA" in text
    assert "1 november 2023 – 31 oktober 2024" in text
    assert "Rapporteringsgräns" in text and "5 svar" in text
    assert "Testkälla riksvärden 2024" in text and "Importerade riksvärden" in text
    assert "Deltagare pågående" in text and "24" in text
    assert "Stämmer inte alls" in text
    assert "I15 Minskat behov av offentlig försörjning" in text and "I16 Samhällsekonomisk nytta" in text
    assert "=1,2 mnkr" in text
    assert "för få svar" in text  # ST 2024 has three responses


def test_free_text_only_when_asked_and_never_for_a_suppressed_group(small):
    inst = get_instrument()
    rs = small
    without = " ".join(text_of(build_report(rs, inst, 2024, free_texts=FREE)).split())
    assert "Bemötandet var varmt" not in without
    with_text = " ".join(text_of(build_report(rs, inst, 2024, free_texts=FREE, include_free_text=True)).split())
    assert "Bemötandet var varmt" in with_text
    assert "HEMLIG STYRELSETEXT" not in with_text


def test_pdf_is_deterministic(small):
    pdf = build_report(small, get_instrument(), 2024)
    assert build_report(small, get_instrument(), 2024) == pdf
    assert b"CreationDate" not in pdf


def test_english_report_and_bad_year(rs):
    english = dataclasses.replace(synthetic_result_set(years=(2024,), reference="none"), groups=("CH",))
    text = text_of(build_report(english, get_instrument(), lang="en"))
    assert "Indicators for financial coordination" in " ".join(text.split())
    with pytest.raises(ValueError):
        build_report(rs, get_instrument(), 2019)
