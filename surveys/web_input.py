"""Every web text input, cleaned once at the edge: control characters removed.

NUL and the other C0 control characters (except tab, line feed and carriage return, which
textareas send) have no place in any text a person types. PostgreSQL refuses NUL in text (a 500
and, before this, a SQLite backup that would not restore there), and the others only hide text.
The request class removes them from every form field and query parameter, names included, so no
view, form or service ever sees them, on every database. Line breaks arrive as CR LF (the HTML
form encoding) and are read as one LF, as the browser counts them against a ``maxlength``.
"""

from __future__ import annotations

import re

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def strip_control(text: str) -> str:
    return CONTROL.sub("", text)


def _clean_value(value):
    if not isinstance(value, str):
        return value  # a nameless part's key is None
    return strip_control(value).replace("\r\n", "\n")


def _dirty(value) -> bool:
    return isinstance(value, str) and (CONTROL.search(value) is not None or "\r\n" in value)


def _clean(data: MultiDict) -> ImmutableMultiDict:
    if not any(_dirty(k) or _dirty(v) for k, v in data.items(multi=True)):
        return data if isinstance(data, ImmutableMultiDict) else ImmutableMultiDict(data)
    return ImmutableMultiDict([(_clean_value(k), _clean_value(v)) for k, v in data.items(multi=True)])


class CleanRequest(Request):
    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None:
            self.__dict__["form"] = _clean(form)

    @cached_property
    def args(self) -> ImmutableMultiDict:  # type: ignore[override]
        return _clean(super().args)
