"""Staff pages in English for a user who picked English: service errors translated at the edge
(field named, no Swedish), instrument names in English, Swedish only where data is Swedish."""

from __future__ import annotations

import pytest

from surveys import accounts, links
from surveys.errors import ServiceError
from tests.helpers import form_fields, strip_tags


@pytest.fixture
def english_officer(make_forbund, make_user, make_insats, auth):
    forbund = make_forbund("a", "Förbund A")
    make_insats(forbund, "A1")
    make_user("officer_en", "officer", forbund, language="en")
    auth.login("officer_en")
    return forbund


def post(client, path, data):
    fields = form_fields(client.get(path).get_data(as_text=True))
    return client.post(path, data={**fields, **data})


@pytest.mark.parametrize("data, english, swedish", [
    ({"questionnaire": "DP", "insats": "", "opens_on": "2026-03-01", "closes_on": "2026-04-30"},
     "Choose the intervention the questionnaire is about.", "Välj vilken insats"),
    ({"questionnaire": "CH", "insats": "", "opens_on": "2026-03-01", "closes_on": "2026-02-28"},
     "The closing date cannot be before the opening date", "Stängningsdatumet"),
])
def test_link_form_service_errors_are_in_english(client, english_officer, data, english, swedish):
    resp = post(client, "/forbund/lankar/ny", data)
    html = strip_tags(resp.get_data(as_text=True))
    assert resp.status_code == 200
    assert english in html, html[:3000]
    assert swedish not in html


def test_paper_pages_name_questionnaires_in_english(client, english_officer):
    html = client.get("/papper/").get_data(as_text=True)
    assert "Participants during the intervention" in html
    assert "Deltagare pågående" not in html


def test_service_errors_carry_field_and_message_and_read_swedish_in_the_cli(app, make_forbund):
    forbund = make_forbund("a", "Förbund A")
    with pytest.raises(ServiceError) as caught:
        accounts.create_forbund("a", "Ett till")
    assert caught.value.field == "slug"
    assert str(caught.value) == "Kortnamn: Det finns redan ett förbund med kortnamnet 'a'."
    with pytest.raises(ServiceError) as caught:
        links.create_link(forbund, "DP", None, None)
    assert caught.value.field == "insats" and caught.value.text == "Välj vilken insats enkäten gäller."
