"""The registry of personal data knows every column that could hold some: a new
column named like personal data (name, phone, e-mail, address, IP, contact…) that
nobody declared fails here, before it can escape an export or an erasure."""

from __future__ import annotations

import re

import pytest

from catalog import personal_data
from catalog.db import Base, import_models

import_models()
TABLES = Base.metadata.tables

#: Column names that look like personal data: each such column of the schema must be
#: in ``personal_data.PERSONAL`` or ``personal_data.NOT_A_SHOPPERS``.
LOOKS_PERSONAL = re.compile(
    r"^to$|(^|_)(name|phone|e?mail|address|ip|contact|city|street|holder|rib|iban|cin"
    r"|birth|user_agent|body|household|beneficiary|recipient|note|details|data)(_|$)"
)


def declared(table: str, column: str) -> bool:
    """Whether the registry says what ``table.column`` holds."""
    for entry in personal_data.PERSONAL:
        if entry.name == table and (
            column in entry.columns
            or column in entry.secret
            or any(c == column for _, c in entry.finders)
        ):
            return True
    shared = personal_data.NOT_A_SHOPPERS
    return f"{table}.{column}" in shared or f"{table}.*" in shared


def _looks_personal() -> list[tuple[str, str]]:
    return sorted(
        (table.name, column.name)
        for table in TABLES.values()
        for column in table.columns
        if LOOKS_PERSONAL.search(column.name)
    )


def test_every_column_that_looks_personal_is_declared() -> None:
    forgotten = [
        f"{table}.{column}" for table, column in _looks_personal() if not declared(table, column)
    ]
    assert forgotten == []


def test_the_check_sees_the_columns_it_must() -> None:
    found = set(_looks_personal())
    for expected in (
        ("orders_user", "email"),
        ("orders_order", "phone"),
        ("orders_order", "address"),
        ("notifications_outbox_message", "to"),
        ("notifications_outbox_message", "body_text"),
        ("catalog_audit_entry", "actor_email"),
        ("solidarity_baskets_destination", "contact"),
    ):
        assert expected in found
    assert LOOKS_PERSONAL.search("client_ip_address")
    assert not LOOKS_PERSONAL.search("qty_made_to_order")


@pytest.mark.parametrize("column", ["customer_phone", "signup_ip", "billing_address"])
def test_a_new_personal_column_would_not_pass(column: str) -> None:
    assert LOOKS_PERSONAL.search(column)
    assert not declared("orders_order", column)


@pytest.mark.parametrize("entry", personal_data.PERSONAL, ids=lambda e: e.name)
def test_every_declared_column_exists(entry: personal_data.Table) -> None:
    assert entry.name in TABLES
    names = set(TABLES[entry.name].columns.keys())
    declared = set(entry.columns) | set(entry.secret) | {c for _, c in entry.finders}
    assert declared <= names
    if entry.action == personal_data.Action.KEEP:
        assert entry.reason, "a table kept on erasure says why"


def test_every_kind_has_words_for_the_person() -> None:
    from storefront.pages.data_requests import KINDS

    assert {e.key for e in personal_data.PERSONAL} <= set(KINDS)
