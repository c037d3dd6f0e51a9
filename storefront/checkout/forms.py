from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, InputRequired, Length, Optional

from catalog import regions
from catalog.one_time_codes import Check
from storefront.account.forms import moroccan_phone, strip
from storefront.forms import Form, contact
from storefront.orders.messages import DELIVERY_OPTIONS, PAYMENT_METHODS


def province_choices(lang: str) -> list[SelectChoice]:
    """An empty first choice, then the provinces grouped by region (an ``<optgroup>``
    each): choosing the province gives the region, and the page works without JavaScript."""
    return list(_province_choices(lang))


@lru_cache(maxsize=8)
def _province_choices(lang: str) -> tuple[SelectChoice, ...]:
    """Made once per language: every product page's delivery chooser asks for them."""
    return (
        # empty, so that ``required`` stops a form sent without a choice
        SelectChoice("", _l("Choose…")),
        *(
            SelectChoice(p.code, p.name(lang), optgroup=region.name(lang))
            for region in regions.regions()
            for p in regions.provinces_of(region.code)
        ),
    )


class DetailsForm(Form):
    name = StringField(
        _l("Full name"),
        filters=[strip],
        validators=[InputRequired(), Length(max=120)],
        render_kw=contact("name"),
    )
    email = EmailField(
        _l("E-mail"),
        filters=[strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        description=_l("We send the confirmation and the tracking here."),
        render_kw=contact("email"),
    )
    phone = StringField(
        _l("Phone"),
        validators=[InputRequired(), Length(max=30), moroccan_phone],
        description=_l("The delivery person calls this number."),
        render_kw=contact("tel"),
    )
    province = SelectField(
        _l("Province or prefecture"),
        validators=[InputRequired(_l("Choose the province or prefecture to deliver to."))],
    )
    city = StringField(
        _l("Town or village"),
        filters=[strip],
        validators=[Optional(), Length(max=120)],
        render_kw=contact("address-level2"),
    )
    address = TextAreaField(
        _l("Address"),
        filters=[strip],
        validators=[InputRequired(), Length(min=5, max=500)],
        description=_l("Street, district, building, a landmark. No postcode needed."),
        render_kw=contact("street-address"),
    )
    delivery_option = RadioField(
        _l("Delivery"),
        choices=[SelectChoice(k, v) for k, v in DELIVERY_OPTIONS.items()],
        default="home",
        validators=[InputRequired()],
    )
    payment_method = RadioField(_l("Payment"), default="cod", validators=[InputRequired()])
    #: anything but "sms" means e-mail (the default when the choice is not sent)
    notify_channel = RadioField(
        _l("Order updates"),
        choices=[
            SelectChoice("email", _l("By e-mail")),
            SelectChoice("sms", _l("By text message (SMS)")),
        ],
        default="email",
        validate_choice=False,
    )

    def __init__(self, *args, lang: str, methods: list[str], **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.province.choices = province_choices(lang)
        self.payment_method.choices = [SelectChoice(m, PAYMENT_METHODS[m]) for m in methods]


class ConfirmForm(Form):
    token = HiddenField(validators=[InputRequired(), Length(max=64)])
    expected_total = HiddenField(validators=[InputRequired(), Length(max=20)])


class CodeForm(Form):
    code = StringField(
        _l("Code received by text message"),
        filters=[strip],
        validators=[InputRequired(), Length(max=12)],
        description=_l("Six digits, sent to the phone you gave."),
    )


CODE_PROBLEMS = {
    Check.WRONG: _l("This code is not right. Check the text message and try again."),
    Check.LOCKED: _l("Too many wrong codes. Ask for a new code."),
    Check.EXPIRED: _l("This code has expired. Ask for a new code."),
}
