"""The questionnaire page is rendered once per link and language and reused (issue 14); the
answers of a submission go to the database in one multi-row INSERT per table."""

import re

import pytest
from flask import render_template
from markupsafe import Markup
from sqlalchemy import event, func, select, update

from surveys.extensions import db
from surveys.forms import questionnaire_form_class
from surveys.instruments import instrument
from surveys.models import Answer, BackgroundAnswer, FreeText, Response
from surveys.views.respond import choose_language, context
from tests.helpers import form_fields


@pytest.fixture
def dp_link(make_forbund, make_insats, make_link):
    forbund = make_forbund()
    return make_link(forbund, "DP", make_insats(forbund))


def fresh_render(app, link, lang, csrf_token, submission_key):
    """The page as it was rendered before the cache: every widget of a new form, this request."""
    with app.test_request_context(f"/s/{link.token}/svar?lang={lang}"):
        inst = instrument(link.instrument_version)
        q = inst.questionnaires[link.questionnaire]
        lang = choose_language(q)
        form = questionnaire_form_class(inst, q, lang, requires_code=link.requires_code,
                                        max_text=app.config["FREE_TEXT_MAX_LENGTH"])()
        form.submission_key.data = submission_key
        hidden = Markup("\n  ").join([form.csrf_token(), form.submission_key(), form.lang(value=lang)])
        body = Markup(render_template("respond/_questionnaire_body.html", form=form))
        page = render_template("respond/questionnaire.html", form=form, has_errors=False, hidden_fields=hidden,
                               body=body, **context(link, lang))
    own_token = form_fields(page)["csrf_token"]
    return page.replace(own_token, csrf_token)


@pytest.mark.parametrize("lang", ["sv", "en", "ar"])
def test_reused_page_is_the_page_a_fresh_form_renders(app, dp_link, lang):
    pages = []
    for _ in range(3):  # the first renders and stores, the others reuse
        page = app.test_client().get(f"/s/{dp_link.token}/svar?lang={lang}")
        assert page.status_code == 200
        pages.append(page.get_data(as_text=True))
    keys = set()
    for html in pages:
        fields = form_fields(html)
        keys.add(fields["submission_key"])
        assert fields["lang"] == lang
        assert html == fresh_render(app, dp_link, lang, fields["csrf_token"], fields["submission_key"])
    assert len(keys) == 3  # a new submission key for every respondent
    assert len(app.extensions["questionnaire_pages"]) == 1


def test_a_changed_link_is_shown_at_once(app, dp_link):
    client = app.test_client()
    html = client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True)
    assert 'name="code"' not in html and "Demodata" not in html
    dp_link.requires_code = True
    dp_link.forbund.is_demo = True
    db.session.commit()
    html = client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True)
    assert 'name="code"' in html and "Demodata" in html
    dp_link.requires_code = False
    db.session.commit()
    html = client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True)
    assert 'name="code"' not in html and "Demodata" in html


def test_a_refused_submission_shows_the_whole_form_with_answers_and_errors(app, dp_link):
    client = app.test_client()
    client.get(f"/s/{dp_link.token}/svar")  # fill the cache first
    fields = form_fields(client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True))
    page = client.post(f"/s/{dp_link.token}/svar", data={**fields, "DP01": "4", "best": "x" * 5000})
    html = page.get_data(as_text=True)
    assert page.status_code == 400  # longer than the form allows: the browser would have stopped it
    assert 'id="error-summary"' in html and "Fel: " in html
    assert re.search(r'<input checked id="DP01-3" name="DP01" type="radio" value="4">', html)
    assert html.count("<fieldset") == 13
    assert form_fields(html)["submission_key"] == fields["submission_key"]


def test_answers_are_stored_with_one_insert_per_table(app, dp_link):
    client = app.test_client()
    fields = form_fields(client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True))
    inserts = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT"):
            inserts.append(statement.split("(")[0].split()[-1].strip('"'))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        answers = {f"DP{n:02d}": str(n % 6 + 1) for n in range(1, 11)} | {"DP05": "9", "gender": "kvinna"}
        page = client.post(f"/s/{dp_link.token}/svar", data={**fields, **answers, "best": "Bra stöd"})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert page.status_code == 303
    assert sorted(inserts) == ["answer", "background_answer", "free_text", "response"], inserts
    response = db.session.scalars(select(Response)).one()
    stored = dict(db.session.execute(select(Answer.item_id, Answer.value).where(Answer.response_id == response.id)).all())
    assert stored == {f"DP{n:02d}": (None if n == 5 else n % 6 + 1) for n in range(1, 11)}
    assert db.session.scalars(select(BackgroundAnswer.value)).all() == ["kvinna"]
    assert db.session.scalars(select(FreeText.text)).all() == ["Bra stöd"]
    assert [a.item_id for a in response.answers] and len(response.answers) == 10


def test_the_oldest_page_goes_when_the_store_is_full(app, dp_link, monkeypatch):
    from surveys import questionnaire_page

    monkeypatch.setattr(questionnaire_page, "MAX_PAGES", 1)
    for lang in ("sv", "en", "sv"):
        page = app.test_client().get(f"/s/{dp_link.token}/svar?lang={lang}")
        assert page.status_code == 200 and f'<html lang="{lang}"' in page.get_data(as_text=True)
        assert len(app.extensions["questionnaire_pages"]) == 1


def _change_elsewhere(link_id: int, **values) -> None:
    """Change a link as another app server would: its own connection, around this process's ORM."""
    from surveys.models import SurveyLink

    with db.engine.begin() as conn:
        conn.execute(SurveyLink.__table__.update().where(SurveyLink.__table__.c.id == link_id).values(**values))
    db.session.expire_all()  # the test's session stands for this server's next request: it reads afresh


def test_a_renamed_forbund_or_insats_gives_a_new_page(app, dp_link):
    client = app.test_client()
    assert "Steg för steg" in client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True)
    dp_link.insats.name = "Nya steget"
    dp_link.forbund.name = "Samordningsförbundet Nytt"
    db.session.commit()
    html = client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True)
    assert "Nya steget" in html and "Samordningsförbundet Nytt" in html and "Steg för steg" not in html


def test_a_link_closed_elsewhere_is_shown_closed_within_a_second_and_never_takes_an_answer(app, dp_link, monkeypatch):
    from surveys import link_cache

    clock = [1000.0]
    monkeypatch.setattr(link_cache.time, "monotonic", lambda: clock[0])
    client = app.test_client()
    fields = form_fields(client.get(f"/s/{dp_link.token}/svar").get_data(as_text=True))
    _change_elsewhere(dp_link.id, active=False)
    # Within the second the page may still be shown from this process's copy of the link ...
    assert client.get(f"/s/{dp_link.token}/svar").status_code == 200
    # ... but an answer is checked against the database and refused, and nothing is stored.
    page = client.post(f"/s/{dp_link.token}/svar", data={**fields, "DP01": "4"})
    assert page.status_code == 410
    assert db.session.scalar(select(func.count()).select_from(Response)) == 0
    clock[0] += link_cache.TTL_SECONDS + 0.01
    assert client.get(f"/s/{dp_link.token}/svar").status_code == 410
    assert client.get(f"/s/{dp_link.token}").status_code == 410


def test_a_link_changed_in_this_process_is_shown_at_once_whatever_the_clock(app, dp_link, monkeypatch):
    from surveys import link_cache
    from surveys.models import SurveyLink

    monkeypatch.setattr(link_cache.time, "monotonic", lambda: 1000.0)  # the copy never gets old
    client = app.test_client()
    assert client.get(f"/s/{dp_link.token}/svar").status_code == 200
    dp_link.active = False  # through the ORM, as the staff pages do
    db.session.commit()
    assert client.get(f"/s/{dp_link.token}/svar").status_code == 410
    db.session.execute(update(SurveyLink).where(SurveyLink.id == dp_link.id).values(active=True))  # a bulk UPDATE
    db.session.commit()
    assert client.get(f"/s/{dp_link.token}/svar").status_code == 200
