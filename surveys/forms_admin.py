"""Forms of the admin, officer and staff pages (set-up: förbund, users, insatser, links, codes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from .accounts import MIN_PASSWORD_LENGTH
from .errors import ServiceError
from .links import MAX_CODES_PER_BATCH


class TrimmedDateField(DateField):
    """A date field that reads "2026-03-01 " as 2026-03-01: spaces around a typed or pasted date
    are not an error (the plain field refuses them)."""

    def process_formdata(self, valuelist):
        super().process_formdata([value.strip() if isinstance(value, str) else value for value in valuelist])


class ButtonForm(FlaskForm):
    """A form with nothing but its CSRF token: deactivate, close and similar buttons."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def apply_service_error(form: FlaskForm, exc: ValueError, fields: dict[str, str] | None = None) -> None:
    """Show a service's error at its field (``ServiceError.field``, renamed through ``fields`` where
    the form calls it something else), or at the top of the form; in the user's language."""
    if isinstance(exc, ServiceError):
        name = (fields or {}).get(exc.field, exc.field)
        if name in form:
            form[name].errors = [*form[name].errors, exc.text]
            return
    form.form_errors.append(str(exc))


# --- admin -----------------------------------------------------------------------------------


class ForbundForm(FlaskForm):
    slug = StringField(_l("Kortnamn"), validators=[DataRequired(_l("Fyll i ett kortnamn.")), Length(max=64)])
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Fyll i förbundets namn.")), Length(max=200)])


class _PasswordFields(FlaskForm):
    password = PasswordField(_l("Lösenord"), validators=[
        DataRequired(_l("Fyll i ett lösenord.")),
        Length(min=MIN_PASSWORD_LENGTH, max=256, message=_l("Lösenordet ska vara minst %(n)s tecken.", n=MIN_PASSWORD_LENGTH)),
    ])
    confirm = PasswordField(_l("Upprepa lösenordet"), validators=[
        DataRequired(_l("Upprepa lösenordet.")), EqualTo("password", _l("Lösenorden är inte lika.")),
    ])


class UserForm(_PasswordFields):
    username = StringField(_l("Användarnamn"), validators=[DataRequired(_l("Fyll i ett användarnamn.")), Length(max=120)])
    name = StringField(_l("Namn"), validators=[Optional(), Length(max=200)])
    role = RadioField(_l("Roll"), choices=[
        SelectChoice("officer", _l("Förbundskansli (ser hela sitt förbund)")),
        SelectChoice("staff", _l("Personal (ser sina insatser)")),
        SelectChoice("admin", _l("Administratör (driftar installationen, ser inga svar)")),
    ], validators=[InputRequired(_l("Välj en roll."))])
    forbund = SelectField(_l("Förbund"), coerce=str, validators=[Optional()])
    insatser = MultiCheckboxField(_l("Insatser (för personal)"), coerce=int, validators=[Optional()])


class PasswordForm(_PasswordFields):
    pass


class ChangePasswordForm(_PasswordFields):
    current = PasswordField(_l("Nuvarande lösenord"), validators=[DataRequired(_l("Fyll i ditt nuvarande lösenord.")),
                                                                  Length(max=256)])


class TotpCodeForm(FlaskForm):
    code = StringField(_l("Kod från appen"), validators=[DataRequired(_l("Fyll i koden från appen.")), Length(max=16)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})


# --- officer ---------------------------------------------------------------------------------


class InsatsForm(FlaskForm):
    name = StringField(_l("Namn"), validators=[DataRequired(_l("Fyll i insatsens namn.")), Length(max=200)])


class LinkForm(FlaskForm):
    questionnaire = RadioField(_l("Enkät"), validators=[InputRequired(_l("Välj en enkät."))])
    insats = SelectField(_l("Insats"), coerce=str, validators=[Optional()])
    instrument_version = SelectField(_l("Instrumentversion"), coerce=str, validators=[Optional()])
    opens_on = TrimmedDateField(_l("Öppnar"), validators=[InputRequired(_l("Fyll i öppningsdatum."))])
    closes_on = TrimmedDateField(_l("Stänger"), validators=[InputRequired(_l("Fyll i stängningsdatum."))])
    label = StringField(_l("Etikett (valfri)"), validators=[Optional(), Length(max=200)])
    requires_code = BooleanField(_l("Kräver engångskod (bara chefsgrupp och styrelse)"))
    asked = IntegerField(_l("Antal tillfrågade (valfritt)"), validators=[
        Optional(), NumberRange(min=1, max=100_000, message=_l("Ange ett heltal från 1 till 100 000."))])
    #: This form's key: the same form sent twice makes one link (links.create_link).
    form_key = HiddenField()

    def validate_closes_on(self, field):
        if field.data and self.opens_on.data and field.data < self.opens_on.data:
            raise ValidationError(_l("Stängningsdatumet kan inte vara före öppningsdatumet."))


class AskedForm(FlaskForm):
    asked = IntegerField(_l("Antal tillfrågade"), validators=[
        Optional(), NumberRange(min=1, max=100_000, message=_l("Ange ett heltal från 1 till 100 000."))])


class CodesForm(FlaskForm):
    count = IntegerField(_l("Antal koder"), validators=[
        InputRequired(_l("Fyll i hur många koder du behöver.")),
        NumberRange(min=1, max=MAX_CODES_PER_BATCH,
                    message=_l("Ange ett antal från 1 till %(max)s.", max=MAX_CODES_PER_BATCH)),
    ])


#: Service error prefixes (see accounts.py and links.py) and the form field each belongs to.
#: Service field names that a form calls differently (none yet: the services use the form names).
SERVICE_FIELDS: dict[str, str] = {}
