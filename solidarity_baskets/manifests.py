"""Assembly: what arrives at each distribution point from whom and when, how the
baskets are packed, and what each basket holds (its public traceability record).

Packing waves: at a distribution point, the purchases of each line are laid end to
end over the point's baskets (basket 1, 2, ... N); wherever any line changes supplier
a new wave starts. Inside a wave every basket holds the same products from the same
cooperatives, so one manifest describes each of its baskets exactly. A basket's
serial is ``<wave token>-<rank in the wave>``; the token is random, so serials cannot
be guessed from one another.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session, selectinload

from catalog.db import insert_rows
from orders.models import Fulfilment
from orders.numbers import ALPHABET
from solidarity_baskets.models import (
    AllocationLine,
    BasketOrder,
    BasketQuote,
    ManifestLine,
    PackingWave,
    QuoteDestination,
)

TOKEN_LENGTH = 8
MAX_SERIAL_LENGTH = 40


def _token() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TOKEN_LENGTH))


def _tokens(session: Session, n: int) -> list[str]:
    """``n`` tokens no wave has yet."""
    found: list[str] = []
    while len(found) < n:
        batch = {_token() for _ in range(n - len(found))} - set(found)
        taken = set(session.scalars(select(PackingWave.token).where(PackingWave.token.in_(batch))))
        found.extend(sorted(batch - taken))
    return found


def _lines_in_order(basket_order: BasketOrder) -> list[dict[str, Any]]:
    """The template's lines, the container first, then in template order."""
    lines = basket_order.quote.inputs["lines"]
    return sorted(lines, key=lambda ln: (not ln["is_container"], ln["position"], ln["key"]))


def pack(session: Session, basket_order: BasketOrder) -> int:
    """Write the packing waves and manifests of a confirmed order (batched INSERTs,
    no object per row); returns the number of waves. Flushes.

    Every line must reach every point in full (confirmed quotes have no shortfall).
    """
    quote = basket_order.quote
    products = {p["product_id"]: p for p in quote.result["products"].values()}
    coops = quote.result["cooperatives"]
    lines = _lines_in_order(basket_order)
    session.flush()
    by_point: dict[tuple[int, str], list[Any]] = defaultdict(list)
    for alloc in session.execute(
        select(
            AllocationLine.id,
            AllocationLine.destination_id,
            AllocationLine.line_key,
            AllocationLine.line_units,
            AllocationLine.product_units,
            AllocationLine.product_id,
            AllocationLine.cooperative_id,
        )
        .where(AllocationLine.basket_order_id == basket_order.id)
        .order_by(AllocationLine.id)
    ):
        by_point[(alloc.destination_id, alloc.line_key)].append(alloc)
    plans: list[tuple[QuoteDestination, int, int, list[tuple[dict[str, Any], Any]]]] = []
    for dest in quote.destinations:
        ranges: dict[str, list[tuple[int, int, Any]]] = {}
        cuts = {0, dest.baskets}
        for line in lines:
            start, spans = 0, []
            for alloc in by_point.get((dest.id, line["key"]), []):
                spans.append((start, start + alloc.line_units, alloc))
                start += alloc.line_units
                cuts.add(min(start, dest.baskets))
            if start != dest.baskets:
                raise ValueError(f"line {line['key']} covers {start} of {dest.baskets} baskets")
            ranges[line["key"]] = spans
        bounds = sorted(cuts)
        # one pointer per line walks its spans as the waves go: one pass per line
        at = dict.fromkeys(ranges, 0)
        for lo, hi in zip(bounds, bounds[1:], strict=False):
            contents = []
            for line in lines:
                spans, i = ranges[line["key"]], at[line["key"]]
                while spans[i][1] <= lo:
                    i += 1
                at[line["key"]] = i
                contents.append((line, spans[i][2]))
            plans.append((dest, lo, hi, contents))
    tokens = _tokens(session, len(plans))
    waves: list[dict[str, Any]] = []
    position: dict[int, int] = defaultdict(int)
    for (dest, lo, hi, _contents), token in zip(plans, tokens, strict=True):
        position[dest.id] += 1
        waves.append(
            {
                "basket_order_id": basket_order.id,
                "destination_id": dest.id,
                "position": position[dest.id],
                "first_basket": lo + 1,
                "baskets": hi - lo,
                "token": token,
            }
        )
    insert_rows(session, PackingWave, waves)
    wave_ids = {
        (destination_id, pos): wave_id
        for wave_id, destination_id, pos in session.execute(
            select(PackingWave.id, PackingWave.destination_id, PackingWave.position).where(
                PackingWave.basket_order_id == basket_order.id
            )
        )
    }

    # the manifests, many times more rows than waves: made as they are written, a
    # batch at a time, so that a national order never holds them all in memory
    def manifest_rows() -> Iterator[dict[str, Any]]:
        for wave, (_dest, _lo, _hi, contents) in zip(waves, plans, strict=True):
            wave_id = wave_ids[(wave["destination_id"], wave["position"])]
            for rank, (line, alloc) in enumerate(contents, start=1):
                product = products[alloc.product_id]
                coop = coops[str(alloc.cooperative_id)]
                yield {
                    "wave_id": wave_id,
                    "position": rank,
                    "line_key": line["key"],
                    "is_container": line["is_container"],
                    "product_id": alloc.product_id,
                    "product_title_fr": product["title_fr"],
                    "product_title_ar": product["title_ar"],
                    "product_title_en": product["title_en"],
                    "units_per_basket": alloc.product_units // alloc.line_units,
                    "net_quantity": product["net_quantity"],
                    "unit": product["unit"],
                    "cooperative_id": alloc.cooperative_id,
                    "cooperative_name_fr": coop["name_fr"],
                    "cooperative_name_ar": coop["name_ar"],
                    "region_code": coop["region_code"],
                    "province_code": coop["province_code"],
                    "women_led": coop["women_led"],
                    "rural": coop["rural"],
                    "allocation_line_id": alloc.id,
                }

    insert_rows(session, ManifestLine, manifest_rows())
    session.expire(basket_order, ["waves"])
    return len(waves)


# -- reading ----------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Arrival:
    """Goods one cooperative sends to a distribution point for one line."""

    line_key: str
    cooperative_id: int
    cooperative_name: str
    cooperative_name_ar: str
    region_code: str
    women_led: bool
    product_id: int | None
    product_title_fr: str
    product_title_ar: str
    product_title_en: str
    product_units: int
    line_units: int
    ship_by: date | None
    fulfilment_id: int
    fulfilment_status: str
    invoice_number: str
    tracking_number: str

    def product_title(self, lang: str) -> str:
        return {"ar": self.product_title_ar, "en": self.product_title_en}.get(lang) or (
            self.product_title_fr
        )

    def cooperative_name_in(self, lang: str) -> str:
        """The cooperative's name in Arabic on Arabic pages, else in French."""
        return (lang == "ar" and self.cooperative_name_ar) or self.cooperative_name


@dataclass(frozen=True)
class PointManifest:
    """A distribution point: what arrives there, and its packing waves."""

    destination: QuoteDestination
    arrivals: list[Arrival]
    waves: list[PackingWave]


def point_manifests(
    session: Session, basket_order: BasketOrder, destination_ids: Collection[int] | None = None
) -> list[PointManifest]:
    """The order's distribution points (all, or those of ``destination_ids``) with
    their arrivals and waves (a fixed number of queries, whatever the number of
    points)."""
    quote = basket_order.quote
    products = {p["product_id"]: p for p in quote.result["products"].values()}
    coops = quote.result["cooperatives"]
    destinations = [
        d for d in quote.destinations if destination_ids is None or d.id in destination_ids
    ]
    ids = [d.id for d in destinations]
    allocation = list(
        session.scalars(
            select(AllocationLine)
            .where(
                AllocationLine.basket_order_id == basket_order.id,
                AllocationLine.destination_id.in_(ids),
            )
            .order_by(AllocationLine.id)
        )
    )
    fulfilments = {
        f.id: f
        for f in session.scalars(
            select(Fulfilment)
            .where(Fulfilment.id.in_({a.fulfilment_id for a in allocation}))
            .options(selectinload(Fulfilment.order))
        )
    }
    waves = list(
        session.scalars(
            select(PackingWave)
            .where(
                PackingWave.basket_order_id == basket_order.id,
                PackingWave.destination_id.in_(ids),
            )
            .options(selectinload(PackingWave.manifest))
            .order_by(PackingWave.destination_id, PackingWave.position)
        )
    )
    line_rank = {ln["key"]: i for i, ln in enumerate(_lines_in_order(basket_order))}
    arrivals: dict[int, list[Arrival]] = defaultdict(list)
    for a in allocation:
        product = products.get(a.product_id or 0, {})
        coop = coops.get(str(a.cooperative_id), {})
        part = fulfilments[a.fulfilment_id]
        arrivals[a.destination_id].append(
            Arrival(
                line_key=a.line_key,
                cooperative_id=a.cooperative_id,
                cooperative_name=coop.get("name_fr", part.cooperative_name),
                cooperative_name_ar=coop.get("name_ar", ""),
                region_code=coop.get("region_code", part.origin_region_code),
                women_led=bool(coop.get("women_led", False)),
                product_id=a.product_id,
                product_title_fr=product.get("title_fr", ""),
                product_title_ar=product.get("title_ar", ""),
                product_title_en=product.get("title_en", ""),
                product_units=a.product_units,
                line_units=a.line_units,
                ship_by=a.ship_by,
                fulfilment_id=part.id,
                fulfilment_status=str(part.status),
                invoice_number=part.invoice_number,
                tracking_number=part.tracking_number,
            )
        )
    waves_by_point: dict[int, list[PackingWave]] = defaultdict(list)
    for wave in waves:
        waves_by_point[wave.destination_id].append(wave)
    return [
        PointManifest(
            destination=dest,
            arrivals=sorted(
                arrivals[dest.id], key=lambda r: (line_rank.get(r.line_key, 99), r.cooperative_name)
            ),
            waves=waves_by_point[dest.id],
        )
        for dest in destinations
    ]


def parts_by_point(session: Session, basket_order: BasketOrder) -> dict[int, int]:
    """How many purchase orders (parts) send to each distribution point: one query."""
    return {
        destination_id: int(parts)
        for destination_id, parts in session.execute(
            select(
                AllocationLine.destination_id, func.count(distinct(AllocationLine.fulfilment_id))
            )
            .where(AllocationLine.basket_order_id == basket_order.id)
            .group_by(AllocationLine.destination_id)
        )
    }


@dataclass(frozen=True)
class BasketTrace:
    """A basket's public record: what it holds and who made it. No personal data."""

    serial: str
    rank: int
    wave: PackingWave
    destination: QuoteDestination
    deliver_by: date
    manifest: list[ManifestLine]


def parse_serial(serial: str) -> tuple[str, int] | None:
    """``"K7M2QX9A-125"`` → ``("K7M2QX9A", 125)``; None when it cannot be a serial."""
    if not serial or len(serial) > MAX_SERIAL_LENGTH:
        return None
    token, _, rank = serial.strip().upper().partition("-")
    if len(token) != TOKEN_LENGTH or any(c not in ALPHABET for c in token):
        return None
    if not rank.isdigit() or not rank.isascii() or len(rank) > 9:
        return None
    return token, int(rank)


def trace(session: Session, serial: str) -> BasketTrace | None:
    """The record of the basket with this serial, or None."""
    parsed = parse_serial(serial)
    if parsed is None:
        return None
    token, rank = parsed
    wave = session.scalar(
        select(PackingWave)
        .where(PackingWave.token == token)
        .options(
            selectinload(PackingWave.manifest),
            selectinload(PackingWave.destination),
        )
    )
    if wave is None or not 1 <= rank <= wave.baskets:
        return None
    deliver_by = session.scalar(
        select(BasketQuote.deliver_by).where(BasketQuote.id == wave.destination.quote_id)
    )
    assert deliver_by is not None
    return BasketTrace(
        serial=wave.serial(rank),
        rank=rank,
        wave=wave,
        destination=wave.destination,
        deliver_by=deliver_by,
        manifest=list(wave.manifest),
    )


# -- the cooperative's side ----------------------------------------------------------------
@dataclass(frozen=True)
class Delivery:
    """A cooperative's part of a basket order: where it goes, by when, what."""

    fulfilment: Fulfilment
    destination: QuoteDestination
    deliver_by: date
    allocation: list[AllocationLine]


def _deliveries(session: Session, fulfilment_ids: list[int]) -> list[Delivery]:
    if not fulfilment_ids:
        return []
    parts = {
        f.id: f
        for f in session.scalars(
            select(Fulfilment)
            .where(Fulfilment.id.in_(fulfilment_ids))
            .options(selectinload(Fulfilment.order), selectinload(Fulfilment.lines))
        )
    }
    allocation: dict[int, list[AllocationLine]] = defaultdict(list)
    for alloc in session.scalars(
        select(AllocationLine)
        .where(AllocationLine.fulfilment_id.in_(fulfilment_ids))
        .options(selectinload(AllocationLine.destination))
        .order_by(AllocationLine.id)
    ):
        allocation[alloc.fulfilment_id].append(alloc)
    quote_ids = {a[0].destination.quote_id for a in allocation.values()}
    dates = dict(
        session.execute(
            select(BasketQuote.id, BasketQuote.deliver_by).where(BasketQuote.id.in_(quote_ids))
        ).all()
    )
    return [
        Delivery(
            fulfilment=parts[fid],
            destination=allocation[fid][0].destination,
            deliver_by=dates[allocation[fid][0].destination.quote_id],
            allocation=allocation[fid],
        )
        for fid in fulfilment_ids
        if fid in parts and allocation.get(fid)
    ]


def deliveries_for_cooperative(
    session: Session, cooperative_id: int, *, limit: int = 50, offset: int = 0
) -> list[Delivery]:
    """The cooperative's parts of basket orders, newest first (a fixed number of
    queries)."""
    ids = list(
        session.scalars(
            select(AllocationLine.fulfilment_id)
            .where(AllocationLine.cooperative_id == cooperative_id)
            .group_by(AllocationLine.fulfilment_id)
            .order_by(AllocationLine.fulfilment_id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    return _deliveries(session, ids)


def delivery_of(session: Session, cooperative_id: int, fulfilment_id: int) -> Delivery | None:
    """The cooperative's basket part ``fulfilment_id``, else None (show a 404)."""
    found = session.scalar(
        select(AllocationLine.fulfilment_id)
        .where(
            AllocationLine.fulfilment_id == fulfilment_id,
            AllocationLine.cooperative_id == cooperative_id,
        )
        .limit(1)
    )
    if found is None:
        return None
    deliveries = _deliveries(session, [found])
    return deliveries[0] if deliveries else None
