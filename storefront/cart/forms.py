from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField
from wtforms.validators import InputRequired, NumberRange

from orders.cart import MAX_QUANTITY
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
