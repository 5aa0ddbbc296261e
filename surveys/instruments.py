"""Access to the instrument catalogue from the web side."""

from __future__ import annotations

from flask import current_app

from indicators.catalogue import Instrument, available_versions, get_instrument


def instrument(version: str | None = None) -> Instrument:
    """Return an instrument version (the configured default when none is given)."""
    return get_instrument(version or current_app.config["DEFAULT_INSTRUMENT_VERSION"])


def versions() -> tuple[str, ...]:
    return available_versions()


def questionnaires_about(about: str, version: str | None = None) -> tuple[str, ...]:
    """Codes of the questionnaires answered about one insats ("insats") or the förbund ("forbund")."""
    return tuple(code for code, q in instrument(version).questionnaires.items() if q.about == about)
