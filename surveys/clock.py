"""Today's date for the application, in the installation's time zone (``TIME_ZONE``,
Europe/Stockholm by default) whatever the server's own zone; ``FIXED_TODAY`` fixes it in tests
and demos."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app


def zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIME_ZONE") or "Europe/Stockholm")


def utcnow() -> dt.datetime:
    """The current time in UTC (aware); one place to freeze in tests."""
    return dt.datetime.now(dt.UTC)


def now() -> dt.datetime:
    """The current time in the installation's time zone (aware)."""
    return utcnow().astimezone(zone())


def today() -> dt.date:
    fixed = current_app.config.get("FIXED_TODAY")
    if fixed:
        return dt.date.fromisoformat(str(fixed))
    return now().date()
