from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired, Length

from storefront.account.forms import strip
from storefront.forms import Form, contact


class TrackForm(Form):
    number = StringField(
        _l("Order number"),
        filters=[strip],
        validators=[InputRequired(), Length(max=20)],
        description=_l("For example TW-7K3-9QX, from your confirmation e-mail."),
    )
    phone = StringField(
        _l("Phone number given with the order"),
        filters=[strip],
        validators=[InputRequired(), Length(max=30)],
        render_kw=contact("tel"),
    )


class ActionForm(Form):
    """A button that changes something (CSRF only)."""
