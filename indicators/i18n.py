"""The reader's language for report output: a gettext translations object plus Babel formatting.

Pure: the caller (the web layer or the command line) passes in a translations object compatible
with :class:`gettext.NullTranslations` (for example :class:`babel.support.Translations` loaded
from the web UI's catalogues), so report strings live in the same catalogues as the UI and this
package never imports Flask. Source strings are Swedish; ``NullTranslations`` gives Swedish.

String literals are marked with :func:`N_` (an extraction marker that returns its argument) and
translated at use with :meth:`Tr.gettext`, so ``pybabel extract`` finds them (see ``babel.cfg``).
"""

from __future__ import annotations

import gettext
from dataclasses import dataclass, field

from babel.numbers import format_decimal, format_percent

#: Languages reports are written in.
LANGUAGES = ("sv", "en")
MINUS = "\u2212"


def N_(message: str) -> str:  # noqa: N802 - the conventional gettext marker name
    """Mark a string for extraction without translating it (translated later with Tr.gettext)."""
    return message


@dataclass(frozen=True)
class Tr:
    """A language: ``lang`` ("sv" or "en"), its translations, and locale-aware number formatting."""

    lang: str = "sv"
    translations: gettext.NullTranslations = field(default_factory=gettext.NullTranslations, compare=False)

    def __post_init__(self):
        if self.lang not in LANGUAGES:
            raise ValueError(f"okänt språk för rapporten: {self.lang!r}")

    def gettext(self, message: str) -> str:
        return self.translations.gettext(message)

    _ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self.translations.ngettext(singular, plural, n)

    def number(self, value: float, digits: int = 1) -> str:
        """``value`` with ``digits`` decimals in the locale: "4,22" and "−0,3" in Swedish."""
        pattern = "0" if digits <= 0 else "0." + "0" * digits
        text = format_decimal(round(float(value), digits) + 0.0, format=pattern, locale=self.lang)
        return text.replace("-", MINUS)

    def signed(self, value: float, digits: int = 1) -> str:
        """A difference with its sign: "+0,4", "−0,3"."""
        text = self.number(value, digits)
        return text if text.startswith(MINUS) or float(value) == 0 else "+" + text

    def percent(self, share: float) -> str:
        """A share 0..1 as a whole percentage: "23 %" in Swedish, "23%" in English."""
        return format_percent(round(share, 2), locale=self.lang)

    def integer(self, value: int) -> str:
        return format_decimal(int(value), locale=self.lang).replace("-", MINUS)


class CatalogTranslations(gettext.NullTranslations):
    """A picklable translations object over a plain catalogue (gettext's ``_catalog`` layout:
    msgid -> msgstr, (msgid, k) -> plural form k). Plural rule n != 1 (Swedish and English)."""

    def __init__(self, catalog: dict):
        super().__init__()
        self.catalog = dict(catalog)

    def gettext(self, message: str) -> str:
        return self.catalog.get(message) or message

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        form = 0 if n == 1 else 1
        return self.catalog.get((singular, form)) or (singular if form == 0 else plural)


def portable(tr: Tr) -> Tr:
    """The same language with a translations object that can be sent to another process."""
    catalog = getattr(tr.translations, "_catalog", None)
    if isinstance(tr.translations, CatalogTranslations) or catalog is None:
        return tr if isinstance(tr.translations, CatalogTranslations) else Tr(tr.lang)
    return Tr(tr.lang, CatalogTranslations(catalog))


def as_tr(lang: str | Tr) -> Tr:
    """Accept a Tr or a language code (which gives untranslated, i.e. Swedish, strings for "sv")."""
    if isinstance(lang, Tr):
        return lang
    if lang == "en":
        raise ValueError("engelska rapporter behöver en översättning (Tr med katalog)")
    return Tr(lang)


#: What a hidden figure says, by reason code (``indicators.disclosure``: too_few, protect, pending).
HIDDEN_TEXTS = {
    "too_few": N_("för få svar"),
    "protect": N_("dolt för att skydda en mindre grupp"),
    "pending": N_("visas när fler svar har kommit in"),
}


def hidden_text(reason: str | None, tr: Tr) -> str:
    """The reader's text for a hidden figure; an unknown or missing reason reads "för få svar"."""
    return tr.gettext(HIDDEN_TEXTS.get(reason or "too_few", HIDDEN_TEXTS["too_few"]))
