"""The organisation's invoice of a basket order as a PDF, in the reader's language: a
pro-forma invoice while the transfer is awaited (bank details, reference, amount and
due date), then one consolidated invoice once it is paid — every cooperative's
purchase order on one page, with what was paid and what is still due."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _

from catalog.accounts.users import Organisation
from catalog.money import Money
from catalog.notifications import Attachment
from orders.models import Order
from orders.payments import BankDetails
from orders.status import FulfilmentStatus, OrderStatus
from storefront.config import FORMAT_LOCALES
from storefront.filters import local_date, local_datetime, money_text
from storefront.i18n import current_language
from storefront.mailer import in_language
from storefront.ngo.impact_pdf import ACCENT, MUTED, _Report

#: parts that are no longer bought
DROPPED = frozenset({FulfilmentStatus.CANCELLED, FulfilmentStatus.REFUNDED})


def is_paid(order: Order) -> bool:
    """Paid in full: the invoice is final, not pro-forma."""
    return (
        order.status in (OrderStatus.CONFIRMED, OrderStatus.COMPLETED)
        and order.amount_paid_minor >= order.total_minor
    )


def invoice_pdf(
    order: Order, *, organisation: Organisation, bank: BankDetails | None, now: datetime
) -> bytes:
    """The pro-forma (unpaid) or consolidated (paid) invoice as PDF bytes."""
    lang = current_language()
    paid = is_paid(order)
    kind = _("Invoice") if paid else _("Pro-forma invoice")
    title = f"{kind} — {_('order')} {order.number}"
    pdf = _Report(rtl=lang == "ar", foot=f"Taawun · {title}")
    pdf.set_lang(lang)
    pdf.set_title(title)
    pdf.set_author("Taawun")
    pdf.set_creation_date(now)
    pdf.add_page()

    def money(minor: int) -> str:
        return money_text(Money(minor, order.currency), lang)

    pdf.paragraph(title, size=18, color=ACCENT)
    pdf.paragraph(
        _("Date: %(date)s", date=local_date((order.paid_at if paid else None) or order.placed_at))
    )
    pdf.heading(_("Customer"))
    pdf.paragraph(organisation.name, size=12)
    for text in (organisation.address, organisation.ice and f"{_('ICE')} {organisation.ice}"):
        if text:
            pdf.paragraph(text)
    pdf.heading(_("Seller"))
    pdf.paragraph(
        _(
            "The cooperatives below, each selling its own goods through Taawun, which acts "
            "as their intermediary. Each purchase order is also invoiced by its cooperative."
        )
    )

    # one row per cooperative: its purchase orders added up
    rows: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    names: dict[int, str] = {}
    count: dict[int, int] = defaultdict(int)
    exempt = True
    for part in order.fulfilments:
        if FulfilmentStatus(part.status) in DROPPED:
            continue
        rows[part.cooperative_id][0] += part.goods_minor
        rows[part.cooperative_id][1] += part.shipping_minor
        names[part.cooperative_id] = part.cooperative_name_in(lang)
        count[part.cooperative_id] += 1
        exempt = exempt and part.cooperative_vat_exempt
    pdf.heading(_("Purchase orders"))
    pdf.grid(
        (_("Cooperative"), _("Purchase orders"), _("Products"), _("Shipping"), _("Total")),
        [
            (
                names[coop],
                str(count[coop]),
                money(goods),
                money(shipping),
                money(goods + shipping),
            )
            for coop, (goods, shipping) in sorted(rows.items(), key=lambda kv: names[kv[0]])
        ],
        (62, 24, 32, 30, 30),
        (False, True, True, True, True),
    )
    totals = [
        (_("Products"), money(order.goods_minor)),
        (_("Shipping"), money(order.shipping_minor)),
        (_("Total"), money(order.total_minor)),
        (_("Paid"), money(order.amount_paid_minor)),
    ]
    if order.amount_refunded_minor:
        totals.append((_("Refunded"), money(order.amount_refunded_minor)))
    due = max(0, order.total_minor - order.amount_paid_minor)
    totals.append((_("Still due"), money(due)))
    pdf.grid(None, totals, (120, 58), (False, True))
    pdf.paragraph(
        _("VAT not applicable: exempt cooperatives.") if exempt else _("Prices include VAT."),
        size=9,
        color=MUTED,
    )

    pdf.heading(_("Payment"))
    if paid:
        when = local_date(order.paid_at) if order.paid_at else ""
        pdf.paragraph(_("Paid by bank transfer on %(date)s. Thank you.", date=when))
    else:
        pdf.paragraph(
            _(
                "Please transfer %(amount)s with the reference %(ref)s.",
                amount=money(due),
                ref=order.number,
            )
        )
        if bank and bank.rib:
            pdf.paragraph(f"{bank.holder}" + (f" — {bank.bank}" if bank.bank else ""))
            pdf.paragraph(f"{_('RIB')} {bank.rib}")
        else:
            pdf.paragraph(
                _(
                    "Our bank details are not configured yet. Do not pay to any other account: "
                    "write to us for them."
                )
            )
        if order.reserved_until:
            pdf.paragraph(
                _(
                    "Due by %(date)s: the cooperatives hold your stock until then.",
                    date=local_datetime(order.reserved_until, "short"),
                )
            )
    return bytes(pdf.output())


def attachment(
    order: Order, *, organisation: Organisation, bank: BankDetails | None, now: datetime
) -> Callable[[str], list[Attachment]]:
    """The invoice as an e-mail's file, made in the reader's language (for
    :func:`storefront.notifications.tell`)."""
    name = "invoice" if is_paid(order) else "proforma"

    def files(lang: str) -> list[Attachment]:
        with in_language(lang), force_locale(FORMAT_LOCALES[lang]):
            content = invoice_pdf(order, organisation=organisation, bank=bank, now=now)
        return [Attachment(f"{name}-{order.number}.pdf", "application/pdf", content)]

    return files
