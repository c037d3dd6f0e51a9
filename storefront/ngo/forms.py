"""Forms of the organisation area. They check the shape of the input; the
solidarity-basket library checks the rules and the views attach its problems."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    FieldList,
    FileField,
    FormField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    EqualTo,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from catalog.accounts.users import MIN_PASSWORD_LENGTH
from catalog.errors import InvalidAmount, InvalidIdentifier
from catalog.identifiers import clean_ice
from catalog.money import Money
from solidarity_baskets.nutrition import MAX_FAMILY_SIZE
from solidarity_baskets.request import MAX_POINT_TEXT
from solidarity_baskets.service import MAX_BASKETS, MAX_HUB_NAME
from storefront.account.forms import moroccan_phone, strip
from storefront.filters import decimal_field
from storefront.forms import Form, PlaceholderSelect, contact
from storefront.labels import ORGANISATION_KINDS

#: Quantity units people type, and how many grams / millilitres / pieces each is.
QUANTITY_UNITS = {
    "kg": ("g", 1000),
    "g": ("g", 1),
    "l": ("ml", 1000),
    "ml": ("ml", 1),
    "piece": ("piece", 1),
}
QUANTITY_UNIT_LABELS = {
    "kg": _l("kg"),
    "g": _l("g"),
    "l": _l("L"),
    "ml": _l("ml"),
    "piece": _l("pieces"),
}


def net_quantity(amount: Decimal | None, unit: str) -> tuple[int, str] | None:
    """``(1.5, "kg")`` → ``(1500, "g")``; None when it is not a whole number of
    grams, millilitres or pieces."""
    if amount is None or unit not in QUANTITY_UNITS or not amount.is_finite():
        return None
    base, factor = QUANTITY_UNITS[unit]
    value = amount * factor
    if value != value.to_integral_value() or value <= 0:
        return None
    return int(value), base


def optional_ice(form: FlaskForm, field: StringField) -> None:
    if not field.data:
        return
    try:
        field.data = clean_ice(field.data)
    except InvalidIdentifier:
        raise ValidationError(_l("This ICE is not valid: please check its 15 digits.")) from None


def money_amount(form: FlaskForm, field: StringField) -> None:
    if not field.data:
        return
    try:
        Money.parse(field.data)
    except InvalidAmount:
        raise ValidationError(_l("Enter an amount such as 450 or 450,50.")) from None


class SignupForm(Form):
    """An organisation and its first member."""

    name = StringField(
        _l("Name of the organisation"),
        filters=[strip],
        validators=[InputRequired(), Length(max=200)],
        render_kw=contact("organization"),
    )
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(code, name) for code, name in ORGANISATION_KINDS.items()],
        validators=[InputRequired()],
        widget=PlaceholderSelect(),
    )
    registration_number = StringField(
        _l("Registration number"),
        filters=[strip],
        validators=[InputRequired(), Length(max=80)],
        description=_l("The number of your receipt of declaration or your trade register."),
    )
    ice = StringField(
        _l("ICE (optional)"), filters=[strip], validators=[Optional(), optional_ice, Length(max=30)]
    )
    region_code = SelectField(_l("Region of your head office"), validators=[InputRequired()])
    address = TextAreaField(
        _l("Address of your head office"),
        filters=[strip],
        validators=[InputRequired(), Length(min=5, max=500)],
        render_kw=contact("work street-address"),
    )
    phone = StringField(
        _l("Phone of the organisation"),
        validators=[InputRequired(), moroccan_phone, Length(max=30)],
        render_kw=contact("work tel"),
    )
    email = EmailField(
        _l("E-mail of the organisation"),
        filters=[strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=200)],
        render_kw=contact("work email"),
    )
    person_name = StringField(
        _l("Your name"),
        filters=[strip],
        validators=[InputRequired(), Length(max=120)],
        render_kw=contact("name"),
    )
    person_email = EmailField(
        _l("Your e-mail (to log in)"),
        filters=[strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw=contact("email"),
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


class TemplateForm(Form):
    name = StringField(
        _l("Name of the basket"), filters=[strip], validators=[InputRequired(), Length(max=200)]
    )
    description = TextAreaField(
        _l("Description"), filters=[strip], validators=[Optional(), Length(max=2000)]
    )


#: WTForms' own words for a number it cannot read, translated by WTForms' catalog
NOT_A_DECIMAL = "Not a valid decimal value."


class LocalDecimalField(DecimalField):
    """A decimal number written with a comma or a dot: ``1,5`` or ``1.5`` (and shown with
    the page's decimal sign); never NaN or infinity (a signalling NaN cannot even be
    compared with the field's range)."""

    def process_formdata(self, valuelist: list[str]) -> None:
        cleaned = [
            "".join(v.replace(",", ".").split()) if isinstance(v, str) else v for v in valuelist
        ]
        super().process_formdata(cleaned)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext(NOT_A_DECIMAL))

    def _value(self) -> str:
        """What was typed, else the value with the page's decimal sign (``1,5`` in French)."""
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else decimal_field(self.data)


class _QuantityForm(Form):
    quantity = LocalDecimalField(
        _l("Quantity"),
        places=None,
        validators=[InputRequired(), NumberRange(min=Decimal("0.001"), max=Decimal(100_000))],
    )
    quantity_unit = SelectField(
        _l("Unit"),
        choices=[SelectChoice(k, v) for k, v in QUANTITY_UNIT_LABELS.items()],
        validators=[InputRequired()],
    )


class LineForm(_QuantityForm):
    """A product kind to add to a basket."""

    category_id = SelectField(_l("Product kind"), coerce=int, validators=[InputRequired()])
    is_container = BooleanField(_l("This is the container (bag or basket)"))


class EquivalentForm(_QuantityForm):
    """Another kind that may replace a line."""

    line_id = SelectField(_l("Line"), coerce=int, validators=[InputRequired()])
    category_id = SelectField(_l("May be replaced by"), coerce=int, validators=[InputRequired()])
    accepted = BooleanField(_l("Accepted from the start"), default=True)
    other_kind = BooleanField(_l("Another kind of goods: I confirm it may replace this line"))


class LineQuantityForm(_QuantityForm):
    """A line's quantity, changed in place in the basket's table (one form per line,
    prefixed by its id)."""

    #: the line the submitted form belongs to
    line_id: int | None = None


def quantity_fields(net: int, unit: str) -> dict[str, object]:
    """A stored net quantity as the form shows it: 5000 g → 5 kg, 850 g → 850 g (the
    inverse of :func:`net_quantity`, through the same :data:`QUANTITY_UNITS`)."""
    for typed, (base, factor) in QUANTITY_UNITS.items():
        if base == unit and factor > 1 and net >= factor and net % 10 == 0:
            amount = Decimal(net) / factor
            if amount == amount.to_integral_value():
                amount = amount.quantize(Decimal(1))
            return {"quantity": amount, "quantity_unit": typed}
    return {"quantity": Decimal(net), "quantity_unit": unit}


class DestinationForm(Form):
    """One distribution point: a province or prefecture, an optional hub, a count."""

    class Meta:
        csrf = False

    province_code = SelectField(_l("Province or prefecture"), validators=[Optional()])
    hub_name = StringField(
        _l("Hub (optional)"), filters=[strip], validators=[Optional(), Length(max=MAX_HUB_NAME)]
    )
    baskets = IntegerField(
        _l("Baskets"),
        validators=[Optional(), NumberRange(min=1, max=MAX_BASKETS)],
    )
    address = StringField(
        _l("Delivery address"),
        filters=[strip],
        validators=[Optional(), Length(max=MAX_POINT_TEXT)],
    )
    contact = StringField(
        _l("Contact on site"), filters=[strip], validators=[Optional(), Length(max=MAX_POINT_TEXT)]
    )
    window = StringField(
        _l("Delivery window"), filters=[strip], validators=[Optional(), Length(max=MAX_POINT_TEXT)]
    )


class BasketOrderForm(Form):
    # a basket is always selected (the first by default) and the server checks it; without
    # the HTML attribute, a required select would need an empty first choice to be valid
    template_id = SelectField(
        _l("Basket"), coerce=int, validators=[InputRequired()], render_kw={"required": False}
    )
    destinations = FieldList(FormField(DestinationForm), min_entries=3, max_entries=200)
    national_total = IntegerField(
        _l("Or: spread this many baskets over every province, by households"),
        validators=[Optional(), NumberRange(min=1, max=MAX_BASKETS)],
        description=_l("Leave empty to use the distribution points above."),
    )
    spread_region = SelectField(_l("Over the provinces of"), validators=[Optional()])
    points_file = FileField(
        _l("Your list of points (.xlsx or CSV)"), render_kw={"accept": ".xlsx,.csv"}
    )
    deliver_by = DateField(_l("Delivery date"), validators=[InputRequired()])
    budget_per_basket = StringField(
        _l("Budget per basket (DH, optional)"),
        filters=[strip],
        validators=[Optional(), money_amount, Length(max=20)],
    )
    family_size = IntegerField(
        _l("People per family"),
        default=5,
        validators=[InputRequired(), NumberRange(min=1, max=MAX_FAMILY_SIZE)],
        description=_l("To show what a basket covers for one family."),
    )
    max_share = IntegerField(
        _l("No cooperative above this share of the order (%)"),
        default=5,
        validators=[InputRequired(), NumberRange(min=1, max=100)],
        description=_l("Raised automatically, and said so, when too few cooperatives can supply."),
    )
    women_led_preference = BooleanField(_l("Prefer cooperatives led by women"), default=True)


class FixForm(Form):
    """One fix proposed by a quote, applied by quoting again."""

    kind = HiddenField(validators=[InputRequired()])
    equivalent_ids = HiddenField()
    deliver_by = HiddenField()
    destination_key = HiddenField()
    baskets = HiddenField()
    #: the position of a fix in :func:`solidarity_baskets.quotes.offered_fixes`
    offered = HiddenField()
    #: a fairness level picked from the trade-off table (basis points)
    level = HiddenField()


class ConfirmForm(Form):
    payment_method = RadioField(_l("Payment"), validators=[InputRequired()])
    over_budget = BooleanField(_l("I know this order costs more than our budget"))


class ActionForm(Form):
    """A button that only needs the CSRF token."""


class ReceiptForm(Form):
    """What arrived at one distribution point. The short and damaged units of each
    basket line come as ``short-<n>`` / ``damaged-<n>`` fields (one pair per line)."""

    baskets = IntegerField(
        _l("Complete baskets received"),
        validators=[InputRequired(), NumberRange(min=0, max=10_000_000)],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=1000)],
        description=_l("Required when something is short or damaged: what, and how."),
    )
