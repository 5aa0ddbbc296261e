"""The language of the respondent pages (``/s/...``) and everything a respondent can meet there.

The order: ``?lang=`` (a choice on the page, kept in every link and form), else the browser's
``Accept-Language`` among the languages the questionnaire is offered in, else its first language.
The UI strings (buttons, messages, errors) follow: a gettext catalogue per language in
``translations/``, and for lättläst Swedish (``sv-LL``) the lättläst catalogue in
``translations_easy/`` (its entries replace the standard Swedish strings; a string it lacks stays
standard Swedish, and ``tests/test_respondent_language.py`` checks that none is missing).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import flask_babel
from flask import current_app, g, request
from flask_babel import Domain, force_locale
from flask_babel import lazy_gettext as _l

EASY_READ = "sv-LL"
EASY_READ_DIR = os.path.join(os.path.dirname(__file__), "translations_easy")
_easy_domain = Domain(translation_directories=[EASY_READ_DIR])

#: The short line of the A4 QR sheet, shown once in every language the questionnaire is offered in.
SHEET_LINE = _l("Du kan svara på det här språket. Välj språk högst upp på sidan.")


def respondent_languages() -> list[str]:
    """Every language a respondent page can be shown in when no questionnaire is known (404)."""
    return [*current_app.config["UI_LANGUAGES"], EASY_READ]


def pick(available: Iterable[str], *, read_form: bool = True) -> str:
    """``?lang=`` (or the form's ``lang``) if offered, else the browser's best match (never
    lättläst), else the first language. Error pages do not read the form: the body may be the error."""
    available = list(available)
    chosen = request.values.get("lang", "") if read_form else request.args.get("lang", "")
    if chosen in available:
        return chosen
    best = request.accept_languages.best_match([code for code in available if code != EASY_READ])
    return best or available[0]


def ui_language(lang: str) -> str:
    """The UI catalogue of a questionnaire language: itself, its base language, or Swedish."""
    ui = current_app.config["UI_LANGUAGES"]
    base = lang.split("-")[0]
    return lang if lang in ui else base if base in ui else current_app.config["BABEL_DEFAULT_LOCALE"]


def apply(lang: str) -> str:
    """Show the rest of this request in ``lang``; returns ``lang``."""
    g.respondent_lang = ui_language(lang)
    g.respondent_page_lang = lang
    flask_babel.refresh()  # a locale computed earlier in the request must not stick
    _set_domain(_easy_domain if lang == EASY_READ else None)
    return lang


def apply_for_error_page() -> None:
    """Error pages under /s/ (an unknown token, a wrong path) follow ?lang= and the browser."""
    if request.path.startswith("/s/") and not g.get("respondent_page_lang"):
        apply(pick(respondent_languages(), read_form=False))


def page_attributes() -> dict:
    """``page_lang`` and ``page_dir`` of base.html for the respondent's language (error pages)."""
    lang = g.get("respondent_page_lang")
    if not lang:
        return {}
    return {"page_lang": ui_language(lang), "page_dir": "rtl" if ui_language(lang) == "ar" else "ltr"}


@contextmanager
def in_language(lang: str) -> Iterator[None]:
    """Render a piece of text in another respondent language (the QR sheet's line per language)."""
    previous = _get_domain()
    with force_locale(ui_language(lang)):
        _set_domain(_easy_domain if lang == EASY_READ else None)
        try:
            yield
        finally:
            _set_domain(previous)


def sheet_line(lang: str) -> str:
    with in_language(lang):
        return str(SHEET_LINE)


def _get_domain():
    ctx = flask_babel._get_current_context()
    return getattr(ctx, "babel_domain", None) if ctx is not None else None


def _set_domain(domain) -> None:
    # Flask-Babel keeps the request's gettext domain on its per-request context (get_domain()).
    ctx = flask_babel._get_current_context()
    if ctx is None:
        return
    if domain is None:
        if hasattr(ctx, "babel_domain"):
            del ctx.babel_domain
    else:
        ctx.babel_domain = domain
    if hasattr(ctx, "babel_translations"):
        del ctx.babel_translations
