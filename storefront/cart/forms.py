from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange

from orders.cart import MAX_QUANTITY
from storefront.checkout.forms import province_choices
from storefront.forms import Form


class AddForm(Form):
    product_id = HiddenField(validators=[InputRequired()])
    quantity = IntegerField(
        _l("Quantity"),
        default=1,
        validators=[
            InputRequired(_l("Enter a whole number of at least 1.")),
            NumberRange(min=1, max=MAX_QUANTITY, message=_l("Enter a number from 1 to %(max)d.")),
        ],
    )


class LineForm(Form):
    """Change one line's quantity (0 removes it)."""

    quantity = IntegerField(
        _l("Quantity"),
        validators=[
            InputRequired(_l("Enter a whole number.")),
            NumberRange(min=0, max=MAX_QUANTITY, message=_l("Enter a number from 0 to %(max)d.")),
        ],
    )


class RemoveForm(Form):
    pass


class DeliverToForm(Form):
    """The province the shopper's estimates are for (remembered in the session)."""

    province = SelectField(
        _l("Deliver to"),
        validators=[InputRequired(_l("Choose the province or prefecture to deliver to."))],
    )

    def __init__(self, *args: Any, lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.province.choices = province_choices(lang)
