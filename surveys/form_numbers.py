"""Form numbers: the number written or printed on each paper questionnaire.

A form number identifies one paper questionnaire within a förbund, so an import (or paper
entry) can recognise a form that is already stored instead of storing it twice. This module is
the one place that says what a valid form number is; paper entry and the import both call
:func:`normalise_form_number`.

Rules: 1–20 characters after trimming; letters A–Z (any case, stored upper-case), digits, and
``-``, ``/`` or ``.`` between them; spaces inside are removed ("12 345" = "12345"). A number of
digits only loses its leading zeros ("0042" = "42"), because spreadsheets drop them anyway.
"""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

MAX_LENGTH = 20
_VALID = re.compile(r"^[A-Z0-9](?:[A-Z0-9/.-]*[A-Z0-9])?$")
_SPACE = re.compile(r"\s+")


class FormNumberError(ValueError):
    """An invalid form number; ``message`` is a lazy gettext string (``str()`` it at the edge)."""

    def __init__(self, message):
        self.message = message
        super().__init__(str(message))


def normalise_form_number(raw: object) -> str | None:
    """Return the stored form of ``raw`` (None for empty), or raise FormNumberError.

    Accepts a string or a number from a spreadsheet cell (``42`` and ``42.0`` give "42").
    """
    if raw is None:
        return None
    if type(raw) is str and raw.isascii() and raw.isdigit() and len(raw) <= MAX_LENGTH:
        return raw.lstrip("0") or "0"  # the common case (digits only), as the rules below give it
    if isinstance(raw, bool):
        raise FormNumberError(_l("Formulärnumret ska bestå av siffror och bokstäver."))
    if isinstance(raw, float):
        if not raw.is_integer() or raw < 0:
            raise FormNumberError(_l("Formulärnumret ska bestå av siffror och bokstäver."))
        raw = int(raw)
    text = _SPACE.sub("", str(raw)).upper()
    if not text:
        return None
    if len(text) > MAX_LENGTH:
        raise FormNumberError(_l("Formulärnumret får vara högst %(max)d tecken långt.", max=MAX_LENGTH))
    if not _VALID.match(text):
        raise FormNumberError(_l("Formulärnumret får bara innehålla siffror, bokstäver A–Z och - / . mellan dem."))
    if text.isdigit():
        text = text.lstrip("0") or "0"
    return text


def stored_form_numbers(forbund_id: int, numbers, *, include_pending: bool = False) -> set[str]:
    """Which of ``numbers`` (already normalised) are stored for the förbund.

    Rows an import is still writing (``import_batch`` set) count only with ``include_pending``:
    for an import, storing the same number again then fails on the unique constraint instead of
    being skipped (and lost if the other import fails).
    """
    from sqlalchemy import select

    from .extensions import db
    from .models import Response

    wanted = sorted(set(numbers))
    found: set[str] = set()
    if len(wanted) > 2000:  # one query for the förbund's numbers beats many IN lists
        stored = db.session.scalars(
            select(Response.form_number).where(
                Response.forbund_id == forbund_id, Response.form_number.is_not(None),
                *(() if include_pending else (Response.import_batch.is_(None),)),
            )
        )
        return set(stored) & set(wanted)
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        found.update(
            db.session.scalars(
                select(Response.form_number).where(
                    Response.forbund_id == forbund_id, Response.form_number.in_(chunk),
                    *(() if include_pending else (Response.import_batch.is_(None),)),
                )
            )
        )
    return found
