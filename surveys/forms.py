"""WTForms classes, including the questionnaire form built at runtime from the instrument."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.csrf import validate_csrf
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from indicators.catalogue import Instrument, Questionnaire

from .responses import Submission

#: The form value of "Vet ej"; 9 is also its code in paper spreadsheets.
DONT_KNOW = "9"


class ChoiceField(RadioField):
    """A radio group whose invalid value gets a readable Swedish/English message."""

    def pre_validate(self, form):
        if self.data is not None and self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(_l("Välj ett av svarsalternativen."))


def answer_code(value: str) -> int | None:
    """The stored code of an item's form value: 1-6, or None for "Vet ej"."""
    return None if value == DONT_KNOW else int(value)


def new_submission_key() -> str:
    return secrets.token_urlsafe(24)


class QuestionnaireForm(FlaskForm):
    """Base of the runtime-built questionnaire forms; CSRF comes from FlaskForm."""

    # Labelled, though never shown: an unlabelled field asks WTForms' translations for a label,
    # which loads its message catalogue from disk on every submission.
    submission_key = HiddenField("submission_key")
    lang = HiddenField("lang")

    #: Set by the builder.
    questionnaire: Questionnaire
    requires_code: bool = False
    item_fields: tuple[str, ...] = ()
    background_fields: tuple[str, ...] = ()
    free_text_fields: tuple[str, ...] = ()

    #: Set by the builder: the values each radio group offers.
    choice_values: dict[str, frozenset[str]] = {}
    max_text: int = 0

    def submission(self) -> Submission:
        """Return the parsed answers; unanswered questions are left out.

        A blank or whitespace-only choice is unanswered, as the ``Optional`` validator lets it
        through as empty input.
        """
        sub = Submission()
        for name in self.item_fields:
            value = (self[name].data or "").strip()
            if value:
                sub.answers[name] = answer_code(value)
        for name in self.background_fields:
            value = (self[name].data or "").strip()
            if value:
                sub.background[name] = value
        for name in self.free_text_fields:
            text = (self[name].data or "").strip()
            if text:
                sub.free_text[name] = text
        return sub

    def expected_fields(self) -> set[str]:
        return {field.name for field in self}

    @classmethod
    def plain_submission(cls, formdata: MultiDict) -> tuple[Submission, str] | None:
        """The submission and key of a plainly valid POST, read without building the form.

        Binding and validating a WTForms form of some twenty fields was the largest cost of a
        submission. This reads the common case directly: a valid CSRF token (checked by the same
        ``validate_csrf`` the form calls), every field known and sent once, every choice one of
        the offered values (or blank), every text within the limit, no single-use code. It
        returns exactly the Submission the full form would give, and None for anything else, so
        that the view runs the full form and shows its messages: it never accepts what the form
        refuses (``tests/test_plain_submission.py`` compares the two on generated input).
        """
        if cls.requires_code:
            return None
        csrf_name = None
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf_name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
            try:
                validate_csrf(formdata.get(csrf_name))
            except ValidationError:
                return None
        known = {*cls.choice_values, *cls.free_text_fields, "submission_key", "lang", csrf_name}
        sent: dict[str, str] = {}
        for name, values in formdata.lists():
            if len(values) != 1 or name not in known:
                return None  # a repeated field, or one the form does not have: the form says so
            sent[name] = values[0]
        sub = Submission()
        for name in (*cls.item_fields, *cls.background_fields):
            value = sent.get(name, "")
            if value not in cls.choice_values[name]:
                if value.strip():
                    return None  # not one of the choices
            elif name in cls.background_fields:
                sub.background[name] = value
            else:
                sub.answers[name] = answer_code(value)
        for name in cls.free_text_fields:
            text = sent.get(name, "")
            if len(text) > cls.max_text:
                return None
            if text.strip():
                sub.free_text[name] = text.strip()
        return sub, sent.get("submission_key", "")


#: Built form classes: (id of the instrument, questionnaire, language, code?, max length) ->
#: (instrument, class). The instrument is kept to check that the id still names the same object.
_FORM_CLASSES: dict[tuple, tuple[Instrument, type[QuestionnaireForm]]] = {}


def questionnaire_form_class(
    instrument: Instrument, q: Questionnaire, lang: str, *, requires_code: bool, max_text: int
) -> type[QuestionnaireForm]:
    """Return the form class with one field per question, labelled in the respondent's language.

    A class depends only on its arguments (labels are the instrument's texts, messages are lazy
    gettext strings), so it is built once per combination and reused: building one takes longer
    than validating a submission with it.
    """
    key = (id(instrument), q.code, lang, requires_code, max_text)
    cached = _FORM_CLASSES.get(key)
    if cached is not None and cached[0] is instrument:
        return cached[1]
    form_cls = _build_form_class(instrument, q, lang, requires_code=requires_code, max_text=max_text)
    _FORM_CLASSES[key] = (instrument, form_cls)
    return form_cls


def _build_form_class(
    instrument: Instrument, q: Questionnaire, lang: str, *, requires_code: bool, max_text: int
) -> type[QuestionnaireForm]:
    attrs: dict[str, object] = {"questionnaire": q}
    choice_values: dict[str, frozenset[str]] = {}
    if requires_code:
        attrs["code"] = StringField(_l("Din kod"), validators=[Optional(), Length(max=32)])
    for item in q.items:
        scale = instrument.scales[item.scale]
        choices = [SelectChoice(str(code), scale.labels[lang][code - 1]) for code in range(1, 7)]
        choices.append(SelectChoice(DONT_KNOW, scale.missing[lang]))
        attrs[item.id] = ChoiceField(item.text[lang], choices=choices, validators=[Optional()])
        choice_values[item.id] = frozenset(choice.value for choice in choices)
    for bg in q.background:
        choices = [SelectChoice(v, label) for v, label in zip(bg.options, bg.labels[lang], strict=True)]
        attrs[bg.id] = ChoiceField(bg.text[lang], choices=choices, validators=[Optional()])
        choice_values[bg.id] = frozenset(bg.options)
    for ft in q.free_text:
        attrs[ft.id] = TextAreaField(
            ft.text[lang],
            validators=[
                Optional(),
                Length(max=max_text, message=_l("Svaret får vara högst %(max)d tecken långt.", max=max_text)),
            ],
        )
    attrs["choice_values"] = choice_values
    attrs["max_text"] = max_text
    attrs["requires_code"] = requires_code
    attrs["item_fields"] = q.item_ids
    attrs["background_fields"] = tuple(b.id for b in q.background)
    attrs["free_text_fields"] = tuple(f.id for f in q.free_text)
    return type(f"Questionnaire{q.code}Form", (QuestionnaireForm,), attrs)
