"""Double entry of a paper questionnaire: a first entry kept for checking (not saved), a second
entry of the same form compared with it, differences shown at their questions before saving."""

from __future__ import annotations

from sqlalchemy import func, select

from surveys.extensions import db
from surveys.models import Answer, Response
from tests.conftest import TODAY
from tests.helpers import form_fields, strip_tags
from tests.test_paper import logged_in, world  # noqa: F401  (fixture)


def _post(client, url, answers, action):
    fields = form_fields(client.get(url).get_data(as_text=True))
    return client.post(url, data={**fields, "submitted_on": TODAY, **answers, "action": action})


def responses() -> int:
    return db.session.scalar(select(func.count()).select_from(Response))


def test_differences_are_shown_before_anything_is_saved(app, world):  # noqa: F811
    client = logged_in(app, "staff")
    url = f"/papper/lank/{world['link'].id}/registrera"
    first = _post(client, url, {"DP01": "5", "DP02": "9", "gender": "kvinna", "best": "Bra stöd"}, "first")
    assert first.status_code == 303 and first.headers["Location"].endswith("?andra=1")
    assert responses() == 0
    second_page = client.get(f"{url}?andra=1").get_data(as_text=True)
    assert "Andra inmatningen" in second_page and 'value="second"' in second_page
    # The second person's page shows nothing of the first entry.
    assert "checked" not in second_page

    resp = _post(client, f"{url}?andra=1", {"DP01": "4", "DP02": "9", "gender": "kvinna", "best": "Bra  stöd"}, "second")
    html = strip_tags(resp.get_data(as_text=True))
    assert resp.status_code == 200
    assert "Inmatningarna skiljer sig på 1 fråga" in html
    assert "Olika inmatningar: 5 och 4." in html
    assert responses() == 0

    # Corrected after the paper and saved the ordinary way.
    fields = form_fields(resp.get_data(as_text=True))
    saved = client.post(url, data={**fields, "DP01": "5", "DP02": "9", "gender": "kvinna", "action": "save"})
    assert saved.status_code == 303
    assert sorted((a.item_id, a.value) for a in db.session.scalars(select(Answer))) == [("DP01", 5), ("DP02", None)]


def test_identical_entries_are_saved_at_once(app, world):  # noqa: F811
    client = logged_in(app, "staff")
    url = f"/papper/lank/{world['link'].id}/registrera"
    answers = {"DP01": "3", "DP03": "6", "improve": "Mer tid"}
    assert _post(client, url, answers, "first").status_code == 303
    resp = _post(client, f"{url}?andra=1", answers, "second")
    assert resp.status_code == 303
    assert responses() == 1


def test_a_second_entry_without_a_first_changes_nothing(app, world):  # noqa: F811
    client = logged_in(app, "staff")
    url = f"/papper/lank/{world['link'].id}/registrera"
    resp = _post(client, url, {"DP01": "3"}, "second")
    assert resp.status_code == 400
    assert "Det finns ingen första inmatning" in strip_tags(resp.get_data(as_text=True))
    assert responses() == 0
