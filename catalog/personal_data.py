"""Where the marketplace keeps personal data (law 09-08): every table and column that
can hold something about a person, how a person's rows are found, and what happens
to them when that person asks for a copy (export) or for erasure.

One list, read by :mod:`orders.privacy` for both the export and the erasure, and by
``tests/unit/test_personal_data_registry.py``, which fails when a column whose name
looks personal (name, phone, e-mail, address, IP, contact…) is declared nowhere — so
a new column cannot be forgotten.
It names tables and columns as strings: the bottom layer declares the data of every
package without importing them.

What erasure does with a table:

* ``ERASE``: the person's columns are overwritten (the row stays: an order's number,
  date, lines and amounts keep the accounts and the cooperatives' ledgers whole);
* ``DELETE``: the person's rows are deleted (mail, carts, tokens, codes…);
* ``KEEP``: the rows stay as they are, for the reason given (accounting law, or the
  data belongs to another controller's process). The export still shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Action(StrEnum):
    ERASE = "erase"
    DELETE = "delete"
    KEEP = "keep"


class Finder(StrEnum):
    """How a person's rows are found in a table: the column holds…"""

    USER = "user"  # the person's account id
    EMAIL = "email"  # one of the person's e-mail addresses
    PHONE = "phone"  # one of the person's phone numbers
    ADDRESSEE = "addressee"  # an e-mail address or a phone number
    ORDER = "order"  # the id of one of the person's orders
    ORDER_NUMBER = "order_number"  # the number of one of the person's orders
    ORDER_TOPIC = "order_topic"  # a topic "order:<number>:…" of one of their orders


#: erased values: "" (blank), "—" (a name on an invoice), None, or
#: ``ERASED_EMAIL`` (an address that cannot receive mail and stays unique)
ERASED_NAME = "—"
ERASED_EMAIL = "erased-{id}@invalid"


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    #: what the table holds, for the export and the erasure report (English; the
    #: storefront shows its own translated label for each ``key``)
    key: str
    action: Action
    #: personal columns → the value erasure writes (for ``ERASE``); every personal
    #: column of the table is listed, whatever the action
    columns: dict[str, object]
    finders: tuple[tuple[Finder, str], ...]
    #: why the rows are kept (``KEEP``) or what erasure keeps of them (``ERASE``)
    reason: str = ""
    #: columns left out of the export (secrets: hashes of passwords, tokens, codes)
    secret: frozenset[str] = field(default_factory=frozenset)


ACCOUNTING = (
    "kept ten years for the accounts (law 9-88 on traders' accounting, art. 22): order "
    "number, date, region, lines and amounts, no longer linked to a person"
)

#: The person's data, in the order of the export.
PERSONAL: tuple[Table, ...] = (
    Table(
        "orders_user",
        "account",
        Action.ERASE,
        {
            "email": ERASED_EMAIL,
            "name": "",
            "phone": "",
            "reset_token_hash": None,
            "reset_token_expires": None,
            "last_login_at": None,
        },
        ((Finder.USER, "id"),),
        reason="the account stays, closed, so that its past orders still add up",
        secret=frozenset({"password_hash", "reset_token_hash", "session_epoch"}),
    ),
    Table(
        "orders_order",
        "orders",
        Action.ERASE,
        {
            "customer_name": ERASED_NAME,
            "email": ERASED_EMAIL,
            "phone": "",
            "city": "",
            "address": "",
        },
        ((Finder.USER, "user_id"), (Finder.ORDER, "id")),
        reason=ACCOUNTING,
        secret=frozenset({"idempotency_key"}),
    ),
    Table(
        "orders_order_line",
        "order_lines",
        Action.KEEP,
        {},
        ((Finder.ORDER, "order_id"),),
        reason=ACCOUNTING,
    ),
    Table(
        "orders_fulfilment",
        "parcels",
        Action.KEEP,
        {},
        ((Finder.ORDER, "order_id"),),
        reason=ACCOUNTING,
    ),
    Table(
        "orders_payment",
        "payments",
        Action.KEEP,
        {},
        ((Finder.ORDER, "order_id"),),
        reason=ACCOUNTING,
        secret=frozenset({"idempotency_key", "redirect_url"}),
    ),
    Table(
        "orders_order_event",
        "order_history",
        Action.KEEP,
        {"data": None},
        ((Finder.ORDER, "order_id"),),
        reason="what happened to the order and when (statuses, amounts, codes), kept with it",
    ),
    Table(
        "notifications_outbox_message",
        "messages",
        Action.DELETE,
        {"to": None, "subject": None, "body_text": None, "body_html": None},
        ((Finder.ADDRESSEE, "to"), (Finder.ORDER_TOPIC, "topic")),
        reason="e-mails and text messages to the person, and those about their orders "
        "(a cooperative's copy holds the delivery address)",
        secret=frozenset({"message_id"}),
    ),
    Table(
        "notifications_operator_task",
        "operator_tasks",
        Action.ERASE,
        {"party_name": ERASED_NAME, "details": {}, "resolution_note": ""},
        ((Finder.ORDER_NUMBER, "order_number"),),
        reason="the operator's to-do about the order stays, without the person's name",
    ),
    Table(
        "orders_cart",
        "cart",
        Action.DELETE,
        {},
        ((Finder.USER, "user_id"),),
    ),
    Table(
        "orders_api_token",
        "api_tokens",
        Action.DELETE,
        {"name": None},
        ((Finder.USER, "user_id"),),
        secret=frozenset({"token_hash"}),
    ),
    Table(
        "catalog_stock_alert",
        "back_in_stock_alerts",
        Action.DELETE,
        {"email": None},
        ((Finder.EMAIL, "email"),),
    ),
    Table(
        "catalog_cooperative_invitation",
        "invitations",
        Action.DELETE,
        {"email": None},
        ((Finder.EMAIL, "email"),),
        secret=frozenset({"token_hash"}),
    ),
    Table(
        "catalog_one_time_code",
        "text_message_codes",
        Action.DELETE,
        {"phone": None},
        ((Finder.PHONE, "phone"),),
        secret=frozenset({"salt", "code_hash"}),
    ),
    Table(
        "catalog_audit_entry",
        "audit_entries",
        Action.ERASE,
        {"actor_email": ERASED_EMAIL},
        ((Finder.USER, "actor_id"),),
        reason="the back office's audit trail keeps what was changed, not who the person was",
    ),
)

#: Columns whose names look personal but hold a business's or an organisation's
#: public contact, or no person at all — each with its reason. A shopper's erasure
#: does not touch them: organisations change or close their own records.
NOT_A_SHOPPERS: dict[str, str] = {
    "catalog_cooperative.*": "the cooperative's public contact, edited by its members",
    "catalog_category.*": "category names",
    "catalog_product.*": "product texts",
    "catalog_claim_change.review_note": "what the operator checked about a cooperative's "
    "profile claim, written for the cooperative",
    "catalog_audit_entry.details": "what was changed in the back office (a product's price, "
    "a cooperative's status…), written by members and operators",
    "catalog_product_image.filename": "a stored image's file name",
    "catalog_product_import.filename": "an uploaded catalogue's file name",
    "catalog_scheduled_run.*": "a recurring task's name, when it runs and how its last run "
    "went (counts, or the error that stopped it)",
    "orders_organisation.*": "an institution's contact, edited by its members",
    "orders_payout_account.*": "a cooperative's bank account, kept for the accounts (law 9-88)",
    "orders_fulfilment.cooperative_name": "the selling cooperative",
    "orders_fulfilment.cooperative_name_ar": "the selling cooperative",
    "orders_order_line.cooperative_name": "the selling cooperative",
    "solidarity_baskets_destination.*": "a distribution point of an NGO's basket quote and "
    "the contact there (a hub's phone or person): the NGO, controller of its lists, gives "
    "them for delivery; they stay with the quote and its order's delivery records",
    "solidarity_baskets_manifest_line.*": "the selling cooperative",
    "solidarity_baskets_job.error_data": "why a basket job stopped: a problem code's data "
    "(products, quantities, regions)",
    "solidarity_baskets_quote.template_name": "a basket's name",
    "solidarity_baskets_receipt.note": "the organisation's word on what arrived at a "
    "distribution point (units short or damaged), part of the order's delivery records",
    "solidarity_baskets_template.*": "a basket's name and text",
}
