"""Mask personal data that respondents type into free text before it is stored."""

from __future__ import annotations

import re

MASK = "[borttaget]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Personnummer and samordningsnummer: (YY)YYMMDD, optional - or +, then four digits.
_PERSONNUMMER = re.compile(r"(?<!\d)(?:19|20)?\d{6}\s?[-+]?\s?\d{4}(?!\d)")
# Phone numbers: +46 or 0 followed by 6-12 more digits, allowing spaces, dashes and brackets.
_PHONE = re.compile(r"(?<![\w+])(?:\+\d{1,3}|0)[\s\-()]*\d(?:[\s\-()]*\d){5,11}(?!\d)")


def mask_personal_data(text: str) -> str:
    """Replace anything that looks like an e-mail address, personnummer or phone number."""
    text = _EMAIL.sub(MASK, text)
    text = _PERSONNUMMER.sub(MASK, text)
    text = _PHONE.sub(MASK, text)
    return text
