"""Structured service errors: which field, and the message as a gettext id with its parameters.

Services raise ``ServiceError("slug", _l("Det finns redan ett förbund med kortnamnet %(slug)s.",
slug=slug))``; the message is a lazy gettext string, so it is translated where it is shown (the
web page in the user's language, the CLI in Swedish) and never split on a prefix. A view puts it at
its form field with ``forms_admin.apply_service_error``.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

#: How a field is named when the error is shown without its form (CLI output, top of a form).
FIELD_LABELS = {
    "slug": _l("Kortnamn"),
    "name": _l("Namn"),
    "username": _l("Användarnamn"),
    "role": _l("Roll"),
    "forbund": _l("Förbund"),
    "insatser": _l("Insatser"),
    "insats": _l("Insats"),
    "password": _l("Lösenord"),
    "current": _l("Nuvarande lösenord"),
    "asked": _l("Antal tillfrågade"),
    "questionnaire": _l("Enkät"),
    "opens_on": _l("Öppnar"),
    "closes_on": _l("Stänger"),
    "label": _l("Etikett"),
    "requires_code": _l("Kräver engångskod"),
    "count": _l("Antal koder"),
    "year": _l("År"),
    "reference": _l("Jämförelse"),
    "groups": _l("Svarsgrupp"),
    "submitted_on": _l("Datum på formuläret"),
    "instrument_version": _l("Instrumentversion"),
}


class ServiceError(ValueError):
    """A refused input. ``field`` is a form field name (or "form"), ``message`` a lazy gettext string."""

    def __init__(self, field: str, message, label=None):
        super().__init__(field, message)
        self.field = field
        self.message = message
        self.label = label  # overrides FIELD_LABELS (a field named by data, e.g. an I15 category)

    @property
    def text(self) -> str:
        """The message alone, in the current language."""
        return str(self.message)

    @property
    def field_label(self) -> str:
        label = self.label if self.label is not None else FIELD_LABELS.get(self.field)
        return str(label) if label is not None else ""

    def __str__(self) -> str:
        label = self.field_label
        return f"{label}: {self.text}" if label else self.text
