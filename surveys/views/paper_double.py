"""Double entry of a paper questionnaire (optional): one person enters the form and keeps it for
checking, a second person enters the same paper form without seeing the first entry, and the
differences are shown at their questions before anything is saved.

The first entry is kept in the signed session cookie until the second one is compared (codes as
typed, free texts only as SHA-256 digests: a difference is shown, the text is not carried around).
Nothing is stored in the database until the corrected form is saved the ordinary way.
"""

from __future__ import annotations

import hashlib

from flask import session

KEY = "paper_double"


def values_of(form) -> dict[str, str]:
    """What was typed: codes of questions and background questions, digests of free texts, date."""
    out = {name: form[name].data or "" for name in (*form.item_fields, *form.background_fields)}
    for name in form.free_text_fields:
        text = " ".join((form[name].data or "").split())
        out[name] = hashlib.sha256(text.encode()).hexdigest() if text else ""
    out["submitted_on"] = form.submitted_on.data.isoformat() if form.submitted_on.data else ""
    if "form_number" in form:
        out["form_number"] = " ".join((form.form_number.data or "").split()).upper()
    return out


def keep_first(path: str, values: dict[str, str]) -> None:
    session[KEY] = {"path": path, "values": values}  # one form at a time


def first_for(path: str) -> dict[str, str] | None:
    kept = session.get(KEY)
    return kept["values"] if kept and kept.get("path") == path else None


def forget() -> None:
    session.pop(KEY, None)


def differences(first: dict[str, str], second: dict[str, str], free_text_fields=()) -> dict[str, tuple[str, str]]:
    """Field -> (first, second) where the two entries differ (free texts: both shown as "")."""
    out = {}
    for name in sorted(set(first) | set(second)):
        a, b = first.get(name, ""), second.get(name, "")
        if a != b:
            out[name] = ("", "") if name in free_text_fields else (a, b)
    return out
