"""The base of every form of the site: each text field is checked by
:mod:`catalog.safe_text` before its own validators, so a tab, a carriage return or a
text-direction override is refused with a message that says so (not "Too long").
Text areas accept line breaks, normalised to ``\\n``. Integer fields without a range of
their own are held to what the database stores."""

from __future__ import annotations

from typing import Any, cast

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Field, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import NumberRange, StopValidation
from wtforms.widgets import Select

from catalog import safe_text
from catalog.db import in_integer_range

#: The sentences for :mod:`catalog.safe_text`'s codes, for every message table.
TEXT_MESSAGES: dict[str, Any] = {
    safe_text.LINE_BREAK: _l("Keep this on one line: line breaks are not allowed here."),
    safe_text.CONTROL_CHARACTER: _l(
        "Remove the invisible control character (a tab, for example) from this text."
    ),
    safe_text.BIDI_CONTROL: _l(
        "Remove the invisible character that changes the writing direction: "
        "it would reverse the text after it."
    ),
}


def _normalise_newlines(value: object) -> object:
    return safe_text.normalise_newlines(value) if isinstance(value, str) else value


def contact(autocomplete: str) -> dict[str, str]:
    """A contact field's ``render_kw``: the autofill token, and for a phone or an e-mail
    the keyboard a phone should open (a phone number gets ``type=tel``)."""
    kw = {"autocomplete": autocomplete}
    if autocomplete.endswith("tel"):
        kw.update(type="tel", inputmode="tel")
    elif autocomplete.endswith("email"):
        kw["inputmode"] = "email"
    return kw


class _SafeText:
    """The validator added to every text field."""

    field_flags: dict[str, Any] = {}

    def __init__(self, multiline: bool) -> None:
        self.multiline = multiline

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if not isinstance(field.data, str):
            return
        code = safe_text.text_problem(field.data, multiline=self.multiline)
        if code is not None:
            _clear_errors(field)
            raise StopValidation(str(TEXT_MESSAGES[code]))


def _clear_errors(field: Field) -> None:
    """Drop the errors earlier validators found: during validation WTForms collects them
    in a list (its class default, before any validation, is an empty tuple)."""
    cast(list[str], field.errors).clear()


class _InDatabaseRange:
    """The validator added to every integer field without a narrower range of its own."""

    field_flags: dict[str, Any] = {}

    def __call__(self, form: FlaskForm, field: Field) -> None:
        if isinstance(field.data, int) and not in_integer_range(field.data):
            _clear_errors(field)
            raise StopValidation(str(_l("This number is too large.")))


def _bounded(field: Field) -> bool:
    return any(
        isinstance(v, NumberRange)
        and v.min is not None
        and v.max is not None
        and in_integer_range(int(v.min))
        and in_integer_range(int(v.max))
        for v in field.validators
    )


class Form(FlaskForm):
    """A Flask-WTF form whose text fields only take text that is safe to store."""

    class Meta:
        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Field:
            field = unbound_field.bind(form=form, **options)
            if field.type == "CSRFTokenField":
                # no id: a page with several forms would repeat id="csrf_token"
                field.id = False
            if isinstance(field, StringField) and not isinstance(field, PasswordField):
                multiline = isinstance(field, TextAreaField)
                if multiline:
                    field.filters = (_normalise_newlines, *field.filters)
                field.validators = (_SafeText(multiline), *field.validators)
            elif isinstance(field, IntegerField) and not _bounded(field):
                field.validators = (_InDatabaseRange(), *field.validators)
            return field


class PlaceholderSelect(Select):
    """A required ``<select>`` that opens on an empty choice ("—") outside any group, so
    nothing is chosen for the person (and HTML's rule for required selects holds)."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        html = str(super().__call__(field, **kwargs))
        opening = html.index(">") + 1
        return Markup(html[:opening] + '<option value="">—</option>' + html[opening:])  # noqa: S704 (WTForms' escaped output)
