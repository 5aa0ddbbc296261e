"""Small helpers for reading pages in tests."""

from __future__ import annotations

import re
from html.parser import HTMLParser


class _Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hidden: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden.setdefault(a["name"], a.get("value") or "")


def form_fields(html: str) -> dict[str, str]:
    """Return the hidden inputs (CSRF token, submission key, ...) of the first form on a page."""
    parser = _Inputs()
    parser.feed(html)
    return parser.hidden


def strip_tags(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
