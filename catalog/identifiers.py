"""Moroccan identifiers: ICE (Identifiant Commun de l'Entreprise) and phone numbers."""

from __future__ import annotations

import phonenumbers
from stdnum import exceptions as stdnum_exceptions
from stdnum.ma import ice as stdnum_ice

from catalog.errors import InvalidIdentifier


def clean_ice(value: str) -> str:
    """Validate an ICE (15 digits, ISO 7064 mod 97-10 checksum) and return it compact.

    :raises InvalidIdentifier: ``code`` ``ice_length``, ``ice_format`` or ``ice_checksum``.
    """
    try:
        return str(stdnum_ice.validate(value))
    except stdnum_exceptions.InvalidLength:
        raise InvalidIdentifier(code="ice_length", value=value) from None
    except stdnum_exceptions.InvalidFormat:
        raise InvalidIdentifier(code="ice_format", value=value) from None
    except stdnum_exceptions.InvalidChecksum:
        raise InvalidIdentifier(code="ice_checksum", value=value) from None


def clean_phone(value: str) -> str:
    """A Moroccan phone number in E.164 (``0612345678`` → ``+212612345678``).
    Valid numbers of other countries are refused too: carriers and cooperatives
    call the customer on a Moroccan line, and the message says so.

    :raises InvalidIdentifier: ``code`` ``phone_invalid``.
    """
    try:
        number = phonenumbers.parse(value, "MA")
    except phonenumbers.NumberParseException:
        raise InvalidIdentifier(code="phone_invalid", value=value) from None
    if not phonenumbers.is_valid_number_for_region(number, "MA"):
        raise InvalidIdentifier(code="phone_invalid", value=value)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
