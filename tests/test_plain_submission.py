"""The submission fast path reads exactly what the full WTForms form accepts, and nothing else.

``QuestionnaireForm.plain_submission`` skips building the form for a plainly valid POST. On
generated form data (valid and invalid choices, blanks, whitespace, repeated and unknown fields,
long texts, good and bad CSRF tokens) it must either decline (None) or give the same submission
and key as the full form, and only when the full form validates.
"""

from __future__ import annotations

import pytest
from flask import session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from surveys.forms import questionnaire_form_class
from surveys.instruments import instrument

RAW_TOKEN = "0123456789abcdef0123456789abcdef01234567"
MAX_TEXT = 40


@pytest.fixture(scope="module")
def plain_app():
    from app import create_app

    return create_app({"TESTING": True, "SECRET_KEY": "plain-submission", "WTF_CSRF_ENABLED": True,
                       "SQLALCHEMY_DATABASE_URI": "sqlite://", "RATELIMIT_ENABLED": False})


def signed(app, raw: str = RAW_TOKEN) -> str:
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def field_names(q) -> list[str]:
    return [*q.item_ids, *(b.id for b in q.background), *(f.id for f in q.free_text)]


VALUES = st.one_of(
    st.sampled_from(["1", "2", "3", "4", "5", "6", "9", "", " ", "\t", " 3", "3 ", "7", "0", "x", "Kvinna",
                     "a" * MAX_TEXT, "a" * (MAX_TEXT + 1), " " * (MAX_TEXT + 2), " b" * MAX_TEXT]),
    st.text(max_size=MAX_TEXT + 5),
)


TEXTS = st.sampled_from(["a" * MAX_TEXT, "a" * (MAX_TEXT + 1), " " * (MAX_TEXT + 2), " b" * MAX_TEXT,
                         " " + "c" * MAX_TEXT, "", "  ", "\n"])


def ordinary(q, data) -> list[tuple[str, str]]:
    """Form data as a browser sends it: each field once, offered values, texts within the limit."""
    pairs = [("submission_key", "k" * 32), ("lang", "sv")]
    for item in q.item_ids:
        value = data.draw(st.sampled_from(["1", "2", "3", "4", "5", "6", "9", None]))
        if value is not None:
            pairs.append((item, value))
    for bg in q.background:
        value = data.draw(st.sampled_from([*bg.options, None]))
        if value is not None:
            pairs.append((bg.id, value))
    for ft in q.free_text:
        pairs.append((ft.id, data.draw(st.text(max_size=MAX_TEXT))))
    return pairs


def compare(app, q, pairs: list[tuple[str, str]], csrf: str | None):
    form_cls = questionnaire_form_class(instrument("2026.1"), q, "sv", requires_code=False, max_text=MAX_TEXT)
    data = MultiDict(pairs)
    if csrf is not None:
        data.add("csrf_token", csrf)
    with app.test_request_context("/s/x/svar?lang=sv", method="POST", data=data):
        session["csrf_token"] = RAW_TOKEN
        from flask import request

        plain = form_cls.plain_submission(request.form)
        form = form_cls()
        known = not (set(request.form) - form.expected_fields())
        valid = form.validate()
        if plain is not None:
            assert known and valid, (pairs, form.errors)
            assert plain[0] == form.submission()
            assert plain[1] == (form.submission_key.data or "")
        return plain, known and valid


@pytest.mark.parametrize("code", ["DP", "CH", "DA"])
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plain_path_never_accepts_what_the_form_refuses(plain_app, code, data):
    """An ordinary submission with a few things changed: a value replaced, a field repeated or
    added, the CSRF token wrong or missing."""
    q = instrument("2026.1").questionnaires[code]
    names = [*field_names(q), "submission_key", "lang", "okänt_fält"]
    pairs = ordinary(q, data)
    texts = [f.id for f in q.free_text]
    choices = [*q.item_ids, *(b.id for b in q.background)]
    for _ in range(data.draw(st.integers(0, 3))):
        # A text field (texts around the length limit), a radio group or another field.
        kind = data.draw(st.sampled_from(["text", "choice", "other"]))
        name = data.draw(st.sampled_from((texts if kind == "text" else choices if kind == "choice" else []) or names))
        value = data.draw(TEXTS if kind == "text" and data.draw(st.booleans()) else VALUES)
        if data.draw(st.booleans()):
            pairs = [(n, value if n == name else v) for n, v in pairs]  # replaced (if sent)
        else:
            pairs.append((name, value))  # added, or sent twice
    csrf = data.draw(st.sampled_from([signed(plain_app), signed(plain_app), signed(plain_app, "another-token"),
                                      "not-signed", None]))
    compare(plain_app, q, pairs, csrf)


@pytest.mark.parametrize("code", ["DP", "CH", "DA"])
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_plain_path_takes_every_ordinary_submission(plain_app, code, data):
    """A form as a browser sends it is read directly (the fast path is really used)."""
    q = instrument("2026.1").questionnaires[code]
    plain, valid = compare(plain_app, q, ordinary(q, data), signed(plain_app))
    assert valid and plain is not None


def test_blank_choice_is_unanswered_not_a_crash(client, make_forbund, make_insats, make_link):
    """A whitespace-only radio value passes the form's Optional check as empty input: it is stored
    as unanswered (it used to reach int() and answer with a 500)."""
    from sqlalchemy import select

    from surveys.extensions import db
    from surveys.models import Answer
    from tests.helpers import form_fields

    forbund = make_forbund()
    link = make_link(forbund, "DP", make_insats(forbund))
    for blank in ("  ", "\t"):
        fields = form_fields(client.get(f"/s/{link.token}/svar").get_data(as_text=True))
        response = client.post(f"/s/{link.token}/svar", data={**fields, "DP01": blank, "DP02": "4"})
        assert response.status_code == 303
    stored = db.session.execute(select(Answer.item_id, Answer.value)).all()
    assert sorted(stored) == [("DP02", 4), ("DP02", 4)]
