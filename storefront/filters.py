"""Jinja filters: money and time are formatted here and nowhere else."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal
from flask import Flask
from markupsafe import Markup, escape

from catalog.money import Money
from storefront import labels
from storefront.config import FORMAT_LOCALES
from storefront.i18n import current_language

CASABLANCA = ZoneInfo("Africa/Casablanca")
#: Everyday currency mark per language ("DH" is what Moroccans write in French).
CURRENCY_MARK = {"fr": "DH", "ar": "د.م.", "en": "MAD"}


def money_text(amount: Money | int, lang: str | None = None) -> str:
    """``1234.50 MAD`` as people read it: ``1 234,50 DH`` (fr), ``1.234,50 د.م.`` (ar)."""
    lang = lang or current_language()
    money = amount if isinstance(amount, Money) else Money(int(amount))
    number = format_decimal(money.decimal, format="#,##0.00", locale=FORMAT_LOCALES[lang])
    mark = CURRENCY_MARK[lang] if money.currency == "MAD" else money.currency
    return f"{number}\u00a0{mark}"


def money_html(amount: Money | int) -> Markup:
    """Money isolated with ``<bdi>`` so it reads correctly inside Arabic text."""
    return Markup('<bdi class="money" dir="ltr">{}</bdi>').format(escape(money_text(amount)))


def ltr(value: object) -> Markup:
    """Isolate a left-to-right token (phone, ICE, order number) inside any text."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(escape(str(value)))


def local_date(value: date | datetime, fmt: str = "long") -> str:
    locale = FORMAT_LOCALES[current_language()]
    if isinstance(value, datetime):
        return format_date(value.astimezone(CASABLANCA).date(), fmt, locale=locale)
    return format_date(value, fmt, locale=locale)


def local_datetime(value: datetime, fmt: str = "medium") -> str:
    locale = FORMAT_LOCALES[current_language()]
    return format_datetime(value.astimezone(CASABLANCA), fmt, locale=locale)


def quantity(value: int, unit: str) -> str:
    """Net quantity for people: 1000 g → 1 kg, 750 ml → 75 cl, 1000 ml → 1 L."""
    locale = FORMAT_LOCALES[current_language()]
    if unit == "g":
        if value >= 1000:
            return f"{format_decimal(value / 1000, locale=locale)}\u00a0kg"
        return f"{value}\u00a0g"
    if unit == "ml":
        if value >= 1000:
            return f"{format_decimal(value / 1000, locale=locale)}\u00a0L"
        if value % 10 == 0:
            return f"{value // 10}\u00a0cl"
        return f"{value}\u00a0ml"
    return str(value)


def init_app(app: Flask) -> None:
    app.add_template_filter(money_html, "money")
    app.add_template_filter(money_text, "money_text")
    app.add_template_filter(ltr, "ltr")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_global(quantity, "quantity")
    app.jinja_env.globals.update(
        CERTIFICATE_KINDS=labels.CERTIFICATE_KINDS,
        SECTORS=labels.SECTORS,
        PRICE_BANDS=labels.PRICE_BANDS,
        SORTS=labels.SORTS,
        label=labels.label,
    )
