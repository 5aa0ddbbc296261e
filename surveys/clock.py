"""Today's date for the application, fixed by FIXED_TODAY in tests and demos."""

from __future__ import annotations

import datetime as dt

from flask import current_app


def today() -> dt.date:
    fixed = current_app.config.get("FIXED_TODAY")
    if fixed:
        return dt.date.fromisoformat(str(fixed))
    return dt.date.today()
