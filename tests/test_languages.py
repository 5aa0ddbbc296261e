"""Languages: answers are codes whatever the language, RTL/lang attributes, unreviewed texts page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from surveys.extensions import db
from surveys.languages import unreviewed_texts
from surveys.models import Answer, BackgroundAnswer, FreeText, Response
from tests.helpers import form_fields, strip_tags

LANGS = ("sv", "en", "ar", "sv-LL")


@pytest.fixture
def forbund(make_forbund):
    return make_forbund()


@pytest.fixture
def links(forbund, make_insats, make_link):
    insats = make_insats(forbund)
    return {code: make_link(forbund, code, insats) for code in ("DP", "DA")}


def rows_without_ids():
    """Every stored row of the answer tables, with the response id and submission key left out."""
    responses = {}
    for r in db.session.scalars(select(Response)):
        responses[r.id] = tuple((c.key, getattr(r, c.key)) for c in Response.__table__.columns
                                if c.key not in ("id", "submission_key"))
    out = {}
    for r_id, meta in responses.items():
        out[r_id] = (
            meta,
            sorted((a.item_id, a.value) for a in db.session.scalars(select(Answer).where(Answer.response_id == r_id))),
            sorted((b.question_id, b.value) for b in db.session.scalars(
                select(BackgroundAnswer).where(BackgroundAnswer.response_id == r_id))),
            sorted((f.question_id, f.text) for f in db.session.scalars(select(FreeText).where(FreeText.response_id == r_id))),
        )
    return list(out.values())


@pytest.mark.parametrize("code", ["DP", "DA"])
def test_same_answers_in_every_language_give_identical_stored_data(client, links, code):
    link = links[code]
    prefix = code
    answers = {f"{prefix}01": "6", f"{prefix}02": "9", f"{prefix}03": "1", f"{prefix}05": "4",
               "gender": "annat", "age_group": "vill_inte_svara", "best": "Samma text", "improve": "Mer tid"}
    for lang in LANGS:
        page = client.get(f"/s/{link.token}/svar?lang={lang}")
        assert page.status_code == 200
        fields = form_fields(page.get_data(as_text=True))
        assert fields["lang"] == lang
        resp = client.post(f"/s/{link.token}/svar?lang={lang}", data={**fields, **answers})
        assert resp.status_code == 303, lang
    rows = rows_without_ids()
    assert len(rows) == len(LANGS)
    assert all(row == rows[0] for row in rows)
    assert rows[0][1] == sorted([(f"{prefix}01", 6), (f"{prefix}02", None), (f"{prefix}03", 1), (f"{prefix}05", 4)])


def test_arabic_pages_are_right_to_left_with_arabic_texts(client, links):
    token = links["DP"].token
    for path in ("", "/svar", "/tack"):
        html = client.get(f"/s/{token}{path}?lang=ar").get_data(as_text=True)
        assert '<html lang="ar" dir="rtl">' in html, path
    html = client.get(f"/s/{token}/svar?lang=ar").get_data(as_text=True)
    assert "هل يعتمد الدعم الذي تحصل عليه على احتياجاتك؟" in html  # instrument data
    assert "أرسل الإجابات" in html  # UI string from the Arabic catalogue
    assert "Skicka svaren" not in html


def test_lattlast_is_swedish_ltr_with_its_own_texts(client, links):
    html = client.get(f"/s/{links['DA'].token}/svar?lang=sv-LL").get_data(as_text=True)
    assert '<html lang="sv" dir="ltr">' in html
    assert "Stödet slutar nu. Finns det en plan för vad som ska hända sen?" in html
    # The UI strings come from the lättläst catalogue too (tests/test_respondent_language.py).
    assert ">Skicka</button>" in html and "Skicka svaren" not in html


def test_intro_offers_all_four_languages_for_participants_only(client, links, forbund, make_link):
    html = client.get(f"/s/{links['DP'].token}").get_data(as_text=True)
    for lang in LANGS:
        assert f"lang={lang}" in html.replace("&amp;", "&")
    assert "Lättläst svenska" in html and "العربية" in html
    pe = make_link(forbund, "PE", links["DP"].insats)
    html = client.get(f"/s/{pe.token}").get_data(as_text=True)
    assert "lang=ar" not in html and "Lättläst" not in html
    # Unknown or unoffered languages fall back to Swedish.
    assert '<html lang="sv"' in client.get(f"/s/{pe.token}/svar?lang=ar").get_data(as_text=True)


def test_staff_pages_never_switch_to_arabic(client, make_user, forbund, auth):
    user = make_user("kansli", "officer", forbund, language="ar")
    assert user.language == "ar"
    auth.login("kansli")
    html = client.get("/forbund/sprak/").get_data(as_text=True)
    assert '<html lang="sv"' in html


def test_unreviewed_texts_cover_everything_the_questionnaire_shows(app):
    from surveys.instruments import instrument

    entries = unreviewed_texts([instrument("2026.1")])
    found = {(e.language_code, e.questionnaire): e for e in entries}
    assert set(found) == {("ar", "DP"), ("ar", "DA"), ("sv-LL", "DP"), ("sv-LL", "DA")}
    dp = found[("ar", "DP")]
    # name + intro + 10 items + 2 scales x 7 labels + 3 background (1 + 4) + 2 free text
    assert dp.count == 2 + 10 + 14 + 15 + 2
    assert ("DP01", "هل يعتمد الدعم الذي تحصل عليه على احتياجاتك؟") in dp.texts
    assert dp.rtl and dp.html_lang == "ar"


def test_officer_page_lists_unreviewed_languages(client, make_user, forbund, auth):
    make_user("kansli", "officer", forbund)
    auth.login("kansli")
    resp = client.get("/forbund/sprak/")
    assert resp.status_code == 200
    text = strip_tags(resp.get_data(as_text=True))
    assert "العربية" in text and "Lättläst svenska" in text and "2026.1" in text
    assert "43" in text  # texts in DP in each unreviewed language
    assert "inte heller granskat" in text  # the Arabic UI strings are unreviewed too


@pytest.mark.parametrize("lang,message", [("en", "Enter the code you were given."), ("ar", "اكتب الرمز الذي حصلت عليه."),
                                          ("sv", "Skriv in koden du har fått.")])
def test_service_errors_are_shown_in_the_respondents_language(client, forbund, make_link, lang, message):
    link = make_link(forbund, "DP", requires_code=True)
    fields = form_fields(client.get(f"/s/{link.token}/svar?lang={lang}").get_data(as_text=True))
    html = client.post(f"/s/{link.token}/svar?lang={lang}", data={**fields, "DP01": "4"}).get_data(as_text=True)
    assert message in html


def test_english_questionnaire_has_english_ui_strings(client, links):
    html = client.get(f"/s/{links['DP'].token}/svar?lang=en").get_data(as_text=True)
    assert "Send your answers" in html and "About you" in html and "Skicka svaren" not in html
    intro = strip_tags(client.get(f"/s/{links['DP'].token}?lang=en").get_data(as_text=True))
    assert "You are anonymous" in intro and "It takes about 5 minutes." in intro
