"""The answering flow: /s/<token>, validation, idempotency, privacy, closed links."""

import datetime as dt

import pytest
from sqlalchemy import func, inspect, select

from surveys.extensions import db
from surveys.models import AccessCode, Answer, BackgroundAnswer, FreeText, Response
from surveys.responses import hash_code
from tests.helpers import form_fields, strip_tags


@pytest.fixture
def dp_link(make_forbund, make_insats, make_link):
    forbund = make_forbund()
    insats = make_insats(forbund)
    return make_link(forbund, "DP", insats)


def open_form(client, link, lang="sv"):
    page = client.get(f"/s/{link.token}/svar?lang={lang}")
    assert page.status_code == 200
    return page, form_fields(page.get_data(as_text=True))


def count(model=Response):
    return db.session.scalar(select(func.count()).select_from(model))


def test_intro_says_anonymous_voluntary_and_how_long(client, dp_link):
    html = client.get(f"/s/{dp_link.token}").get_data(as_text=True)
    text = strip_tags(html)
    assert "Enkät för dig som deltar i Steg för steg" in text  # a plain heading, not the group name
    assert "anonym" in text and "frivilligt" in text and "Det tar ungefär 5 minuter" in text
    assert 'lang="sv"' in html
    assert f"/s/{dp_link.token}/svar?lang=sv" in html


def test_every_item_is_a_fieldset_with_legend_and_seven_labelled_radios(client, dp_link):
    page, _ = open_form(client, dp_link)
    html = page.get_data(as_text=True)
    assert html.count("<fieldset") == 10 + 3  # items + background questions
    for n in range(1, 11):
        item = f"DP{n:02d}"
        assert f'id="{item}"' in html
        for value in range(7):
            assert f'<label for="{item}-{value}">' in html
        assert f'name="{item}" type="radio" value="9"' in html
    assert "Vet ej" in html and "Alltid" in html and "Aldrig" in html
    assert "<table" not in html  # never a grid
    assert "Vad har varit bäst med stödet?" in html
    # No external resources at all.
    assert "http://" not in html.replace("http://localhost", "") and "https://" not in html


def test_questionnaire_in_english(client, dp_link):
    page, _ = open_form(client, dp_link, "en")
    html = page.get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Is the support you get based on your needs?" in html and "Don't know" in html.replace("&#39;", "'")
    assert "Send your answers" in html or "Skicka svaren" in html


def test_submission_stores_codes_date_and_year_in_one_response(client, dp_link):
    _, fields = open_form(client, dp_link)
    data = {**fields, "DP01": "5", "DP02": "9", "DP05": "1", "gender": "kvinna", "best": "Bra bemötande."}
    resp = client.post(f"/s/{dp_link.token}/svar?lang=sv", data=data)
    assert resp.status_code == 303 and resp.location.endswith(f"/s/{dp_link.token}/tack?lang=sv")
    assert "Tack för dina svar" in client.get(resp.location).get_data(as_text=True)
    response = db.session.scalar(select(Response))
    assert response.submitted_on == dt.date(2026, 3, 15) and response.measurement_year == 2026
    assert response.questionnaire == "DP" and response.instrument_version == "2026.1"
    assert response.channel == "web" and response.insats_id == dp_link.insats_id
    answers = {a.item_id: a.value for a in db.session.scalars(select(Answer))}
    assert answers == {"DP01": 5, "DP02": None, "DP05": 1}
    assert [(b.question_id, b.value) for b in db.session.scalars(select(BackgroundAnswer))] == [("gender", "kvinna")]
    assert db.session.scalar(select(FreeText.text)) == "Bra bemötande."


def test_no_time_or_address_is_stored_with_answers(app):
    columns = {table: {c["name"] for c in inspect(db.engine).get_columns(table)}
               for table in ("response", "answer", "background_answer", "free_text")}
    everything = set().union(*columns.values())
    assert not {"ip", "ip_address", "remote_addr", "created_at", "submitted_at", "user_agent"} & everything
    types = {c["name"]: str(c["type"]) for c in inspect(db.engine).get_columns("response")}
    assert types["submitted_on"] == "DATE"


def test_measurement_year_follows_november_rule(make_app, make_forbund, make_link):
    app = make_app(FIXED_TODAY="2025-11-03")
    with app.app_context():
        forbund = make_forbund()
        link = make_link(forbund, "CH", opens_on=dt.date(2025, 11, 1), closes_on=dt.date(2025, 12, 1))
        client = app.test_client()
        _, fields = open_form(client, link)
        assert client.post(f"/s/{link.token}/svar", data={**fields, "CH01": "4"}).status_code == 303
        assert db.session.scalar(select(Response.measurement_year)) == 2026


def test_double_submit_refresh_and_back_store_exactly_one_response(client, dp_link):
    _, fields = open_form(client, dp_link)
    data = {**fields, "DP01": "4", "DP03": "9", "gender": "man", "best": "Bra"}  # 9: "Vet ej"
    for _ in range(3):
        assert client.post(f"/s/{dp_link.token}/svar", data=data).status_code == 303
    assert count() == 1 and count(Answer) == 2 and count(BackgroundAnswer) == 1 and count(FreeText) == 1


def test_same_key_with_different_answers_is_refused_and_stores_nothing(client, dp_link):
    _, fields = open_form(client, dp_link)
    data = {**fields, "DP01": "4", "best": "Bra"}
    assert client.post(f"/s/{dp_link.token}/svar", data=data).status_code == 303
    # Back to the page (the browser keeps the form as it was) and send again with a change.
    for change in ({"DP02": "6"}, {"DP01": "5"}, {"best": "Annat"}, {"gender": "man"}):
        resp = client.post(f"/s/{dp_link.token}/svar", data={**data, **change})
        assert resp.status_code == 409, change
        assert "Dina svar är redan mottagna" in resp.get_data(as_text=True)
    assert count() == 1 and {a.item_id: a.value for a in db.session.scalars(select(Answer))} == {"DP01": 4}
    assert db.session.scalar(select(FreeText.text)) == "Bra"
    assert client.post(f"/s/{dp_link.token}/svar", data=data).status_code == 303  # the same again: thanked


def test_control_characters_are_removed_from_free_text(client, dp_link):
    _, fields = open_form(client, dp_link)
    data = {**fields, "DP01": "4", "best": "Bra\x00 stöd\x07\x1b[31m\tmed\r\nflera rader\x0b"}
    assert client.post(f"/s/{dp_link.token}/svar", data=data).status_code == 303
    assert db.session.scalar(select(FreeText.text)) == "Bra stöd[31m\tmed\nflera rader"


def test_a_line_break_counts_once_against_the_length_limit(app, client, dp_link):
    # The browser's maxlength counts a line break once; the form sends it as CR LF.
    limit = app.config["FREE_TEXT_MAX_LENGTH"]
    text = ("rad\r\n" * (limit // 4))[: limit + limit // 4]  # `limit` characters as the browser counts
    assert len(text.replace("\r\n", "\n")) <= limit < len(text)
    _, fields = open_form(client, dp_link)
    assert client.post(f"/s/{dp_link.token}/svar", data={**fields, "DP01": "4", "best": text}).status_code == 303
    assert "\r" not in db.session.scalar(select(FreeText.text))


def test_a_file_in_a_text_field_is_a_clear_400(client, dp_link):
    import io

    _, fields = open_form(client, dp_link)
    resp = client.post(f"/s/{dp_link.token}/svar", data={**fields, "DP01": "4", "best": (io.BytesIO(b"x"), "a.txt")})
    assert resp.status_code == 400 and "en fil i ett fält för text" in resp.get_data(as_text=True)
    assert count() == 0


def test_database_enforces_unique_submission_key(client, dp_link):
    from sqlalchemy.exc import IntegrityError

    from indicators.catalogue import get_instrument
    from surveys.responses import Submission, SubmissionError, submit_response

    q = get_instrument().questionnaires["DP"]
    kw = dict(forbund_id=dp_link.forbund_id, questionnaire=q, instrument_version="2026.1",
              submitted_on=dt.date(2026, 3, 15), max_text=2000)
    submit_response(submission=Submission(answers={"DP01": 3}), submission_key="k" * 20, **kw)
    db.session.commit()
    again, created = submit_response(submission=Submission(answers={"DP01": 3}), submission_key="k" * 20, **kw)
    assert not created and again.answers[0].value == 3
    with pytest.raises(SubmissionError, match="redan mottagna"):
        submit_response(submission=Submission(answers={"DP01": 5}), submission_key="k" * 20, **kw)
    db.session.add(Response(submission_key="k" * 20, forbund_id=dp_link.forbund_id, questionnaire="DP",
                            instrument_version="2026.1", measurement_year=2026, submitted_on=dt.date(2026, 3, 15)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_empty_questionnaire_is_refused_with_a_message(client, dp_link):
    _, fields = open_form(client, dp_link)
    resp = client.post(f"/s/{dp_link.token}/svar", data={**fields, "gender": "man"})
    assert resp.status_code == 200
    assert "Du har inte svarat på någon fråga" in resp.get_data(as_text=True)
    assert count() == 0


def test_dont_know_only_is_an_answer(client, dp_link):
    _, fields = open_form(client, dp_link)
    assert client.post(f"/s/{dp_link.token}/svar", data={**fields, "DP01": "9"}).status_code == 303
    assert db.session.scalar(select(Answer.value)) is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"DP01": "7"}, "Välj ett av svarsalternativen"),
        ({"DP01": "0"}, "Välj ett av svarsalternativen"),
        ({"DP01": "abc"}, "Välj ett av svarsalternativen"),
        ({"DA01": "3"}, "fält som inte hör till enkäten: DA01"),
        ({"is_admin": "1"}, "fält som inte hör till enkäten: is_admin"),
        ({"gender": "robot"}, "Välj ett av svarsalternativen"),
        ({"best": "x" * 2001}, "högst 2000 tecken"),
    ],
)
def test_tampered_input_is_refused_and_stores_nothing(client, dp_link, extra, message):
    _, fields = open_form(client, dp_link)
    resp = client.post(f"/s/{dp_link.token}/svar", data={**fields, "DP02": "3", **extra})
    assert resp.status_code == 400
    assert message in resp.get_data(as_text=True)
    assert count() == 0 and count(Answer) == 0


def test_errors_keep_the_answers_already_given(client, dp_link):
    _, fields = open_form(client, dp_link)
    html = client.post(f"/s/{dp_link.token}/svar", data={**fields, "DP02": "3", "DP01": "8"}).get_data(as_text=True)
    assert 'id="DP02-2" name="DP02" type="radio" value="3"' in html
    assert html.count("checked") >= 1
    assert 'class="error-summary"' in html and 'href="#DP01-0"' in html


def test_expired_csrf_token_keeps_answers_and_asks_to_resend(client, dp_link):
    _, fields = open_form(client, dp_link)
    resp = client.post(f"/s/{dp_link.token}/svar", data={**fields, "csrf_token": "expired", "DP03": "5"})
    html = resp.get_data(as_text=True)
    assert "Dina svar finns kvar" in html and 'value="5" checked' in html.replace('checked id', 'checked')  or "checked" in html
    assert count() == 0
    again = form_fields(html)
    assert client.post(f"/s/{dp_link.token}/svar", data={**again, "DP03": "5"}).status_code == 303
    assert count() == 1


def test_personal_data_in_free_text_is_masked(client, dp_link):
    _, fields = open_form(client, dp_link)
    text = "Ring mig på 070-123 45 67 eller anna.svensson@example.se, pnr 19850412-1234. Bra stöd!"
    assert client.post(f"/s/{dp_link.token}/svar", data={**fields, "improve": text}).status_code == 303
    stored = db.session.scalar(select(FreeText.text))
    assert "070" not in stored and "example.se" not in stored and "1234" not in stored
    assert stored.count("[borttaget]") == 3 and stored.endswith("Bra stöd!")


def test_unknown_token_is_a_swedish_404(client, dp_link):
    for token in ("nope", dp_link.token[:-1] + "x", "a" * 200):
        resp = client.get(f"/s/{token}")
        assert resp.status_code == 404
        assert "Sidan finns inte" in resp.get_data(as_text=True)


@pytest.mark.parametrize(
    ("opens", "closes", "active", "status", "text"),
    [
        (dt.date(2026, 4, 1), dt.date(2026, 5, 1), True, 403, "Enkäten har inte öppnat än"),
        (dt.date(2026, 1, 1), dt.date(2026, 3, 14), True, 410, "Enkäten är stängd"),
        (dt.date(2026, 1, 1), dt.date(2026, 5, 1), False, 410, "Enkäten är stängd"),
    ],
)
def test_closed_and_not_yet_open_links(client, make_forbund, make_link, opens, closes, active, status, text):
    link = make_link(make_forbund(), "CH", opens_on=opens, closes_on=closes, active=active)
    for url in (f"/s/{link.token}", f"/s/{link.token}/svar"):
        resp = client.get(url)
        assert resp.status_code == status and text in resp.get_data(as_text=True)
    resp = client.post(f"/s/{link.token}/svar", data={"CH01": "4"})
    assert resp.status_code == status and count() == 0


def test_single_use_code_accepts_one_answer_and_is_not_tied_to_it(client, make_forbund, make_link):
    link = make_link(make_forbund(), "ST", requires_code=True)
    db.session.add(AccessCode(link_id=link.id, code_hash=hash_code("ABCD2345")))
    db.session.commit()
    _, fields = open_form(client, link)
    wrong = client.post(f"/s/{link.token}/svar", data={**fields, "code": "ZZZZ9999", "ST01": "5"})
    assert "Koden är inte giltig" in wrong.get_data(as_text=True) and count() == 0
    ok = client.post(f"/s/{link.token}/svar", data={**fields, "code": "abcd-2345", "ST01": "5"})
    assert ok.status_code == 303 and count() == 1
    _, fields2 = open_form(client, link)
    reused = client.post(f"/s/{link.token}/svar", data={**fields2, "code": "ABCD2345", "ST01": "2"})
    assert "har redan använts" in reused.get_data(as_text=True) and count() == 1
    response_columns = {c["name"] for c in inspect(db.engine).get_columns("response")}
    assert not any("code" in c for c in response_columns)


def test_answers_in_another_instrument_version_remember_it(client, make_forbund, make_link, monkeypatch):
    link = make_link(make_forbund(), "CH")
    _, fields = open_form(client, link)
    client.post(f"/s/{link.token}/svar", data={**fields, "CH01": "4"})
    assert db.session.scalar(select(Response.instrument_version)) == link.instrument_version


def test_pages_work_without_javascript(client, dp_link):
    html = client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True)
    assert "<script" not in html


def test_a_double_click_with_a_single_use_code_gets_the_thank_you_page(client, make_forbund, make_link, monkeypatch):
    # Two requests with the same submission and code at once: the second looked for the
    # submission before the first had stored it, and then finds the code spent. It is a repeat.
    import surveys.responses as responses

    link = make_link(make_forbund(), "ST", requires_code=True)
    db.session.add(AccessCode(link_id=link.id, code_hash=hash_code("ABCD2345")))
    db.session.commit()
    _, fields = open_form(client, link)
    data = {**fields, "code": "ABCD2345", "ST01": "5"}
    assert client.post(f"/s/{link.token}/svar", data=data).status_code == 303
    real, calls = responses.repeat_of, []

    def not_yet_stored_at_first(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(responses, "repeat_of", not_yet_stored_at_first)
    again = client.post(f"/s/{link.token}/svar", data=data)
    assert again.status_code == 303 and again.location.endswith(f"/s/{link.token}/tack?lang=sv")
    assert len(calls) == 2 and count() == 1
    # A different submission with the spent code is still refused.
    monkeypatch.undo()
    _, fields2 = open_form(client, link)
    other = client.post(f"/s/{link.token}/svar", data={**fields2, "code": "ABCD2345", "ST01": "2"})
    assert "har redan använts" in other.get_data(as_text=True) and count() == 1


def test_a_submission_sent_again_after_the_link_closed_is_thanked(client, dp_link):
    # Stored, then the link is closed, then the respondent refreshes (sends it again): the
    # answer was received, so the thank-you page, not "the questionnaire is closed".
    from surveys import link_cache

    _, fields = open_form(client, dp_link)
    data = {**fields, "DP01": "4"}
    assert client.post(f"/s/{dp_link.token}/svar", data=data).status_code == 303
    dp_link.active = False
    db.session.commit()
    link_cache.clear()
    again = client.post(f"/s/{dp_link.token}/svar", data=data)
    assert again.status_code == 303 and "/tack" in again.location and count() == 1
    other = client.post(f"/s/{dp_link.token}/svar", data={**data, "DP01": "2"})  # not what was sent
    assert other.status_code == 410 and count() == 1
    unsent = {**data, "submission_key": "k" * 20}  # a submission that was never stored
    assert client.post(f"/s/{dp_link.token}/svar", data=unsent).status_code == 410 and count() == 1
