"""Every web text input, cleaned once at the edge: control characters removed.

NUL and the other C0 control characters (except tab, line feed and carriage return, which
textareas send) have no place in any text a person types. PostgreSQL refuses NUL in text (a 500
and, before this, a SQLite backup that would not restore there), and the others only hide text.
The request class removes them from every form field and query parameter, names included, so no
view, form or service ever sees them, on every database.
"""

from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def strip_control(text: str) -> str:
    return CONTROL.sub("", text)


def _clean(data: MultiDict) -> ImmutableMultiDict:
    if not any(CONTROL.search(k) or (isinstance(v, str) and CONTROL.search(v)) for k, v in data.items(multi=True)):
        return data if isinstance(data, ImmutableMultiDict) else ImmutableMultiDict(data)
    return ImmutableMultiDict(
        [(strip_control(k), strip_control(v) if isinstance(v, str) else v) for k, v in data.items(multi=True)]
    )


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _clean(form)

    @cached_property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        return _clean(super().args)
