"""The form number on paper entry: normalised as surveys.form_numbers says, stored once per förbund,
an invalid or repeated number refused at its field with nothing saved."""

from __future__ import annotations

from sqlalchemy import func, select

from surveys.extensions import db
from surveys.models import Response
from tests.conftest import TODAY
from tests.helpers import form_fields, strip_tags
from tests.test_paper import logged_in, world  # noqa: F401  (fixture)


def _post(client, url, data):
    fields = form_fields(client.get(url).get_data(as_text=True))
    return client.post(url, data={**fields, "submitted_on": TODAY, "action": "save", **data})


def test_form_number_is_stored_normalised_and_only_once(app, world):  # noqa: F811
    client = logged_in(app, "staff")
    url = f"/papper/lank/{world['link'].id}/registrera"
    assert 'name="form_number"' in client.get(url).get_data(as_text=True)
    assert _post(client, url, {"DP01": "4", "form_number": " 0042 "}).status_code == 303
    assert db.session.scalar(select(Response.form_number)) == "42"

    again = _post(client, url, {"DP01": "5", "form_number": "42"})
    assert again.status_code == 400
    assert "Formulärnummer 42 finns redan sparat i förbundet" in strip_tags(again.get_data(as_text=True))
    bad = _post(client, url, {"DP01": "5", "form_number": "12#3"})
    assert bad.status_code == 400
    assert "Formulärnumret får bara innehålla" in strip_tags(bad.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1
    # Without a number: saved as before.
    assert _post(client, url, {"DP01": "5"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Response)) == 2


def test_double_entry_compares_the_form_number(app, world):  # noqa: F811
    client = logged_in(app, "staff")
    url = f"/papper/lank/{world['link'].id}/registrera"
    assert _post(client, url, {"DP01": "4", "form_number": "a-17", "action": "first"}).status_code == 303
    resp = _post(client, f"{url}?andra=1", {"DP01": "4", "form_number": "A-71", "action": "second"})
    assert resp.status_code == 200
    assert "form_number" in resp.get_data(as_text=True)
    assert "Inmatningarna skiljer sig på 1 fråga" in strip_tags(resp.get_data(as_text=True))
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def _entry_page(app, world):  # noqa: F811
    """A staff member's client on the paper-entry page of the DP link, and the page's fields."""
    client = logged_in(app, "staff")
    url = f"/papper/lank/{world['link'].id}/registrera"
    return client, url, form_fields(client.get(url).get_data(as_text=True))


def _stored() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


def test_the_same_entry_sent_again_is_a_repeat_not_a_taken_number(app, world):  # noqa: F811
    client, url, fields = _entry_page(app, world)
    data = {**fields, "submitted_on": TODAY, "action": "save", "DP01": "4", "form_number": "77"}
    assert client.post(url, data=data).status_code == 303
    again = client.post(url, data=data, follow_redirects=True)  # a double click or a refresh
    assert again.status_code == 200
    assert "var redan sparad" in strip_tags(again.get_data(as_text=True))
    assert _stored() == 1


def test_an_unknown_button_stores_nothing_and_says_so(app, world):  # noqa: F811
    client, url, _fields = _entry_page(app, world)
    resp = _post(client, url, {"DP01": "4", "action": "zzz"})
    assert resp.status_code == 400
    assert "knapp som inte finns på sidan" in strip_tags(resp.get_data(as_text=True))
    assert _stored() == 0


def test_an_expired_page_keeps_what_was_typed(app, world):  # noqa: F811
    # The page's token has expired (a long pause, a new login): nothing is stored, the typed
    # answers stay on the page with a fresh token, and sending again stores them once.
    client, url, fields = _entry_page(app, world)
    data = {**fields, "submitted_on": TODAY, "action": "save", "DP01": "4", "form_number": "88",
            "csrf_token": "expired-token"}
    resp = client.post(url, data=data)
    html = resp.get_data(as_text=True)
    assert resp.status_code == 400 and "Sidan hade varit öppen för länge" in strip_tags(html)
    assert 'value="88"' in html and _stored() == 0
    fresh = form_fields(html)
    assert fresh["csrf_token"] != "expired-token"
    assert client.post(url, data={**data, "csrf_token": fresh["csrf_token"]}).status_code == 303
    assert _stored() == 1
