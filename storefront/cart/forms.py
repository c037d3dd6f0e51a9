from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from wtforms import Field, HiddenField, IntegerField, SelectField
from wtforms.validators import InputRequired, NumberRange
from wtforms.widgets import Select

from orders.cart import MAX_QUANTITY
from storefront.checkout.forms import province_choices
from storefront.forms import Form
from storefront.i18n import current_language

KEPT_SELECTS = "taawun_kept_selects"
MAX_KEPT_SELECTS = 2_000


class KeptSelect(Select):
    """A select of fixed choices per language, rendered once per language, chosen
    value and attributes, then kept by the app: the province chooser has about
    eighty options, which took WTForms longer to write than the rest of a product
    page."""

    def __call__(self, field: Field, **kwargs: Any) -> Markup:
        key = (
            current_language(),
            field.id,
            field.name,
            field.data,
            bool(field.flags.required),
            tuple(sorted(kwargs.items())),
        )
        kept: dict[tuple[Any, ...], Markup] = current_app.extensions.setdefault(KEPT_SELECTS, {})
        html = kept.get(key)
        if html is None:
            html = super().__call__(field, **kwargs)
            if len(kept) < MAX_KEPT_SELECTS:  # bounded whatever values a form brings
                kept[key] = html
        return html


class AddForm(Form):
    """On product pages, which a shared cache may keep: no CSRF token, the view
    checks where the post comes from (:func:`storefront.security.same_origin`)."""

    class Meta:
        csrf = False

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
    """The province the shopper's estimates are for (remembered in the session). No
    CSRF token, as :class:`AddForm`."""

    class Meta:
        csrf = False

    province = SelectField(
        _l("Deliver to"),
        validators=[InputRequired(_l("Choose the province or prefecture to deliver to."))],
        widget=KeptSelect(),
    )

    def __init__(self, *args: Any, lang: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.province.choices = province_choices(lang)
