"""A double click on "Skapa": the request that loses the race at the unique constraint gets the
form's own "finns redan" message (or, for a reference file, the same import again), never a 500.

The race is made deterministic: the service's check for an existing name is skipped once, as if
the other request had stored its row just after the check.
"""

from __future__ import annotations

import html

import pytest
from sqlalchemy import func, select

from surveys import accounts
from surveys.extensions import db
from surveys.models import Forbund, Insats, User
from tests.helpers import form_fields, strip_tags


def text(resp) -> str:
    return html.unescape(strip_tags(resp.get_data(as_text=True)))


def post_form(client, path, data):
    fields = form_fields(client.get(path).get_data(as_text=True))
    return client.post(path, data={**fields, **data})


@pytest.fixture
def check_skipped_once(monkeypatch):
    """Make the next existence check of ``name`` in ``module`` find nothing (the race's first step)."""

    def skip(name, module=accounts):
        original = getattr(module, name)
        calls = []

        def first_time_nothing(*args, **kwargs):
            calls.append(1)
            if len(calls) == 1:
                return None
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, first_time_nothing)
        return calls

    return skip


def found_nothing_once(monkeypatch, column: str) -> list:
    """The next ``db.session.scalar`` query on ``column`` finds nothing (the other request stores
    its row just after this one looked); returns the list of skipped queries."""
    real_scalar = db.session.scalar
    skipped: list = []

    def scalar(statement, *args, **kwargs):
        if not skipped and column in str(statement).replace('"', ""):
            skipped.append(statement)
            return None
        return real_scalar(statement, *args, **kwargs)

    monkeypatch.setattr(db.session, "scalar", scalar)
    return skipped


def test_insats_created_twice_at_once(client, auth, make_forbund, make_user, make_insats, check_skipped_once):
    forbund = make_forbund("a", "Förbund A")
    make_user("officer_a", "officer", forbund)
    auth.login("officer_a")
    make_insats(forbund, "Steg för steg")  # what the other request stored
    calls = check_skipped_once("_check_unique_insats")
    resp = post_form(client, "/forbund/insatser", {"name": "Steg för steg"})
    assert resp.status_code == 200 and len(calls) == 2  # handled once more after the conflict
    assert "Förbundet har redan en insats som heter 'Steg för steg'" in text(resp)
    assert db.session.scalar(select(func.count()).select_from(Insats)) == 1


def test_forbund_and_user_created_twice_at_once(client, auth, make_forbund, make_user, monkeypatch):
    make_user("root", "admin")
    auth.login("root")
    make_forbund("norr", "Norr")
    skipped = found_nothing_once(monkeypatch, "forbund.slug")
    resp = post_form(client, "/admin/forbund", {"slug": "norr", "name": "Norr igen"})
    assert resp.status_code == 200 and skipped
    assert "Det finns redan ett förbund med kortnamnet 'norr'" in text(resp)
    assert db.session.scalar(select(func.count()).select_from(Forbund)) == 1

    make_user("anna", "admin")
    monkeypatch.undo()
    skipped = found_nothing_once(monkeypatch, "user.username")
    resp = post_form(client, "/admin/anvandare", {"username": "anna", "role": "admin", "name": "Anna",
                                                  "password": "Korrekt-häst-batteri-häfte-9", "confirm": "Korrekt-häst-batteri-häfte-9"})
    page = text(resp)
    assert resp.status_code == 200 and skipped, page[:1500]
    assert "'anna' är redan upptaget" in page
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "anna")) == 1


@pytest.fixture
def link_form(client, auth, make_forbund, make_user, make_insats):
    """An officer's fresh link form for insats X: (the insats, the form's fields with a DP link)."""
    forbund = make_forbund("a", "Förbund A")
    make_user("officer_a", "officer", forbund)
    auth.login("officer_a")
    x = make_insats(forbund, "X")
    fields = form_fields(client.get("/forbund/lankar/ny").get_data(as_text=True))
    return x, {**fields, "questionnaire": "DP", "insats": str(x.id), "opens_on": "2026-03-01", "closes_on": "2026-04-30"}


def links_stored() -> int:
    from surveys.models import SurveyLink

    return db.session.scalar(select(func.count()).select_from(SurveyLink))


def test_link_form_sent_twice_makes_one_link(client, link_form):
    _x, data = link_form
    assert len(data["form_key"]) >= 16
    first = client.post("/forbund/lankar/ny", data=data)
    again = client.post("/forbund/lankar/ny", data=data)  # a double click, or the back button and resend
    assert first.status_code == again.status_code == 303 and first.location == again.location
    assert "Länken var redan skapad" in text(client.get(again.location))
    assert links_stored() == 1
    other = form_fields(client.get("/forbund/lankar/ny").get_data(as_text=True))  # a new form: a new link
    assert client.post("/forbund/lankar/ny", data={**data, "form_key": other["form_key"]}).status_code == 303
    assert links_stored() == 2


def test_link_form_sent_twice_at_once_makes_one_link(client, link_form, monkeypatch):
    """The race: both requests looked for the key before either stored it; the unique key
    refuses the second, which is handled again and finds the first link."""
    _x, data = link_form
    assert client.post("/forbund/lankar/ny", data=data).status_code == 303
    skipped = found_nothing_once(monkeypatch, "survey_link.form_key")
    again = client.post("/forbund/lankar/ny", data=data)
    assert again.status_code == 303 and skipped
    assert links_stored() == 1


def test_link_for_an_insats_closed_meanwhile_says_so(client, link_form):
    x, data = link_form
    x.closed = True  # closed by a colleague while the form was open
    db.session.commit()
    resp = client.post("/forbund/lankar/ny", data=data)
    assert resp.status_code == 200 and "X är avslutad och kan inte få nya länkar" in text(resp)
    assert links_stored() == 0
