"""Money as integer minor units.

MAD has two decimals: 6.00 MAD is ``Money(600)``. Arithmetic stays within one currency
and never touches ``float``; :meth:`Money.parse` is the only way in from text, and
formatting for people happens at the edge (the storefront's Babel filters).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from catalog.errors import InvalidAmount

DEFAULT_CURRENCY = "MAD"
#: Decimals per currency (ISO 4217 minor units). Only what the marketplace uses.
MINOR_UNITS: dict[str, int] = {"MAD": 2, "EUR": 2, "USD": 2}


@dataclass(frozen=True, slots=True, order=True)
class Money:
    """An amount of money in integer minor units (centimes for MAD)."""

    amount_minor: int
    currency: str = DEFAULT_CURRENCY

    def __post_init__(self) -> None:
        if not isinstance(self.amount_minor, int) or isinstance(self.amount_minor, bool):
            raise TypeError("Money.amount_minor must be an int (minor units)")
        if self.currency not in MINOR_UNITS:
            raise InvalidAmount(code="unknown_currency", value=self.currency)

    # -- construction -------------------------------------------------------------
    @classmethod
    def zero(cls, currency: str = DEFAULT_CURRENCY) -> Money:
        return cls(0, currency)

    @classmethod
    def parse(cls, text: str | Decimal | int, currency: str = DEFAULT_CURRENCY) -> Money:
        """Read an amount written by a person: ``"6"``, ``"6,00"``, ``"1 234,50"``,
        ``"1234.5 DH"``. More decimals than the currency has are refused, not rounded.

        :raises InvalidAmount: with ``code`` ``"not_a_number"`` or ``"too_many_decimals"``.
        """
        if isinstance(text, bool):
            raise InvalidAmount(code="not_a_number", value=str(text))
        if isinstance(text, int):
            value = Decimal(text)
        elif isinstance(text, Decimal):
            value = text
        else:
            cleaned = str(text).strip()
            for suffix in ("MAD", "DH", "Dhs", "dhs", "dh", "د.م.", "درهم"):
                if cleaned.endswith(suffix):
                    cleaned = cleaned[: -len(suffix)].strip()
            for space in (" ", "\u00a0", "\u202f", "'"):
                cleaned = cleaned.replace(space, "")
            if "," in cleaned and "." in cleaned:
                # the last separator is the decimal one ("1.234,50" or "1,234.50")
                if cleaned.rfind(",") > cleaned.rfind("."):
                    cleaned = cleaned.replace(".", "").replace(",", ".")
                else:
                    cleaned = cleaned.replace(",", "")
            else:
                cleaned = cleaned.replace(",", ".")
            try:
                value = Decimal(cleaned)
            except InvalidOperation:
                raise InvalidAmount(code="not_a_number", value=str(text)) from None
        if not value.is_finite():
            raise InvalidAmount(code="not_a_number", value=str(text))
        places = MINOR_UNITS.get(currency, 2)
        try:
            scaled = value.scaleb(places)
        except ArithmeticError:  # more than Decimal can hold: "1e999999"
            raise InvalidAmount(code="not_a_number", value=str(text)) from None
        if scaled != scaled.to_integral_value():
            raise InvalidAmount(code="too_many_decimals", value=str(text))
        return cls(int(scaled), currency)

    # -- arithmetic -----------------------------------------------------------------
    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise TypeError("can only combine Money with Money")
        if other.currency != self.currency:
            raise InvalidAmount(code="currency_mismatch", value=f"{self.currency}/{other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor + other.amount_minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount_minor - other.amount_minor, self.currency)

    def __mul__(self, factor: int) -> Money:
        if not isinstance(factor, int) or isinstance(factor, bool):
            raise TypeError("Money can only be multiplied by an int")
        return Money(self.amount_minor * factor, self.currency)

    __rmul__ = __mul__

    def __neg__(self) -> Money:
        return Money(-self.amount_minor, self.currency)

    def __bool__(self) -> bool:
        return self.amount_minor != 0

    @property
    def decimal(self) -> Decimal:
        """The amount as a ``Decimal`` in major units (for formatting only)."""
        return Decimal(self.amount_minor).scaleb(-MINOR_UNITS[self.currency])

    def percent(self, basis_points: int) -> Money:
        """This amount times ``basis_points`` / 10,000, rounded half up to the centime
        (a 12.5 % commission is 1250 basis points)."""
        exact = Decimal(self.amount_minor) * basis_points / Decimal(10_000)
        return Money(int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), self.currency)

    def split(self, weights: Sequence[int]) -> list[Money]:
        """Split by integer weights with the largest-remainder method: the parts always
        add up to this amount exactly, and each differs from its exact share by less
        than one minor unit.

        :raises ValueError: if weights are empty, negative or all zero.
        """
        shares = split_by_ratio(self.amount_minor, weights)
        return [Money(s, self.currency) for s in shares]

    def __str__(self) -> str:  # developer-facing; people see the Babel filters
        return f"{self.decimal} {self.currency}"


def split_by_ratio(total: int, weights: Sequence[int]) -> list[int]:
    """Largest-remainder apportionment of an integer ``total`` by integer ``weights``.

    Ties on the remainder go to the earlier position, so the result is deterministic.
    Works for negative totals (refunds) by splitting the absolute value.
    """
    if not weights:
        raise ValueError("weights must not be empty")
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(weights)
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    floors = [magnitude * w // weight_sum for w in weights]
    remainders = [magnitude * w % weight_sum for w in weights]
    left = magnitude - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:left]:
        floors[i] += 1
    return [sign * f for f in floors]


def total(amounts: Iterable[Money], currency: str = DEFAULT_CURRENCY) -> Money:
    """Sum of ``amounts`` (zero in ``currency`` when empty)."""
    result = Money.zero(currency)
    for amount in amounts:
        result = result + amount
    return result
