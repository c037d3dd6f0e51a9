"""Valid Moroccan identifiers for demo, test and benchmark data: an ICE and a RIB that
pass the checks of :func:`catalog.identifiers.clean_ice` and
:func:`orders.ledger.clean_rib` without being anyone's."""

from __future__ import annotations


def make_ice(entity: int, establishment: int = 0) -> str:
    """A valid ICE from a 9-digit entity number."""
    base = f"{entity:09d}{establishment:04d}"
    check = -(int(base) * 100) % 97  # stdnum.ma.ice: the whole number is 0 mod 97
    return f"{base}{check:02d}"


def make_rib(bank: int, city: int, account: int) -> str:
    """A valid 24-digit RIB (bank, city, account number, two check digits)."""
    base = f"{bank:03d}{city:03d}{account:016d}"
    return f"{base}{97 - (int(base) * 100) % 97:02d}"
