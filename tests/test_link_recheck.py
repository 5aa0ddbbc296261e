"""A submission uses the link as read a moment ago, and the insert checks it again.

The link may be closed or changed by another app server within the link cache's second; the
changes below are made with plain SQL, as another process would, so this process's cache still
holds the old link when the answer arrives.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select, text

from surveys.extensions import db
from surveys.models import Response
from tests.conftest import TODAY
from tests.helpers import form_fields


@pytest.fixture
def link(make_forbund, make_insats, make_link):
    forbund = make_forbund()
    return make_link(forbund, "DP", make_insats(forbund))


def fetched(client, link) -> dict:
    return form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))  # caches the link


def elsewhere(sql: str, **params) -> None:
    db.session.execute(text(sql), params)
    db.session.commit()


def stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


@pytest.mark.parametrize("change", [
    "UPDATE survey_link SET active = false WHERE id = :id",
    "UPDATE survey_link SET closes_on = :yesterday WHERE id = :id",
])
def test_a_link_closed_elsewhere_a_moment_ago_takes_no_answer(client, link, change):
    fields = fetched(client, link)
    yesterday = dt.date.fromisoformat(TODAY) - dt.timedelta(days=1)
    elsewhere(change, id=link.id, yesterday=yesterday)
    response = client.post(f"/s/{link.token}/svar", data={**fields, "DP01": "4"})
    assert response.status_code == 410 and stored() == 0


def test_a_code_required_since_a_moment_ago_is_asked_for(client, link):
    fields = fetched(client, link)
    elsewhere("UPDATE survey_link SET requires_code = true WHERE id = :id", id=link.id)
    response = client.post(f"/s/{link.token}/svar", data={**fields, "DP01": "4"})
    assert response.status_code == 200 and stored() == 0
    assert "Skriv in koden du har fått" in response.get_data(as_text=True)


def test_an_unchanged_link_takes_the_answer_and_a_repeat_is_still_one(client, link):
    fields = fetched(client, link)
    for _ in range(2):
        assert client.post(f"/s/{link.token}/svar", data={**fields, "DP01": "4"}).status_code == 303
    assert stored() == 1
