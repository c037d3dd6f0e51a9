"""Jinja filters: money and time are formatted here and nowhere else."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent, get_group_symbol
from flask import Flask, Response, request
from flask_babel import get_locale, get_translations, gettext, ngettext
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from catalog.money import Money
from storefront import labels
from storefront.config import FORMAT_LOCALES
from storefront.i18n import current_language, direction

CASABLANCA = ZoneInfo("Africa/Casablanca")
#: Everyday currency mark per language ("DH" is what Moroccans write in French).
CURRENCY_MARK = {"fr": "DH", "ar": "د.م.", "en": "MAD"}


#: "de" before a name that starts with a vowel, which French elides ("d'Oued Ed-Dahab")
_DE_VOWEL = re.compile(r"\b([Dd])e (?=[AEIOUÀÂÉÈÊÎÔÛ])")


def elide_de(text: str) -> str:
    """French elision of "de" before a place name that starts with a vowel: "de Oued
    Ed-Dahab" → "d'Oued Ed-Dahab", "de El Jadida" → "d'El Jadida"."""
    return _DE_VOWEL.sub("\\1'", text)


def elided(text: str) -> str | Markup:
    """:func:`elide_de` on a French page; other languages unchanged."""
    if current_language() != "fr":
        return text
    return Markup(elide_de(str(text))) if isinstance(text, Markup) else elide_de(text)  # noqa: S704 (escaped already; only an apostrophe is added)


def money_text(amount: Money | int, lang: str | None = None) -> str:
    """``1234.50 MAD`` as people read it: ``1 234,50 DH`` (fr), ``1.234,50 د.م.`` (ar)."""
    money = amount if isinstance(amount, Money) else Money(int(amount))
    return _formatted(money, lang or current_language())


@lru_cache(maxsize=8192)
def _formatted(money: Money, lang: str) -> str:
    """Babel parses the number pattern on every call, and a listing shows dozens of
    prices, most of them seen before: keep the recent ones."""
    number = format_decimal(money.decimal, format="#,##0.00", locale=FORMAT_LOCALES[lang])
    mark = CURRENCY_MARK[lang] if money.currency == "MAD" else money.currency
    return f"{number}\u00a0{mark}"


def amount_field(minor: int) -> str:
    """An amount as a form field shows it for editing, in the page's language and without
    grouping, so :meth:`Money.parse` reads it back: ``-7,50`` (fr), ``-7.50`` (en)."""
    value = Money(minor).decimal
    return format_decimal(value, format="0.00", locale=FORMAT_LOCALES[current_language()])


def decimal_field(value: Decimal) -> str:
    """A quantity as a form field shows it for editing, in the page's language and
    without grouping: ``1,5`` (fr, ar), ``1.5`` (en); up to three decimals (grams in a
    kilogram)."""
    return format_decimal(value, format="0.###", locale=FORMAT_LOCALES[current_language()])


def number(value: float, decimals: int = 0, lang: str | None = None) -> str:
    """A quantity as the page's language writes it: ``1 234,5`` (fr), ``1,234.5`` (en).
    ``lang``: the page's language, when the caller has it already."""
    lang = lang or current_language()
    if decimals <= 0 and type(value) is int and value >= 0:
        return f"{value:,}".replace(",", _group_symbol(lang))
    pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return format_decimal(value, format=pattern, locale=FORMAT_LOCALES[lang])


@lru_cache(maxsize=8)
def _group_symbol(lang: str) -> str:
    """The language's thousands separator: a whole count needs nothing else of Babel,
    whose pattern parsing cost 14 µs a number (a facet block writes some fifty)."""
    return str(get_group_symbol(FORMAT_LOCALES[lang]))


def percent(share: float, decimals: int = 0) -> str:
    """A share (0.902) as the page's language writes it: ``90,2 %`` (fr), ``90.2%`` (en)."""
    return format_percent(
        round(share, decimals + 2),
        locale=FORMAT_LOCALES[current_language()],
        decimal_quantization=False,
    )


#: the Arabic currency mark ends with a full stop, and so may the sentence it ends: one
#: stop is written ("… 20,00 د.م." rather than "… 20,00 د.م..")
_DOUBLE_STOP = re.compile(re.escape(CURRENCY_MARK["ar"]) + r"(</bdi>)?\.")


def one_stop(text: str) -> str:
    """``text`` without a full stop right after the Arabic currency mark."""
    if CURRENCY_MARK["ar"] not in text:
        return text
    fixed = _DOUBLE_STOP.sub(lambda m: CURRENCY_MARK["ar"] + (m[1] or ""), text)
    return Markup(fixed) if isinstance(text, Markup) else fixed  # noqa: S704 (was markup)


def _with_numbers(text: str, variables: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Integers a message writes with ``%(name)d`` are written as the page's language
    writes numbers (``14 999``, ``14,999``): the placeholder becomes ``%(name)s`` and
    the value its formatted text (``%(year)s`` and other ``%s`` values stay as given)."""
    for name, value in variables.items():
        placeholder = f"%({name})d"
        if placeholder not in text or isinstance(value, bool):
            continue
        if isinstance(value, int):
            variables[name] = number(value)
        if isinstance(value, int | str):  # a number the template has formatted already
            text = text.replace(placeholder, f"%({name})s")
    return text, variables


def numbered(text: str, **variables: Any) -> str:
    """``text % variables`` outside a template, its ``%(name)d`` integers written as
    the page's language writes numbers (as a template's ``_`` and ``ngettext`` write
    them)."""
    text, variables = _with_numbers(text, variables)
    return one_stop(text % variables)


def numbered_gettext(message: str, /, **variables: Any) -> str:
    """Flask-Babel's ``gettext`` with the message's ``%(name)d`` integers written as the
    page's language writes numbers, as a template's ``_`` writes them: a flash, an
    API page or a PDF counting products, units or baskets in thousands ("Panier
    1 204 sur 5 000", not "1204 sur 5000"). Modules import it as ``_``."""
    text = get_translations().ugettext(message)
    return numbered(text, **variables) if variables else text


def numbered_ngettext(singular: str, plural: str, num: int, /, **variables: Any) -> str:
    """Flask-Babel's ``ngettext`` with the count (and the message's other ``%(name)d``
    integers) written as the page's language writes numbers."""
    variables.setdefault("num", num)
    return numbered(get_translations().ungettext(singular, plural, num), **variables)


def _render(context: Context, text: str, variables: dict[str, Any]) -> str:
    text, variables = _with_numbers(text, variables)
    if context.eval_ctx.autoescape:
        return one_stop(Markup(text) % variables)  # noqa: S704 (a translated message; variables escaped)
    return one_stop(text % variables)


#: the Jinja environment's attribute keeping its app's translations by page language
TRANSLATIONS = "taawun_translations"


def _translations(context: Context) -> Any:
    """The translations of the page's language (its ``lang``), kept by the app's Jinja
    environment: Flask-Babel finds them through the request state on every call, a few
    dozen times a page. Kept only when the locale in force is that language's, and used
    only while ``lang`` is the request's language (a mail or PDF in another language
    switches both together; a template given another ``lang`` gets the locale's)."""
    lang = context.get("lang")
    kept: dict[str, Any] = getattr(context.environment, TRANSLATIONS)
    found = kept.get(lang) if isinstance(lang, str) and lang == current_language() else None
    if found is None:
        found = get_translations()
        if lang in FORMAT_LOCALES and str(get_locale()) == FORMAT_LOCALES[lang]:
            kept[lang] = found
    return found


@pass_context
def formatted_gettext(context: Context, message: str, /, **variables: Any) -> str:
    """Jinja's ``_``/``gettext`` with the numbers of the message formatted (see
    :func:`_with_numbers`)."""
    return _render(context, _translations(context).ugettext(message), variables)


@pass_context
def counted_ngettext(
    context: Context, singular: str, plural: str, count: int, /, **variables: Any
) -> str:
    """Jinja's ``ngettext`` with the count written as the page's language writes
    numbers: ``4 000 paniers``, not ``4000 paniers`` (``%(num)d`` reads the formatted
    count; a template passing its own ``num`` keeps it)."""
    variables.setdefault("num", count)
    return _render(context, _translations(context).ungettext(singular, plural, count), variables)


def money_html(amount: Money | int, lang: str | None = None) -> Markup:
    """Money isolated with ``<bdi>``: in Arabic the isolate runs right to left, so the
    amount reads first (on the right) and the currency mark after it, as ar_MA writes it.
    ``lang``: the page's language, when the caller has it already."""
    lang = lang or current_language()
    direction = "rtl" if lang == "ar" else "ltr"
    return Markup(f'<bdi class="money" dir="{direction}">{escape(money_text(amount, lang))}</bdi>')  # noqa: S704 (escaped)


def ltr(value: object) -> Markup:
    """Isolate a left-to-right token (phone, ICE, order number) inside any text."""
    return Markup('<bdi dir="ltr">{}</bdi>').format(escape(str(value)))


def localised(
    record: object, field: str, length: int | None = None, lang: str | None = None
) -> Markup:
    """A record's text (``title``, ``description``, ``story``, ``name``) in the page's
    language; when that translation is missing, the French text it falls back to is
    marked ``lang="fr" dir="ltr"``, so screen readers pronounce it as French and, on an
    Arabic page, its full stop stays at its end. ``length`` shortens it like Jinja's
    ``truncate`` (at a word, with an ellipsis). ``lang``: the page's language, when the
    caller has it already."""
    lang = lang or current_language()
    text = getattr(record, f"{field}_{lang}", "") or ""
    shown = lang
    if not text:
        text, shown = getattr(record, f"{field}_fr"), "fr"
    if length is not None and len(text) > length:
        text = text[: length - 1].rsplit(" ", 1)[0] + "…"
    if shown == lang:
        return escape(text)
    return Markup(f'<span lang="{shown}" dir="{direction(shown)}">{escape(text)}</span>')  # noqa: S704 (escaped)


def local_date(value: date | datetime, fmt: str = "long") -> str:
    locale = FORMAT_LOCALES[current_language()]
    if isinstance(value, datetime):
        return format_date(value.astimezone(CASABLANCA).date(), fmt, locale=locale)
    return format_date(value, fmt, locale=locale)


def month(period: str) -> str:
    """A month written ``2026-12`` as the page's language names it: ``décembre 2026``."""
    year, number = (int(part) for part in period.split("-")[:2])
    return format_date(date(year, number, 1), "MMMM y", locale=FORMAT_LOCALES[current_language()])


def local_datetime(value: datetime, fmt: str = "medium") -> str:
    locale = FORMAT_LOCALES[current_language()]
    return format_datetime(value.astimezone(CASABLANCA), fmt, locale=locale)


def quantity(value: int, unit: str, lang: str | None = None, translations: object = None) -> str:
    """Net quantity for people: 1000 g → 1 kg, 750 ml → 75 cl, 1000 ml → 1 L
    (unit symbols in the page's language: غ, كلغ, ل... in Arabic). ``lang`` and
    ``translations``: the page's language and catalog, when the caller has them."""
    return _quantity(value, unit, lang or current_language(), translations or get_translations())


@lru_cache(maxsize=4096)
def _quantity(value: int, unit: str, lang: str, translations: object) -> str:
    """Kept per language and catalog (a listing shows the same few quantities)."""
    locale = FORMAT_LOCALES[lang]
    if unit == "g":
        if value >= 1000:
            amount, symbol = format_decimal(value / 1000, locale=locale), gettext("kg")
        else:
            amount, symbol = str(value), gettext("g")
    elif unit == "ml":
        if value >= 1000:
            amount, symbol = format_decimal(value / 1000, locale=locale), gettext("L")
        elif value % 10 == 0:
            amount, symbol = str(value // 10), gettext("cl")
        else:
            amount, symbol = str(value), gettext("ml")
    else:
        return ngettext("%(count)s piece", "%(count)s pieces", value, count=number(value))
    return f"{amount}\u00a0{symbol}"


#: How long browsers may keep a fingerprinted static file: it never changes under its URL.
STATIC_MAX_AGE = 365 * 24 * 3600


def asset_version(folder: str | Path, filename: str) -> str | None:
    """A short hash of a static file's content (None when it does not exist), cached
    per file modification time so an edited stylesheet gets a new URL at once."""
    path = Path(folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    version = _VERSIONS.get(key)
    if version is None:
        version = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        _VERSIONS[key] = version
    return version


_VERSIONS: dict[tuple[str, int, int], str] = {}


def fingerprint_static(app: Flask) -> None:
    """``url_for('static', filename=...)`` adds ``?v=<hash of the content>``, and
    responses to such URLs may be cached for a year: a new version is a new URL."""

    @app.url_defaults
    def _static_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            version = asset_version(app.static_folder or "", values["filename"])
            if version is not None:
                values["v"] = version

    @app.after_request
    def _cache_fingerprinted(response: Response) -> Response:
        if request.endpoint == "static" and response.status_code == 200:
            filename = (request.view_args or {}).get("filename", "")
            if request.args.get("v") == asset_version(app.static_folder or "", filename):
                # Flask sends static files with ``no-cache`` (revalidate every time):
                # a fingerprinted URL never changes, so that would only cost round trips
                response.cache_control.no_cache = None
                response.cache_control.public = True
                response.cache_control.max_age = STATIC_MAX_AGE
                response.cache_control.immutable = True
        return response


def init_app(app: Flask) -> None:
    fingerprint_static(app)
    app.jinja_env.extend(**{TRANSLATIONS: {}})
    app.add_template_filter(money_html, "money")
    app.add_template_filter(money_text, "money_text")
    app.add_template_filter(ltr, "ltr")
    app.add_template_filter(elided, "elided")
    app.add_template_filter(number, "number")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(local_date, "date")
    app.add_template_filter(local_datetime, "datetime")
    app.add_template_filter(month, "month")
    app.add_template_global(quantity, "quantity")
    app.add_template_global(localised, "localised")
    app.jinja_env.globals["ngettext"] = counted_ngettext
    app.jinja_env.globals["gettext"] = app.jinja_env.globals["_"] = formatted_gettext
    app.jinja_env.globals.update(
        CERTIFICATE_KINDS=labels.CERTIFICATE_KINDS,
        SECTORS=labels.SECTORS,
        PRICE_BANDS=labels.PRICE_BANDS,
        SORTS=labels.SORTS,
        ORGANISATION_KINDS=labels.ORGANISATION_KINDS,
        CARRIERS=labels.CARRIERS,
        PAYOUT_BATCH_STATUSES=labels.PAYOUT_BATCH_STATUSES,
        label=labels.label,
        claim_label=labels.claim_label,
        claim_value=labels.claim_value,
    )
