"""Forms of the operator console."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from storefront.account.forms import strip
from storefront.forms import Form


class ReasonForm(Form):
    reason = TextAreaField(
        _l("Reason (sent to them)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=2000)],
    )


class CategoryForm(Form):
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


class CommissionForm(Form):
    commission = StringField(
        _l("Commission on goods (%)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=10)],
        description=_l("For new orders; placed orders keep theirs. For example 10 or 7,5."),
    )


class CashCodeForm(Form):
    cod_code_above = StringField(
        _l("Ask for a code by text message above (DH)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=20)],
        description=_l(
            "A cash-on-delivery order above this total, or from a phone that never received "
            "an order, waits for a code sent to that phone. 0: every such order."
        ),
    )


class DeliveryChargingForm(Form):
    free_from = StringField(
        _l("Free delivery from (DH of goods)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=20)],
        description=_l("0: delivery is never free."),
    )
    charging = RadioField(
        _l("An order from several cooperatives pays"),
        choices=[
            SelectChoice("per_parcel", _l("each parcel's delivery")),
            SelectChoice(
                "capped",
                _l("one delivery fee, at most the amount below (Taawun pays the rest)"),
            ),
        ],
        validators=[InputRequired()],
    )
    cap = StringField(
        _l("Most an order pays for delivery (DH)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=20)],
        description=_l("Cash-on-delivery fees included. Used when the fee is capped."),
    )


class TariffForm(Form):
    """A tariff's fees; :func:`tariff_form` adds one price field per band."""

    active = BooleanField(_l("In use"))
    cod_fee = StringField(
        _l("Cash-on-delivery fee per parcel (DH)"), filters=[strip], validators=[InputRequired()]
    )
    extra_kg = StringField(
        _l("Each started kg above the heaviest band (DH)"),
        filters=[strip],
        validators=[InputRequired()],
    )


def tariff_form(rate_ids: list[int]) -> type[TariffForm]:
    """A form class with a ``rate_<id>`` price field for each band of a tariff."""
    fields = {
        f"rate_{rid}": StringField(filters=[strip], validators=[InputRequired(), Length(max=20)])
        for rid in rate_ids
    }
    return type("BandsForm", (TariffForm,), fields)


class BatchForm(Form):
    minimum = StringField(
        _l("Pay cooperatives owed at least (DH)"),
        filters=[strip],
        default="100",
        validators=[InputRequired(), Length(max=20)],
    )


class PaidForm(Form):
    bank_reference = StringField(
        _l("Bank reference"), filters=[strip], validators=[InputRequired(), Length(max=120)]
    )


class SettlementForm(Form):
    cooperative_id = SelectField(_l("Cooperative"), coerce=int, validators=[InputRequired()])
    amount = StringField(_l("Amount received (DH)"), filters=[strip], validators=[InputRequired()])
    reference = StringField(
        _l("Bank reference"), filters=[strip], validators=[InputRequired(), Length(max=120)]
    )


class NoteForm(Form):
    note = TextAreaField(
        _l("Note (what you did)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=2000)],
    )


class ReviewForm(Form):
    note = TextAreaField(
        _l("What you checked (the cooperative reads it)"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )


class TransferForm(Form):
    amount = StringField(
        _l("Amount received (DH)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=20)],
        description=_l("As on the bank statement, for example 1 250,00."),
    )
    received_on = DateField(_l("Date on the bank statement"), validators=[InputRequired()])
    reference = StringField(
        _l("Bank reference"), filters=[strip], validators=[InputRequired(), Length(max=120)]
    )


class PartReasonForm(Form):
    reason = TextAreaField(
        _l("Reason (sent to the buyer)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=200)],
    )
    restock = BooleanField(_l("The goods are back on the shelf"))


class LineRefundForm(Form):
    quantity = IntegerField(
        _l("Units to refund"), validators=[InputRequired(), NumberRange(min=1, max=1_000_000)]
    )
    reason = TextAreaField(
        _l("Reason (sent to the buyer)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=200)],
    )


class RefundPaidForm(Form):
    amount = StringField(
        _l("Amount given back (DH)"), filters=[strip], validators=[InputRequired(), Length(max=20)]
    )
    reference = StringField(
        _l("Transfer reference or receipt"),
        filters=[strip],
        validators=[InputRequired(), Length(max=120)],
    )


class SynonymForm(Form):
    terms = StringField(
        _l("Words or phrases that mean the same"),
        filters=[strip],
        validators=[InputRequired(), Length(max=1000)],
        description=_l("Separated by commas, for example: zrabi, tapis, زرابي, rugs."),
    )
