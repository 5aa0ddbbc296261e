"""Respondent pages in the respondent's language: Accept-Language on the first visit, ?lang= on every
page (404 and closed links included), lättläst for every respondent UI string, plain headings and the
languages on the A4 QR sheet."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.mofile import read_mo

from tests.conftest import TODAY, login
from tests.helpers import form_fields, strip_tags

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def world(make_forbund, make_insats, make_link):
    forbund = make_forbund()
    insats = make_insats(forbund, "Steg för steg")
    return {"forbund": forbund, "insats": insats, "dp": make_link(forbund, "DP", insats),
            "da": make_link(forbund, "DA", insats), "pe": make_link(forbund, "PE", insats)}


def html_lang(html: str) -> tuple[str, str]:
    m = re.search(r'<html lang="([^"]+)" dir="([^"]+)"', html)
    return m.group(1), m.group(2)


@pytest.mark.parametrize("header,expected", [
    ("ar", ("ar", "rtl")), ("en-GB,en;q=0.9", ("en", "ltr")), ("de-DE,de;q=0.9,ar;q=0.5", ("ar", "rtl")),
    ("fi", ("sv", "ltr")), ("sv-SE", ("sv", "ltr")),
])
def test_first_visit_follows_accept_language_among_the_offered_languages(client, world, header, expected):
    resp = client.get(f"/s/{world['dp'].token}", headers={"Accept-Language": header})
    assert resp.status_code == 200
    assert html_lang(resp.get_data(as_text=True)) == expected
    assert "Accept-Language" in resp.headers.get("Vary", "")


def test_accept_language_is_only_followed_among_the_questionnaires_languages(client, world):
    # PE (staff) is offered in Swedish and English only: Arabic falls back to Swedish, not an Arabic UI.
    resp = client.get(f"/s/{world['pe'].token}", headers={"Accept-Language": "ar"})
    assert html_lang(resp.get_data(as_text=True)) == ("sv", "ltr")


def test_explicit_choice_wins_over_the_browser(client, world):
    resp = client.get(f"/s/{world['dp'].token}?lang=sv", headers={"Accept-Language": "ar"})
    assert html_lang(resp.get_data(as_text=True)) == ("sv", "ltr")
    page = client.get(f"/s/{world['dp'].token}/svar?lang=en", headers={"Accept-Language": "ar"}).get_data(as_text=True)
    assert form_fields(page)["lang"] == "en"


def test_language_choice_comes_before_the_heading_and_the_introduction(client, world):
    html = client.get(f"/s/{world['dp'].token}?lang=en").get_data(as_text=True)
    main = html[html.index('<main'):]
    assert main.index('class="language-choice"') < main.index("<h1>") < main.index("The questions are about")
    for code in ("sv", "sv-LL", "en", "ar"):
        assert f"lang={code}" in main


def test_headings_use_plain_names_not_group_names(client, world):
    html = client.get(f"/s/{world['dp'].token}").get_data(as_text=True)
    assert "<h1>Enkät för dig som deltar i Steg för steg</h1>" in html
    assert "Deltagare pågående" not in html
    html = client.get(f"/s/{world['da'].token}?lang=en").get_data(as_text=True)
    assert "<h1>Questionnaire for you who have taken part in Steg för steg</h1>" in html
    assert "Participants on completion" not in html


@pytest.mark.parametrize("lang,expected,text", [
    ("en", ("en", "ltr"), "We cannot find the page"), ("ar", ("ar", "rtl"), None), ("sv-LL", ("sv", "ltr"), "Vi hittar inte sidan. Titta"),
])
def test_unknown_link_404_honours_lang_and_accept_language(client, world, lang, expected, text):
    for resp in (client.get(f"/s/no-such-token?lang={lang}"), client.get(f"/s/x/y/z?lang={lang}")):
        assert resp.status_code == 404
        html = resp.get_data(as_text=True)
        assert html_lang(html) == expected
        if text:
            assert text in html
        assert "Vi hittar inte sidan du söker" not in html
    if lang != "sv-LL":
        resp = client.get("/s/no-such-token", headers={"Accept-Language": lang})
        assert html_lang(resp.get_data(as_text=True)) == expected


def test_closed_link_and_errors_in_the_chosen_language(client, world, make_link):
    today = dt.date.fromisoformat(TODAY)
    closed = make_link(world["forbund"], "DP", world["insats"], opens_on=today - dt.timedelta(days=60),
                       closes_on=today - dt.timedelta(days=1))
    html = client.get(f"/s/{closed.token}?lang=en").get_data(as_text=True)
    assert "The questionnaire is closed" in html and "Enkäten är stängd" not in html
    html = client.get(f"/s/{closed.token}?lang=sv-LL").get_data(as_text=True)
    assert "Enkäten är slut" in html and "Det går inte längre att svara" not in html
    # An empty submission: the error in lättläst.
    token = world["dp"].token
    fields = form_fields(client.get(f"/s/{token}/svar?lang=sv-LL").get_data(as_text=True))
    html = client.post(f"/s/{token}/svar?lang=sv-LL", data=fields).get_data(as_text=True)
    assert "Svara på minst en fråga först." in html


def test_lattlast_covers_intro_and_thank_you(client, world):
    token = world["dp"].token
    intro = strip_tags(client.get(f"/s/{token}?lang=sv-LL").get_data(as_text=True))
    assert "Du skriver inte ditt namn. Ingen kan se vad du svarar." in intro
    assert "Du är anonym." not in intro
    assert "Frågor till dig som är med i Steg för steg" in intro
    fields = form_fields(client.get(f"/s/{token}/svar?lang=sv-LL").get_data(as_text=True))
    resp = client.post(f"/s/{token}/svar?lang=sv-LL", data={**fields, "DP01": "5"})
    assert resp.status_code == 303
    thanks = strip_tags(client.get(resp.headers["Location"]).get_data(as_text=True))
    assert "Vi har fått dina svar." in thanks and "Dina svar är sparade" not in thanks
    # Standard Swedish is untouched by a lättläst request before it.
    assert "Du är anonym." in strip_tags(client.get(f"/s/{token}?lang=sv").get_data(as_text=True))


RESPONDENT_SOURCES = [
    *sorted((ROOT / "templates/respond").glob("*.html")), ROOT / "templates/base.html", ROOT / "templates/error.html",
    ROOT / "templates/_macros.html", ROOT / "surveys/views/respond.py", ROOT / "surveys/forms.py", ROOT / "surveys/responses.py",
    ROOT / "surveys/setup.py", ROOT / "surveys/respondent_language.py",
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def respondent_msgids() -> set[str]:
    found = set()
    for path in RESPONDENT_SOURCES:
        method, options = ("jinja2", {"extensions": "jinja2.ext.do"}) if path.suffix == ".html" else ("python", {})
        for _lineno, message, _comments, _context in extract_from_file(method, str(path), keywords=KEYWORDS, options=options):
            found.add(message[0] if isinstance(message, tuple) else message)  # a plural: its singular id
    return found


def test_lattlast_catalogue_has_every_respondent_string():
    with open(ROOT / "surveys/translations_easy/sv/LC_MESSAGES/messages.mo", "rb") as f:
        catalogue = read_mo(f)
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id and m.string}
    missing = sorted(respondent_msgids() - have)
    assert not missing, missing


def test_arabic_catalogue_has_every_respondent_string():
    with open(ROOT / "surveys/translations/ar/LC_MESSAGES/messages.mo", "rb") as f:
        catalogue = read_mo(f)
    have = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue if m.id and m.string}
    missing = sorted(respondent_msgids() - have)
    assert not missing, missing


def test_qr_sheet_lists_every_language_with_a_line_in_it(client, world, make_user):
    user = make_user("kansli", "officer", world["forbund"])
    login(client, user.username)
    html = client.get(f"/lankar/{world['dp'].id}/utskrift").get_data(as_text=True)
    assert 'class="sheet-languages"' in html
    block = html[html.index('class="sheet-languages"'):html.index("</ul>", html.index('class="sheet-languages"'))]
    assert "Svenska</strong>: Du kan svara på det här språket." in block
    assert "English</strong>: You can answer in this language." in block
    assert 'lang="ar" dir="rtl"><strong>العربية</strong>: يمكنك الإجابة بهذه اللغة' in block
    assert "Lättläst svenska</strong>: Du kan svara på lättläst svenska." in block
    # The page around it stays in the officer's language.
    assert '<html lang="sv">' in html
