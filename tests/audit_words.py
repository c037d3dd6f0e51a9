"""Every history (audit) entry the code writes reads as words on the cooperative's and the
operator's history pages: its action has a label, each detail a name, and each coded
value its words. ``tests/conftest.py`` checks the entries of every test."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from catalog.audit import AuditEntry


def _codes(value: Any) -> Iterator[str]:
    if isinstance(value, list):
        for item in value:
            yield from _codes(item)
    elif isinstance(value, str) and value:
        yield value


def raw_parts(action: str, details: Mapping[str, Any]) -> list[str]:
    """What of the entry would reach a person as written by the code."""
    from storefront import details as shown
    from storefront import labels

    raw = [] if action in labels.AUDIT_ACTIONS else [f"action {action}"]
    for key, value in details.items():
        if key not in shown.FIELDS and not shown.BAND.fullmatch(key):
            raw.append(f"{action}: detail {key}")
        # a reason is a code only for a shelf count; elsewhere a person typed it
        if key in shown.CODES and (key != "reason" or action == "product.stock"):
            tables = shown.CODES[key]
            raw += [
                f"{action}: {key}={code}"
                for code in _codes(value)
                if not any(code in t for t in tables)
            ]
    return raw


def written_entries() -> tuple[list[tuple[str, dict[str, Any]]], Any]:
    """A list filled with each entry inserted from now on, and its listener (to remove)."""
    written: list[tuple[str, dict[str, Any]]] = []

    def seen(_mapper: Any, _connection: Any, entry: AuditEntry) -> None:
        written.append((entry.action, dict(entry.details or {})))

    return written, seen
