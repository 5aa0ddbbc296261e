"""The respondent side in a real browser: keyboard only, error summary, expired session, languages and
right-to-left, reflow at 320 px and 200 % text, printing."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from surveys.extensions import db
from surveys.models import Answer, BackgroundAnswer, FreeText, Response
from tests.browser.conftest import BROWSER_LOCALE, PHONE, PHONE_L, submit

pytestmark = pytest.mark.browser

FOCUS_VISIBLE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  return {id: el.id, tag: el.tagName, visible: outline || shadow};
}"""


def stored(site):
    """Every stored response with its answers, background answers and free texts (no ids)."""
    with site.app.app_context():
        out = []
        for r in db.session.scalars(select(Response).order_by(Response.id)):
            out.append({
                "questionnaire": r.questionnaire,
                "answers": {a.item_id: a.value for a in db.session.scalars(select(Answer).where(Answer.response_id == r.id))},
                "background": {b.question_id: b.value for b in db.session.scalars(
                    select(BackgroundAnswer).where(BackgroundAnswer.response_id == r.id))},
                "free_text": {f.question_id: f.text for f in db.session.scalars(select(FreeText).where(FreeText.response_id == r.id))},
            })
        db.session.remove()
        return out


def delete_responses(site):
    with site.app.app_context():
        for model in (Answer, BackgroundAnswer, FreeText, Response):
            db.session.execute(model.__table__.delete())
        db.session.commit()
        db.session.remove()


def tab_to(page, predicate: str, limit: int = 12) -> dict:
    """Press Tab until the focused element matches; every focus stop must be visibly focused."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focus = page.evaluate(FOCUS_VISIBLE)
        assert focus is not None, "focus fell back to the page body"
        assert focus["visible"], f"focus is not visible on {focus}"
        if page.evaluate(f"() => {{ const el = document.activeElement; return {predicate}; }}"):
            return focus
    raise AssertionError(f"could not reach {predicate} with Tab")


def test_keyboard_only_completes_a_questionnaire(page, site):
    delete_responses(site)
    page.goto(site.link("dp"))
    # The intro's "Börja svara" is reached with Tab and followed with Enter.
    tab_to(page, "el.classList.contains('button')")
    page.keyboard.press("Enter")
    page.wait_for_url("**/svar?lang=sv")
    chosen = {}
    items = [f"DP{n:02d}" for n in range(1, 11)]
    for n, item in enumerate(items):
        tab_to(page, f"el.name === '{item}'")
        page.keyboard.press("Space")  # checks the first option (1)
        for _ in range(n % 6):
            page.keyboard.press("ArrowDown")  # moves to, and checks, the next option
            assert page.evaluate(FOCUS_VISIBLE)["visible"]
        chosen[item] = n % 6 + 1
        assert page.locator(f"input[name={item}]:checked").get_attribute("value") == str(chosen[item])
    # "Vet ej" is reachable with the arrow keys too: the last question gets it instead.
    while page.evaluate("document.activeElement.value") != "9":
        page.keyboard.press("ArrowDown")
    chosen["DP10"] = None
    for name, arrows, value in (("gender", 1, "man"), ("age_group", 0, "16-29"), ("time_in_intervention", 2, "over_12")):
        tab_to(page, f"el.name === '{name}'")
        page.keyboard.press("Space")
        for _ in range(arrows):
            page.keyboard.press("ArrowDown")
        assert page.locator(f"input[name={name}]:checked").get_attribute("value") == value
    tab_to(page, "el.name === 'best'")
    page.keyboard.type("Personalen lyssnar.")
    tab_to(page, "el.name === 'improve'")
    page.keyboard.type("Fler träffar.")
    tab_to(page, "el.type === 'submit'")
    page.keyboard.press("Enter")
    page.wait_for_url("**/tack?lang=sv")
    assert page.locator("h1").inner_text() == "Tack för dina svar!"
    [response] = stored(site)
    assert response["answers"] == chosen
    assert response["background"] == {"gender": "man", "age_group": "16-29", "time_in_intervention": "over_12"}
    assert response["free_text"] == {"best": "Personalen lyssnar.", "improve": "Fler träffar."}


def test_error_summary_links_to_fields_and_answers_are_kept(page, site):
    page.goto(site.link("code", "/svar"))
    page.check("#DP02-3")
    page.check("#gender-1")
    page.fill("#best", "Bra stöd")
    submit(page)  # no code: the code field is in error
    summary = page.locator(".error-summary")
    assert summary.count() == 1
    # The summary comes before the form and is announced (role=alert).
    assert page.evaluate("document.querySelector('.error-summary').compareDocumentPosition("
                         "document.querySelector('form.questionnaire')) & Node.DOCUMENT_POSITION_FOLLOWING")
    assert summary.get_attribute("role") == "alert"
    # static/js/error-summary.js (allowed by the CSP) moves focus to the summary.
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.title().startswith("Fel")
    # The field states its own error and is described by it.
    assert page.locator("#code-error").is_visible()
    assert "code-error" in page.locator("#code").get_attribute("aria-describedby")
    # The link in the summary moves focus to the field.
    summary.locator("a[href='#code']").click()
    assert page.evaluate("document.activeElement.id") == "code"
    # The answers already given are kept.
    assert page.is_checked("#DP02-3") and page.is_checked("#gender-1")
    assert page.input_value("#best") == "Bra stöd"
    # A radio group error: the link goes to the group's first option; the group states its error.
    page.evaluate("() => { const r = document.getElementById('DP01-0'); r.value = '8'; r.checked = true; }")
    page.fill("#code", "fel-kod")
    submit(page)
    assert page.locator("#DP01-error").is_visible()
    assert page.locator("#DP01").get_attribute("aria-describedby") == "DP01-error"
    page.locator(".error-summary a[href='#DP01-0']").click()
    assert page.evaluate("document.activeElement.id") == "DP01-0"
    assert page.is_checked("#DP02-3") and page.is_checked("#gender-1")
    assert page.input_value("#best") == "Bra stöd"


def test_expired_session_keeps_answers_and_resubmits(context, page, site):
    delete_responses(site)
    page.goto(site.link("dp", "/svar", lang="en"))
    page.check("#DP03-4")
    page.check("#age_group-2")
    page.fill("#improve", "More meetings")
    context.clear_cookies()  # the session (and with it the CSRF token) has expired
    submit(page)
    assert page.locator(".error-summary").count() == 1
    assert "Your answers are still here" in page.locator(".error-summary").inner_text()
    assert page.is_checked("#DP03-4") and page.is_checked("#age_group-2")
    assert page.input_value("#improve") == "More meetings"
    assert stored(site) == []
    submit(page)
    page.wait_for_url("**/tack?lang=en")
    [response] = stored(site)
    assert response["answers"] == {"DP03": 5} and response["background"] == {"age_group": "45-67"}
    assert response["free_text"] == {"improve": "More meetings"}


@pytest.mark.parametrize("lang,html_lang,direction", [("sv", "sv", "ltr"), ("en", "en", "ltr"),
                                                       ("ar", "ar", "rtl"), ("sv-LL", "sv", "ltr")])
def test_language_is_chosen_on_the_intro_and_kept_to_the_thank_you_page(page, site, lang, html_lang, direction):
    page.goto(site.link("da"))
    with page.expect_navigation():
        page.locator(f".language-choice a[href$='lang={lang}']").click()
    for _ in range(2):
        assert page.get_attribute("html", "lang") == html_lang
        assert page.get_attribute("html", "dir") == direction
        if page.url.endswith("/svar?lang=" + lang):
            break
        page.locator("a.button").click()
        page.wait_for_url(f"**/svar?lang={lang}")
    assert page.input_value("input[name=lang]") == lang
    page.check("#DA01-5")
    submit(page)
    page.wait_for_url(f"**/tack?lang={lang}")
    assert page.get_attribute("html", "lang") == html_lang and page.get_attribute("html", "dir") == direction
    if lang == "ar":
        # Text starts at the right edge: the heading's right side lines up with the content's.
        h1 = page.locator("h1").bounding_box()
        main = page.locator("main").bounding_box()
        assert main["x"] + main["width"] - (h1["x"] + h1["width"]) < 40
        assert page.evaluate("getComputedStyle(document.querySelector('h1')).direction") == "rtl"


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_reflow_at_320_px_and_200_percent_text(browser, site, lang):
    ctx = browser.new_context(locale=BROWSER_LOCALE, viewport={"width": 640, "height": 800})
    page = ctx.new_page()
    try:
        for url in (site.link("dp", lang=lang), site.link("dp", "/svar", lang=lang), site.link("code", "/svar", lang=lang)):
            for viewport, zoom in ((PHONE, None), ({"width": 640, "height": 800}, "200%")):
                page.set_viewport_size(viewport)
                page.goto(url)
                if zoom:
                    page.evaluate(f"document.documentElement.style.fontSize = '{zoom}'")
                    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 36
                if "code" in url:
                    submit(page)  # with the error summary
                width, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
                assert width <= inner, f"{url} at {viewport['width']}px, text {zoom or '100%'}: scrolls sideways"
    finally:
        ctx.close()


def test_tap_targets_are_at_least_44_px(browser, site):
    ctx = browser.new_context(locale=BROWSER_LOCALE, viewport=PHONE_L)
    page = ctx.new_page()
    try:
        for lang in ("sv", "ar"):
            page.goto(site.link("dp", "/svar", lang=lang))
            heights = page.evaluate("[...document.querySelectorAll('.option, button[type=submit]')]"
                                    ".map(el => el.getBoundingClientRect().height)")
            assert heights and min(heights) >= 44
    finally:
        ctx.close()


def test_questionnaire_prints_without_controls(browser, site, tmp_path):
    ctx = browser.new_context(locale=BROWSER_LOCALE, viewport=PHONE_L)
    page = ctx.new_page()
    try:
        page.goto(site.link("dp", "/svar"))
        page.emulate_media(media="print")
        assert page.locator("button[type=submit]").is_hidden()
        assert page.locator(".site-footer").is_hidden()
        assert page.locator("fieldset#DP01 legend").is_visible()
        pdf = page.pdf(format="A4")
        assert pdf.startswith(b"%PDF")
        from io import BytesIO

        from pypdf import PdfReader

        reader = PdfReader(BytesIO(pdf))
        text = "".join(p.extract_text() for p in reader.pages)
        assert "Utgår stödet du får från dina behov?" in text.replace("\n", " ")
        assert len(reader.pages) <= 3  # options side by side: a short questionnaire fits on few pages
        if os.environ.get("BROWSER_SCREENSHOTS"):
            (Path(os.environ["BROWSER_SCREENSHOTS"]) / "questionnaire-print.pdf").write_bytes(pdf)
    finally:
        ctx.close()


@pytest.mark.skipif(not os.environ.get("BROWSER_SCREENSHOTS"), reason="set BROWSER_SCREENSHOTS=<dir> to save screenshots")
def test_screenshots_for_review(browser, site):
    out = Path(os.environ["BROWSER_SCREENSHOTS"])
    out.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(locale=BROWSER_LOCALE, viewport=PHONE_L)
    page = ctx.new_page()
    try:
        for lang in ("sv", "ar", "sv-LL"):
            page.goto(site.link("dp", "/svar", lang=lang))
            page.check("#DP01-3")
            page.screenshot(path=str(out / f"questionnaire-{lang}.png"), full_page=False)
            page.locator("#DP08").scroll_into_view_if_needed()
            page.screenshot(path=str(out / f"questionnaire-{lang}-later.png"), full_page=False)
        page.goto(site.link("dp", lang="ar"))
        page.screenshot(path=str(out / "intro-ar.png"), full_page=True)
        page.goto(site.link("code", "/svar"))
        page.check("#DP02-3")
        submit(page)
        page.screenshot(path=str(out / "error-summary.png"), full_page=False)
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.screenshot(path=str(out / "focus.png"), full_page=False)
    finally:
        ctx.close()


@pytest.mark.parametrize("lang", ["sv", "ar"])
def test_skip_link_is_first_visible_on_focus_and_moves_to_the_content(page, site, lang):
    page.set_viewport_size(PHONE)
    page.goto(site.link("dp", "/svar", lang=lang))
    page.keyboard.press("Tab")
    focus = page.evaluate(FOCUS_VISIBLE)
    assert focus["tag"] == "A" and focus["visible"]
    box = page.locator(".skip-link").bounding_box()
    assert box["width"] > 40 and box["height"] >= 24 and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.name") == "DP01"


@pytest.mark.parametrize("locale,html_lang,direction", [("ar", "ar", "rtl"), ("en-GB", "en", "ltr"), ("fi-FI", "sv", "ltr")])
def test_browser_language_is_followed_on_the_first_visit(browser, site, locale, html_lang, direction):
    ctx = browser.new_context(viewport=PHONE, locale=locale)  # Chromium sends Accept-Language from it
    try:
        page = ctx.new_page()
        page.goto(site.link("dp"))
        assert page.get_attribute("html", "lang") == html_lang
        assert page.get_attribute("html", "dir") == direction
        # The language choice is the first thing in the content, within the first phone screen.
        first = page.evaluate("document.querySelector('main').firstElementChild.className")
        assert first == "language-choice"
        box = page.locator(".language-choice").bounding_box()
        assert box["y"] + box["height"] < PHONE["height"]
        # The chosen language is kept through the questionnaire to the thank-you page.
        page.locator("a.button").click()
        page.wait_for_url("**/svar?lang=*")
        page.check("#DP01-3")
        submit(page)
        page.wait_for_url("**/tack?lang=*")
        assert page.get_attribute("html", "lang") == html_lang
    finally:
        ctx.close()
        delete_responses(site)


def test_unknown_link_page_follows_the_browser_language(browser, site):
    ctx = browser.new_context(viewport=PHONE, locale="ar")
    try:
        page = ctx.new_page()
        response = page.goto(f"{site.url}/s/no-such-link")
        assert response.status == 404
        assert page.get_attribute("html", "lang") == "ar" and page.get_attribute("html", "dir") == "rtl"
    finally:
        ctx.close()
