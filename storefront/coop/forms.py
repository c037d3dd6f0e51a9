"""Forms of the cooperative back office and sign-up. They check the shape of the
input; the catalog library checks the rules and the views attach its problems."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, EqualTo, InputRequired, Length, Optional

from catalog.accounts.users import MIN_PASSWORD_LENGTH
from storefront import labels
from storefront.account.forms import moroccan_phone, strip
from storefront.forms import Form, PlaceholderSelect, contact


def _text(label: str, max_length: int, required: bool = False, **kw: object) -> StringField:
    validators = [InputRequired()] if required else [Optional()]
    return StringField(
        label, filters=[strip], validators=[*validators, Length(max=max_length)], **kw
    )


def _count(label: str, default: int = 0, **kw: object) -> IntegerField:
    return IntegerField(label, default=default, validators=[InputRequired()], **kw)


class ProfileForm(Form):
    """What a cooperative says about itself (registration and profile page)."""

    name_fr = _text(_l("Name of the cooperative (French)"), 200, required=True)
    name_ar = _text(_l("Name of the cooperative (Arabic)"), 200)
    registration_number = _text(
        _l("Registration number"),
        60,
        required=True,
        description=_l("As on the certificate of registration, e.g. 123/2019."),
    )
    registration_court = _text(
        _l("Court of registration"),
        120,
        required=True,
        description=_l("The court of first instance that keeps the local register."),
    )
    ice = _text(
        _l("ICE (Identifiant Commun de l'Entreprise)"),
        30,
        required=True,
        description=_l("15 digits."),
    )
    region_code = SelectField(_l("Region"), validators=[InputRequired()])
    province_code = SelectField(
        _l("Province or prefecture"), validators=[InputRequired()], widget=PlaceholderSelect()
    )
    city = _text(_l("Town or village"), 120)
    rural = BooleanField(_l("Rural cooperative"), default=True)
    women_led = BooleanField(_l("Led by women"))
    members = _count(_l("Number of members"))
    women_members = _count(_l("Of whom women"))
    sector = SelectField(_l("Sector"), validators=[InputRequired()], widget=PlaceholderSelect())
    founded_year = IntegerField(_l("Year founded"), validators=[Optional()])
    story_fr = TextAreaField(
        _l("Your story (French)"), filters=[strip], validators=[Optional(), Length(max=5000)]
    )
    story_ar = TextAreaField(
        _l("Your story (Arabic)"), filters=[strip], validators=[Optional(), Length(max=5000)]
    )
    story_en = TextAreaField(
        _l("Your story (English)"), filters=[strip], validators=[Optional(), Length(max=5000)]
    )
    phone = StringField(
        _l("Phone of the cooperative"),
        validators=[Length(max=30)],
        render_kw=contact("work tel"),
    )
    email = EmailField(
        _l("E-mail of the cooperative"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
        render_kw=contact("work email"),
    )


class ProfileEditForm(ProfileForm):
    """The profile page of a cooperative: a verified one says what shows a change to
    its claims (rural, women-led, region, members), which the operator reviews."""

    evidence = TextAreaField(
        _l("What shows the change"),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
        description=_l(
            "Needed when you change rural, women-led, region, province or members: for example "
            "the new member register or the general assembly's minutes. The operator checks "
            "it before the change shows."
        ),
    )


class SignupForm(ProfileForm):
    """A person creates their account together with their cooperative."""

    person_name = _text(_l("Your full name"), 120, required=True, render_kw=contact("name"))
    person_email = EmailField(
        _l("Your e-mail (to log in)"),
        filters=[strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
        render_kw=contact("email"),
    )
    person_phone = StringField(
        _l("Your phone"), validators=[moroccan_phone, Length(max=30)], render_kw=contact("tel")
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


class MemberSignupForm(Form):
    """Someone invited by a member creates their own account."""

    name = _text(_l("Your full name"), 120, required=True, render_kw=contact("name"))
    phone = StringField(
        _l("Your phone"), validators=[moroccan_phone, Length(max=30)], render_kw=contact("tel")
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


class InviteForm(Form):
    email = EmailField(
        _l("E-mail of the person to invite"),
        filters=[strip],
        validators=[InputRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class ProductForm(Form):
    title_fr = _text(_l("Title (French)"), 200, required=True)
    title_ar = _text(_l("Title (Arabic)"), 200, description=_l("Empty: the French title is shown."))
    title_en = _text(
        _l("Title (English)"), 200, description=_l("Empty: the French title is shown.")
    )
    category_id = SelectField(_l("Category"), coerce=int, validators=[InputRequired()])
    price = _text(
        _l("Price per unit (DH)"), 30, required=True, description=_l("For example 45 or 45,50.")
    )
    unit = SelectField(_l("Sold by"), validators=[InputRequired()])
    net_quantity = _count(
        _l("Net quantity"), 1, description=_l("In grams, millilitres or pieces, as chosen above.")
    )
    shipping_weight_g = _count(_l("Weight with packaging (g)"), 0)
    sku = _text(
        _l("Your reference (SKU)"),
        64,
        description=_l("Leave empty and one is made for you. Used by the CSV import."),
    )
    on_hand = _count(
        _l("On the shelf"),
        0,
        description=_l("Units you have, including those reserved for orders."),
    )
    #: the shelf count when the form was opened (compare-and-set)
    on_hand_seen = HiddenField()
    low_stock_threshold = _count(
        _l("Warn me when stock falls to"), 5, description=_l("A warning appears on your dashboard.")
    )
    made_to_order = BooleanField(_l("Made to order"))
    units_per_day = _count(_l("Units you can make per day"), 0)
    lead_days = _count(_l("Days before production starts"), 0)
    description_fr = TextAreaField(
        _l("Description (French)"), filters=[strip], validators=[Optional(), Length(max=5000)]
    )
    description_ar = TextAreaField(
        _l("Description (Arabic)"), filters=[strip], validators=[Optional(), Length(max=5000)]
    )
    description_en = TextAreaField(
        _l("Description (English)"), filters=[strip], validators=[Optional(), Length(max=5000)]
    )


class StockAdjustForm(Form):
    """Add or take away units whatever the count is now, with a reason."""

    by = IntegerField(
        _l("Units"),
        validators=[InputRequired()],
        description=_l("For example 24 (received) or -2 (damaged)."),
    )
    reason = SelectField(_l("Why"), validators=[InputRequired()])
    note = _text(_l("Note"), 200)


class PhotoForm(Form):
    photo = FileField(
        _l("Photo"),
        validators=[FileRequired(_l("Choose a photo."))],
        description=_l("JPEG, PNG or WebP, at most 5 MB."),
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )


class CertificateForm(Form):
    kind = SelectField(_l("Kind"), validators=[InputRequired()])
    number = _text(_l("Certificate number"), 80, required=True)
    issuer = _text(_l("Issued by"), 120, description=_l("ONSSA, IMANOR, AMMPS…"))
    issued_on = DateField(_l("Issued on"), validators=[Optional()])
    expires_on = DateField(
        _l("Expires on"), validators=[Optional()], description=_l("Empty if it does not expire.")
    )
    product_id = SelectField(_l("Covers"), coerce=int, default=0)
    document = FileField(
        _l("Document"),
        validators=[FileRequired(_l("Choose the scanned certificate."))],
        description=_l("PDF, JPEG or PNG, at most 5 MB."),
        render_kw={"accept": "application/pdf,image/jpeg,image/png"},
    )


class ImportForm(Form):
    file = FileField(
        _l("CSV file"),
        validators=[FileRequired(_l("Choose a CSV file."))],
        description=_l("UTF-8, with ; or , between cells."),
        render_kw={"accept": ".csv,text/csv"},
    )


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""


CARRIERS = [SelectChoice(code, name) for code, name in labels.CARRIERS.items()]


class ShipForm(Form):
    carrier = SelectField(_l("Carrier"), choices=CARRIERS, default="amana")
    tracking_number = _text(
        _l("Tracking number"),
        60,
        required=True,
        description=_l("As on the carrier's receipt, e.g. CB123456789MA."),
    )


class PartCancelForm(Form):
    reason = TextAreaField(
        _l("Why you cannot send it (the buyer reads this)"),
        filters=[strip],
        validators=[InputRequired(), Length(max=200)],
    )


class BankForm(Form):
    holder_name = _text(_l("Account holder"), 200, required=True)
    rib = _text(
        _l("RIB (24 digits)"),
        40,
        required=True,
        description=_l("The cooperative's bank account, where Taawun sends what you are owed."),
    )
