"""The translation catalogues: English complete, Arabic complete for the respondent pages, all compiled."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "surveys" / "translations"
RESPONDENT_TEMPLATES = ("templates/respond", "templates/_macros.html", "templates/base.html")


def catalogue(lang: str):
    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def untranslated(cat) -> list:
    out = []
    for msg in cat:
        if not msg.id:
            continue
        strings = msg.string if isinstance(msg.string, tuple) else (msg.string,)
        if msg.fuzzy or not all(strings):
            out.append(msg.id)
    return out


def test_english_catalogue_has_no_untranslated_or_fuzzy_entries():
    assert untranslated(catalogue("en")) == []


def test_catalogues_cover_every_extracted_string():
    with (CATALOGUES / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    ids = {m.id for m in template if m.id}
    for lang in ("en", "ar"):
        assert ids - {m.id for m in catalogue(lang) if m.id} == set(), f"run scripts/translations.sh ({lang})"


def _respondent_msgids() -> set:
    found = set()
    method_map = [("**.html", "jinja2")]
    options = {"**.html": {"extensions": "jinja2.ext.do"}}
    for rel in RESPONDENT_TEMPLATES:
        path = ROOT / rel
        if path.is_dir():
            for _, _, message, _, _ in extract_from_dir(str(path), method_map, options):
                found.add(message)
        else:
            from babel.messages.extract import extract

            with path.open("rb") as fh:
                for _, message, _, _ in extract("jinja2", fh, options={"extensions": "jinja2.ext.do"}):
                    found.add(message)
    return found


def test_arabic_covers_the_respondent_pages():
    ar = catalogue("ar")
    assert "UNREVIEWED" in (ar.header_comment or "")
    missing = set(untranslated(ar)) & _respondent_msgids()
    # Staff-only strings in base.html (menu, my account, log out) are never shown in Arabic.
    missing -= {"Huvudmeny", "Logga ut", "Mitt konto"}
    assert missing == set()


def _key(value):
    return tuple(value) if isinstance(value, (list, tuple)) else value


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_compiled_catalogue_matches_the_po_file(lang):
    from babel.messages.mofile import read_mo

    with (CATALOGUES / lang / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        compiled = {_key(m.id): _key(m.string) for m in read_mo(fh) if m.id}
    source = {_key(m.id): _key(m.string) for m in catalogue(lang)
              if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else (m.string,))}
    stale = {k: v for k, v in source.items() if compiled.get(k) != v}
    assert not stale, "run scripts/translations.sh to compile the catalogues"
