"""When the database does not answer (restarting, a dropped connection, SQLite locked too long),
a respondent gets a page that says so -- with the answers kept on a submission -- never a 500,
and sending again stores the answer once."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from surveys import link_cache
from surveys.extensions import db
from surveys.models import Response
from surveys.views import respond
from tests.helpers import form_fields


def dropped(invalidated: bool = True) -> OperationalError:
    return OperationalError("INSERT ...", {}, Exception("server closed the connection unexpectedly"),
                            connection_invalidated=invalidated)


@pytest.fixture
def form(client, make_forbund, make_insats, make_link):
    forbund = make_forbund()
    link = make_link(forbund, "DP", make_insats(forbund))
    fields = form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))
    return link, {**fields, "DP01": "5", "DP02": "2"}


def checked(html: str, name: str) -> str | None:
    """The value of the radio button ``name`` that the page shows as chosen."""
    for tag in re.findall(r"<input[^>]*>", html):
        if f'name="{name}"' in tag and re.search(r"\schecked[\s>=]", tag):
            return re.search(r'value="([^"]*)"', tag).group(1)
    return None


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


def failing(monkeypatch, failures: int, invalidated: bool = True) -> list[int]:
    """store_response fails ``failures`` times as if the connection dropped, then works."""
    calls: list[int] = []
    real = respond.store_response

    def store(**kwargs):
        calls.append(1)
        if len(calls) <= failures:
            raise dropped(invalidated)
        return real(**kwargs)

    monkeypatch.setattr(respond, "store_response", store)
    return calls


def test_a_dropped_connection_is_tried_once_more(client, form, monkeypatch):
    link, data = form
    calls = failing(monkeypatch, failures=1)
    answered = client.post(f"/s/{link.token}/svar", data=data)
    assert answered.status_code == 303 and "/tack" in answered.headers["Location"]
    assert len(calls) == 2 and stored() == 1


def test_a_database_that_stays_away_keeps_the_answers_on_the_page(client, form, monkeypatch):
    link, data = form
    calls = failing(monkeypatch, failures=2)
    refused = client.post(f"/s/{link.token}/svar", data=data)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 503 and len(calls) == 2
    assert "Svaren kunde inte sparas just nu" in html and "Dina svar finns kvar" in html
    assert checked(html, "DP01") == "5" and checked(html, "DP02") == "2"
    assert form_fields(html)["submission_key"] == data["submission_key"]  # sending again is the same answer
    assert stored() == 0

    monkeypatch.undo()  # the database is back: sending again stores it once
    again = client.post(f"/s/{link.token}/svar", data={**data, **form_fields(html)})
    assert again.status_code == 303
    assert client.post(f"/s/{link.token}/svar", data={**data, **form_fields(html)}).status_code == 303
    assert stored() == 1


def test_a_locked_database_is_not_tried_again(client, form, monkeypatch):
    """Not a dropped connection (SQLite's lock held past the busy timeout): waiting as long
    again would not help, so the respondent is told at once."""
    link, data = form
    calls = failing(monkeypatch, failures=2, invalidated=False)
    refused = client.post(f"/s/{link.token}/svar", data=data)
    assert refused.status_code == 503 and len(calls) == 1 and stored() == 0


def test_the_message_is_in_the_respondents_language(client, form, monkeypatch):
    link, data = form
    failing(monkeypatch, failures=2)
    refused = client.post(f"/s/{link.token}/svar?lang=en", data={**data, "lang": "en"})
    assert refused.status_code == 503
    assert "could not be saved just now" in refused.get_data(as_text=True)


def test_any_page_says_the_service_is_unavailable_instead_of_a_500(client, form, monkeypatch):
    link, _data = form
    link_cache.clear()

    def unreachable(token):
        raise dropped()

    monkeypatch.setattr(respond, "load_link", unreachable)
    page = client.get(f"/s/{link.token}/svar")
    html = page.get_data(as_text=True)
    assert page.status_code == 503
    assert "Tjänsten är tillfälligt otillgänglig" in html and "Inget av det du skickade har sparats" in html
