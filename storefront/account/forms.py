from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from catalog.accounts.users import MIN_PASSWORD_LENGTH
from catalog.errors import InvalidIdentifier
from catalog.identifiers import clean_phone
from storefront.forms import Form, contact


def strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def moroccan_phone(form: FlaskForm, field: StringField) -> None:
    """Validate and normalise to +212…"""
    if not field.data:
        return
    try:
        field.data = clean_phone(field.data)
    except InvalidIdentifier:
        raise ValidationError(
            _l("Enter a Moroccan phone number, for example 06 12 34 56 78.")
        ) from None


class LoginForm(Form):
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[InputRequired(), Length(max=254)],
        render_kw=contact("email"),
    )
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=200)])
    remember = BooleanField(_l("Keep me logged in"))


class SignupForm(Form):
    name = StringField(
        _l("Full name"), validators=[InputRequired(), Length(max=120)], render_kw=contact("name")
    )
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw=contact("email"),
    )
    phone = StringField(
        _l("Phone (for delivery)"),
        validators=[moroccan_phone, Length(max=30)],
        render_kw=contact("tel"),
    )
    password = PasswordField(
        _l("Password"),
        validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    marketing_consent = BooleanField(_l("Send me news from the cooperatives (optional)"))


class ResetRequestForm(Form):
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[InputRequired(), Length(max=254)],
        render_kw=contact("email"),
    )


class ResetForm(Form):
    password = PasswordField(
        _l("New password"), validators=[InputRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[InputRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
