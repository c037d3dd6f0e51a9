"""Forms of the operator console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from storefront.account.forms import strip


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason (sent to them)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=2000)],
    )


class CategoryForm(FlaskForm):
    slug = StringField(
        _l("Address"),
        filters=[strip],
        validators=[InputRequired(), Length(max=80)],
        description=_l("Lower-case letters, digits and hyphens: /c/huile-argan."),
    )
    name_fr = StringField(
        _l("Name (French)"), filters=[strip], validators=[InputRequired(), Length(max=120)]
    )
    name_ar = StringField(
        _l("Name (Arabic)"), filters=[strip], validators=[Optional(), Length(max=120)]
    )
    name_en = StringField(
        _l("Name (English)"), filters=[strip], validators=[Optional(), Length(max=120)]
    )
    parent_id = SelectField(_l("Under"), coerce=int, default=0)
    position = IntegerField(_l("Position"), default=0, validators=[InputRequired()])
    required_kinds = SelectMultipleField(
        _l("Certificates required to sell"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=True,
    )
    max_price = StringField(
        _l("Price cap per unit (DH)"),
        filters=[strip],
        validators=[Optional(), Length(max=30)],
        description=_l("Empty: no cap. Applies to subcategories too."),
    )
