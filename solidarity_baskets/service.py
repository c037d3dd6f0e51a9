"""The organisation's use cases: quote a basket order, re-quote it with a fix, and
confirm it into one order of the orders library.

::

    quote = quote_baskets(session, request, today=today, now=now)    # stored, may be short
    result = confirm_basket_order(session, quote, now=now, payment_method="bank_transfer")
    # Confirmed(basket_order) or Requoted(new_quote)

A quote is the engine's plan for the request with the supply read at that moment,
stored whole (inputs and outputs). Confirming reads the supply again: when it moved
(stock, prices, capacity, a cooperative no longer rural...) the plan is made again; if
the new plan differs, nothing is ordered and the result is :class:`Requoted` with the
new quote (stored: the caller commits it and shows it). Otherwise one order is placed with
one part per (cooperative, distribution point), stock is reserved, production capacity
committed, and the baskets' packing waves and manifests are written: the result is
:class:`Confirmed` with the basket order.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select
from sqlalchemy.orm import Session, defer, selectinload

from catalog import regions
from catalog.accounts.users import Organisation, User
from catalog.db import insert_rows
from catalog.errors import FieldProblem, InvalidInput
from catalog.models import Cooperative
from catalog.money import split_by_ratio
from catalog.safe_text import text_problem
from orders.institutional import PlannedLine, PlannedPart, place_institutional_order
from orders.placing import Address, Customer
from orders.status import PaymentMethod
from solidarity_baskets import engine, fairness, freight, manifests, snapshot, templates
from solidarity_baskets.errors import BasketError
from solidarity_baskets.models import (
    AllocationLine,
    BasketOrder,
    BasketQuote,
    QuoteDestination,
    QuoteStatus,
)
from solidarity_baskets.nutrition import MAX_FAMILY_SIZE
from solidarity_baskets.request import (
    MAX_POINT_TEXT,
    BasketRequest,
    DestinationRequest,
)
from solidarity_baskets.supply import Kind, Supply, build_supply, product_id_of

MAX_DESTINATIONS = 200
MAX_BASKETS = 2_000_000
#: a quote is for a delivery at least this many days ahead, at most a year
MIN_DAYS_AHEAD = 1
MAX_DAYS_AHEAD = 365
MAX_BUDGET_PER_BASKET_MINOR = 10_000_000  # 100,000 MAD
MIN_SHARE_BPS = 100
MAX_HUB_NAME = 80
#: a fairness level allows at most 10 % more than the cheapest plan
MAX_FAIRNESS_BPS = 1_000

#: told where long work is: a stage name and a percentage (a background job shows
#: them; it may raise to stop the work, before anything is committed)
Progress = Callable[[str, int], None]


def no_progress(stage: str, percent: int) -> None:
    """The default: nobody is watching."""


# -- destinations -----------------------------------------------------------------------
def destination_key(province_code: str, hub_name: str) -> str:
    hub = clean_hub_name(hub_name)
    return f"{province_code}/{hub.casefold()}" if hub else province_code


def clean_hub_name(name: str) -> str:
    return " ".join(name.split())


def split_by_households(
    total: int, region_code: str | None = None
) -> tuple[DestinationRequest, ...]:
    """``total`` baskets over every province and prefecture (of ``region_code`` when
    given) in proportion to its households (largest remainder). Casablanca is served
    through its 8 prefectures of arrondissements; the Casablanca prefecture keeps only
    the households they do not cover, so no household counts twice.

    :raises ValueError: unless ``0 < total <= MAX_BASKETS`` and the region exists.
    """
    if not 0 < total <= MAX_BASKETS:
        raise ValueError("total out of range")
    if region_code is not None and regions.region(region_code) is None:
        raise ValueError("unknown region")
    rows = tuple(
        p for p in regions.provinces() if region_code is None or p.region_code == region_code
    )
    covered: dict[str, int] = defaultdict(int)
    for p in rows:
        if p.kind == "prefecture_of_arrondissements":
            covered[p.code.rsplit(".", 2)[0]] += p.households
    weights = [max(0, p.households - covered.get(p.code, 0)) for p in rows]
    shares = split_by_ratio(total, weights)
    return tuple(DestinationRequest(p.code, n) for p, n in zip(rows, shares, strict=True) if n > 0)


# -- checking a request -----------------------------------------------------------------------


def check_request(request: BasketRequest, *, today: date) -> list[FieldProblem]:
    """Every problem with the request's shape (not with supply). Field names follow
    the order form: ``destinations-<i>-baskets``, ``deliver_by``..."""
    problems: list[FieldProblem] = []
    if not request.destinations:
        problems.append(FieldProblem("destinations", "required"))
    if len(request.destinations) > MAX_DESTINATIONS:
        problems.append(FieldProblem("destinations", "too_many", {"max": MAX_DESTINATIONS}))
    keys: set[str] = set()
    total = 0
    for i, dest in enumerate(request.destinations):
        prefix = f"destinations-{i}"
        if regions.province(dest.province_code) is None:
            problems.append(FieldProblem(f"{prefix}-province_code", "unknown_province"))
        hub = clean_hub_name(dest.hub_name)
        unsafe = text_problem(dest.hub_name)
        if unsafe is not None:
            problems.append(FieldProblem(f"{prefix}-hub_name", unsafe))
        elif len(hub) > MAX_HUB_NAME:
            problems.append(FieldProblem(f"{prefix}-hub_name", "too_long", {"max": MAX_HUB_NAME}))
        for name in ("address", "contact", "window"):
            text = getattr(dest, name)
            unsafe = text_problem(text)
            if unsafe is not None:
                problems.append(FieldProblem(f"{prefix}-{name}", unsafe))
            elif len(clean_hub_name(text)) > MAX_POINT_TEXT:
                problems.append(
                    FieldProblem(f"{prefix}-{name}", "too_long", {"max": MAX_POINT_TEXT})
                )
        if dest.baskets is None:
            problems.append(FieldProblem(f"{prefix}-baskets", "required"))
        elif isinstance(dest.baskets, bool) or not isinstance(dest.baskets, int):
            problems.append(
                FieldProblem(
                    f"{prefix}-baskets", "not_an_integer", {"value": str(dest.baskets)[:20]}
                )
            )
        elif not 0 < dest.baskets <= MAX_BASKETS:
            problems.append(
                FieldProblem(f"{prefix}-baskets", "out_of_range", {"min": 1, "max": MAX_BASKETS})
            )
        else:
            total += dest.baskets
        key = destination_key(dest.province_code, dest.hub_name)
        if key in keys:
            problems.append(FieldProblem(f"{prefix}-province_code", "duplicate_destination"))
        keys.add(key)
    if total > MAX_BASKETS:
        problems.append(FieldProblem("destinations", "too_many_baskets", {"max": MAX_BASKETS}))
    earliest = today + timedelta(days=MIN_DAYS_AHEAD)
    latest = today + timedelta(days=MAX_DAYS_AHEAD)
    if request.deliver_by < earliest:
        problems.append(FieldProblem("deliver_by", "too_early", {"earliest": earliest}))
    elif request.deliver_by > latest:
        problems.append(FieldProblem("deliver_by", "too_late", {"latest": latest}))
    if not 1 <= request.family_size <= MAX_FAMILY_SIZE:
        problems.append(
            FieldProblem("family_size", "out_of_range", {"min": 1, "max": MAX_FAMILY_SIZE})
        )
    budget = request.budget_per_basket_minor
    if budget is not None and not 0 < budget <= MAX_BUDGET_PER_BASKET_MINOR:
        problems.append(
            FieldProblem(
                "budget_per_basket",
                "out_of_range",
                {"min_minor": 1, "max_minor": MAX_BUDGET_PER_BASKET_MINOR},
            )
        )
    if not MIN_SHARE_BPS <= request.max_share_bps <= 10_000:
        problems.append(
            FieldProblem("max_share", "out_of_range", {"min": MIN_SHARE_BPS // 100, "max": 100})
        )
    if request.fairness_bps is not None and not 0 <= request.fairness_bps <= MAX_FAIRNESS_BPS:
        problems.append(
            FieldProblem("fairness", "out_of_range", {"min": 0, "max": MAX_FAIRNESS_BPS // 100})
        )
    return problems


def policy_for(
    max_share_bps: int,
    women_led_preference: bool,
    fairness_bps: int | None = None,
    rules: freight.Sourcing = freight.DEFAULT_SOURCING,
) -> engine.Policy:
    """The engine's policy for the order's options: the share cap applies to the
    order's value, and twice that to each line's units; the women-led preference is a
    5 % shadow discount in the cost stage and a 1.5 weight in the fairness stage. A
    fairness level picked from the trade-off replaces the cap and the discount
    (:func:`fairness.level_policy`). The operator's sourcing rules give the minimum
    part, the fixed cost per shipment and the most parts an order may have."""
    if fairness_bps is not None:
        return replace(
            fairness.level_policy(fairness_bps, women_led_preference),
            min_part_minor=rules.min_part_minor,
            shipment_fee_minor=rules.shipment_fee_minor,
            max_parts=rules.max_parts,
        )
    share = max_share_bps / 10_000
    return engine.Policy(
        max_share_of_line=min(1.0, 2 * share),
        max_share_of_order=share,
        women_led_discount=0.05 if women_led_preference else 0.0,
        women_led_weight=1.5 if women_led_preference else 1.0,
        min_part_minor=rules.min_part_minor,
        shipment_fee_minor=rules.shipment_fee_minor,
        max_parts=rules.max_parts,
    )


def kinds_of(lines: Sequence[dict[str, Any]], accepted: set[int] | None) -> list[Kind]:
    """The product kinds of a stored template (see :func:`snapshot.template_lines`):
    each line's own kind first, then its equivalents, accepted as asked."""
    kinds: list[Kind] = []
    for line in lines:
        kinds.append(Kind(line["key"], line["category_id"], line["net_quantity"], line["unit"]))
    for line in lines:
        for eq in line["equivalents"]:
            kinds.append(
                Kind(
                    line["key"],
                    eq["category_id"],
                    eq["net_quantity"],
                    eq["unit"],
                    equivalent_id=eq["id"],
                    accepted=eq["accepted"] if accepted is None else eq["id"] in accepted,
                    penalty_bps=eq["penalty_bps"],
                )
            )
    return kinds


# -- quoting ----------------------------------------------------------------------------------
def quote_baskets(
    session: Session,
    request: BasketRequest,
    *,
    today: date,
    now: datetime,
    progress: Progress = no_progress,
) -> BasketQuote:
    """Plan the request with the supply of rural cooperatives right now and store the
    quote (flushes). A short supply is not an error: the quote lists the shortfalls
    and their fixes.

    :raises BasketError: ``organisation_not_verified``, ``solver_failed``.
    :raises InvalidInput: the request's problems (unknown template, province, counts,
        date, budget, options).
    """
    organisation = session.get(Organisation, request.organisation_id)
    if organisation is None or not organisation.is_verified:
        raise BasketError("organisation_not_verified")
    template = templates.template_for(session, organisation.id, request.template_id)
    problems = check_request(request, today=today)
    if template is None:
        problems.insert(0, FieldProblem("template_id", "unknown_template"))
    elif not template.lines:
        problems.insert(0, FieldProblem("template_id", "empty_template"))
    if problems:
        raise InvalidInput(problems)
    assert template is not None
    lines = snapshot.template_lines(template)
    known = {eq["id"] for line in lines for eq in line["equivalents"]}
    if request.accepted_equivalents is not None:
        request = replace(
            request,
            accepted_equivalents=tuple(sorted(set(request.accepted_equivalents) & known)),
        )
    return _run(session, request, lines, template.name, today=today, now=now, progress=progress)


def _run(
    session: Session,
    request: BasketRequest,
    lines: list[dict[str, Any]],
    template_name: str,
    *,
    today: date,
    now: datetime,
    progress: Progress,
) -> BasketQuote:
    accepted = None if request.accepted_equivalents is None else set(request.accepted_equivalents)
    progress("reading_supply", 5)
    supply = build_supply(session, kinds_of(lines, accepted))
    problem = _problem(session, request, lines, supply, today=today)
    progress("solving", 20)
    started = time.perf_counter()
    allocation = _allocate(problem)
    solve_ms = round((time.perf_counter() - started) * 1000)
    return _store(
        session,
        request,
        lines,
        template_name,
        supply,
        problem,
        allocation,
        solve_ms,
        today,
        now,
        progress,
    )


def _problem(
    session: Session,
    request: BasketRequest,
    lines: list[dict[str, Any]],
    supply: Supply,
    *,
    today: date,
) -> engine.Problem:
    """The engine's problem: the request, the supply, the operator's freight tariffs
    and sourcing rules as saved now."""
    destinations = []
    for dest in request.destinations:
        province = regions.province(dest.province_code)
        assert province is not None
        destinations.append(
            engine.Destination(
                destination_key(dest.province_code, dest.hub_name),
                province.region_code,
                dest.baskets,
            )
        )
    return engine.Problem(
        lines=tuple(
            engine.Line(line["key"], 1, is_container=line["is_container"]) for line in lines
        ),
        destinations=tuple(destinations),
        suppliers=supply.suppliers,
        offers=supply.offers,
        today=today,
        deliver_by=request.deliver_by,
        shipping=freight.table(freight.current(session)),
        budget_per_basket_minor=request.budget_per_basket_minor,
        policy=policy_for(
            request.max_share_bps,
            request.women_led_preference,
            request.fairness_bps,
            freight.sourcing(session),
        ),
    )


def _allocate(problem: engine.Problem) -> engine.Allocation:
    try:
        return engine.allocate(problem)
    except engine.EngineInputError as exc:  # the request was checked: a bug or bad data
        raise BasketError("engine_input", reason=exc.code, subject=exc.subject) from exc
    except engine.EngineSolveError as exc:
        raise BasketError("solver_failed", stage=exc.stage, status=exc.status) from exc


def _store(
    session: Session,
    request: BasketRequest,
    lines: list[dict[str, Any]],
    template_name: str,
    supply: Supply,
    problem: engine.Problem,
    allocation: engine.Allocation,
    solve_ms: int,
    today: date,
    now: datetime,
    progress: Progress,
) -> BasketQuote:
    progress("comparing", 60)
    stats = allocation.stats
    excess = allocation.budget_excess
    current = fairness.outcome_of(problem, allocation, request.fairness_bps)
    try:
        levels = fairness.trade_off(problem, request.women_led_preference, known=current)
    except (engine.EngineInputError, engine.EngineSolveError):
        levels = []  # the quote stands; only the comparison is missing
    result = snapshot.result(allocation, supply)
    result["fairness"] = {
        "current": current.as_json(),
        "levels": [row.as_json() for row in levels],
        "eligible": len(fairness.eligible_suppliers(problem)),
    }
    result["complete_plan"] = _complete_plan(problem, allocation)
    progress("storing", 90)
    quote = BasketQuote(
        organisation_id=request.organisation_id,
        template_id=request.template_id,
        template_name=template_name[:200],
        created_by_id=request.created_by_id,
        created_at=now,
        status=QuoteStatus.OPEN,
        planned_on=today,
        deliver_by=request.deliver_by,
        family_size=request.family_size,
        max_share_bps=request.max_share_bps,
        fairness_bps=request.fairness_bps,
        women_led_preference=request.women_led_preference,
        budget_per_basket_minor=request.budget_per_basket_minor,
        baskets=stats.baskets_ordered,
        baskets_complete=current.complete_baskets,
        goods_minor=stats.goods_minor,
        # freight of the lines plus what each shipment adds (minimum, fixed cost)
        shipping_minor=stats.shipping_minor + stats.shipment_fees_minor,
        total_minor=stats.total_minor,
        cost_per_basket_minor=stats.cost_per_basket_minor,
        suppliers_paid=stats.suppliers_paid,
        women_led_share_bps=round(stats.women_led_share * 10_000),
        shortage_units=stats.shortage_line_units,
        budget_excess_minor=excess.total_excess_minor if excess else 0,
        solve_ms=solve_ms,
        supply_digest=supply.digest,
        inputs=snapshot.inputs(request, lines, supply),
        result=result,
    )
    for position, dest in enumerate(request.destinations, start=1):
        province = regions.province(dest.province_code)
        assert province is not None
        quote.destinations.append(
            QuoteDestination(
                position=position,
                key=destination_key(dest.province_code, dest.hub_name),
                province_code=dest.province_code,
                hub_name=clean_hub_name(dest.hub_name),
                address=clean_hub_name(dest.address),
                contact=clean_hub_name(dest.contact),
                window=clean_hub_name(dest.window),
                region_code=province.region_code,
                baskets=dest.baskets,
            )
        )
    session.add(quote)
    session.flush()
    return quote


def _complete_plan(problem: engine.Problem, allocation: engine.Allocation) -> dict[str, int] | None:
    """For a short plan: what the most complete baskets the supply serves would cost
    (every point asking for its ``fewer_baskets`` figure at once), so the quote can
    price what can really be delivered. None when nothing is short or nothing can be
    made."""
    figures = {
        s.destination_key: fix.baskets
        for s in allocation.shortfalls
        for fix in s.fixes
        if fix.kind == "fewer_baskets" and fix.baskets is not None
    }
    if not allocation.shortfalls or not any(figures.values()):
        return None
    destinations = tuple(
        replace(d, baskets=figures.get(d.key, d.baskets))
        for d in problem.destinations
        if figures.get(d.key, d.baskets) > 0
    )
    try:
        plan = engine.allocate(replace(problem, destinations=destinations))
    except (engine.EngineInputError, engine.EngineSolveError):
        return None
    if plan.shortfalls:
        return None  # never show a figure the supply does not hold
    return {"baskets": plan.stats.baskets_ordered, "total_minor": plan.stats.total_minor}


def request_of(quote: BasketQuote) -> BasketRequest:
    """The request a stored quote answered."""
    return snapshot.request(quote.inputs["request"])


def requote(
    session: Session,
    quote: BasketQuote,
    *,
    today: date,
    now: datetime,
    accept_equivalents: Sequence[int] = (),
    deliver_by: date | None = None,
    baskets: dict[str, int] | None = None,
    total_baskets: int | None = None,
    fairness_bps: int | None = None,
    drop_lines: Sequence[str] = (),
    created_by_id: int | None = None,
    progress: Progress = no_progress,
) -> BasketQuote:
    """Quote again the request of ``quote`` with the fixes its shortfalls proposed:
    more accepted equivalents, another date, fewer baskets at some points (by
    destination key; 0 drops the point), ``total_baskets`` split over the points in
    proportion to the request, lines taken out of the basket (by key), or a fairness
    level picked from the trade-off. The template is the one stored in the quote.

    :raises InvalidInput: the changed request's problems.
    :raises BasketError: ``organisation_not_verified``, ``solver_failed``.
    """
    organisation = session.get(Organisation, quote.organisation_id)
    if organisation is None or not organisation.is_verified:
        raise BasketError("organisation_not_verified")
    request = request_of(quote)
    lines = quote.inputs["lines"]
    if drop_lines:
        kept = [line for line in lines if line["key"] not in set(drop_lines)]
        if not kept:
            raise InvalidInput([FieldProblem("template_id", "empty_template")])
        lines = kept
    if fairness_bps is not None:
        request = replace(request, fairness_bps=fairness_bps)
    known = {eq["id"]: eq for line in lines for eq in line["equivalents"]}
    if accept_equivalents:
        current = (
            set(request.accepted_equivalents)
            if request.accepted_equivalents is not None
            else {i for i, eq in known.items() if eq["accepted"]}
        )
        current |= {i for i in accept_equivalents if i in known}
        request = replace(request, accepted_equivalents=tuple(sorted(current)))
    if deliver_by is not None:
        request = replace(request, deliver_by=deliver_by)
    if baskets:
        changed = []
        for dest in request.destinations:
            key = destination_key(dest.province_code, dest.hub_name)
            count = baskets.get(key, dest.baskets)
            if count > 0:
                changed.append(replace(dest, baskets=count))
        request = replace(request, destinations=tuple(changed))
    if total_baskets is not None and request.destinations:
        if not 0 < total_baskets <= MAX_BASKETS:
            raise InvalidInput(
                [FieldProblem("destinations", "too_many_baskets", {"max": MAX_BASKETS})]
            )
        shares = split_by_ratio(total_baskets, [d.baskets for d in request.destinations])
        request = replace(
            request,
            destinations=tuple(
                replace(d, baskets=n)
                for d, n in zip(request.destinations, shares, strict=True)
                if n > 0
            ),
        )
    request = replace(request, created_by_id=created_by_id)
    problems = check_request(request, today=today)
    if problems:
        raise InvalidInput(problems)
    return _run(
        session, request, lines, quote.template_name, today=today, now=now, progress=progress
    )


# -- confirming -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Confirmed:
    """The quote became an order."""

    basket_order: BasketOrder


@dataclass(frozen=True)
class Requoted:
    """Stock, prices or cooperatives changed since the quote was made, and the plan with
    today's supply differs: nothing is ordered; ``quote`` is the new quote to review,
    stored (the caller commits it)."""

    quote: BasketQuote


def confirm_basket_order(
    session: Session,
    quote: BasketQuote,
    *,
    now: datetime,
    payment_method: PaymentMethod | str = PaymentMethod.BANK_TRANSFER,
    user: User | None = None,
    progress: Progress = no_progress,
) -> Confirmed | Requoted:
    """Turn an open quote into one order: one part per (cooperative, distribution
    point), stock reserved and capacity committed, packing waves and manifests
    written. Flushes.

    :raises BasketError: ``quote_not_open``, ``organisation_not_verified``,
        ``shortfall`` (apply a fix and quote again first), ``nothing_to_order``,
        ``not_rural`` (a cooperative of the plan is no longer rural).
    :return: :class:`Confirmed`, or :class:`Requoted` when supply moved and the plan
        changed (the new quote is stored, the old one superseded).
    :raises orders.errors.CheckoutError: the order's problems (contact details,
        payment method, a price that changed...).
    :raises catalog.errors.InsufficientStock: stock taken by someone else meanwhile;
        the caller rolls back.
    """
    if quote.status != QuoteStatus.OPEN:
        raise BasketError("quote_not_open", status=str(quote.status))
    organisation = session.get(Organisation, quote.organisation_id)
    if organisation is None or not organisation.is_verified:
        raise BasketError("organisation_not_verified")
    if quote.shortage_units > 0:
        raise BasketError("shortfall", units=quote.shortage_units)
    today = now.date()
    request = request_of(quote)
    lines = quote.inputs["lines"]
    accepted = None if request.accepted_equivalents is None else set(request.accepted_equivalents)
    progress("checking_supply", 5)
    supply = build_supply(session, kinds_of(lines, accepted))
    assignments = snapshot.assignments(quote.result)
    if supply.digest != quote.supply_digest or today != quote.planned_on:
        progress("solving", 10)
        started = time.perf_counter()
        problem = _problem(session, request, lines, supply, today=today)
        allocation = _allocate(problem)
        solve_ms = round((time.perf_counter() - started) * 1000)
        if allocation.shortfalls or tuple(allocation.assignments) != assignments:
            fresh = _store(
                session,
                replace(request, created_by_id=user.id if user else request.created_by_id),
                lines,
                quote.template_name,
                supply,
                problem,
                allocation,
                solve_ms,
                today,
                now,
                progress,
            )
            quote.status = QuoteStatus.SUPERSEDED
            quote.superseded_by_id = fresh.id
            session.flush()
            return Requoted(fresh)
    if not assignments:
        raise BasketError("nothing_to_order")
    _check_rural(session, {a.supplier_id for a in assignments})
    stats = quote.result["stats"]
    if 0 < stats.get("max_parts", 0) < stats.get("parts", 0):
        raise BasketError("too_many_parts", parts=stats["parts"], max=stats["max_parts"])
    destinations = {d.key: d for d in quote.destinations}
    progress("placing_order", 30)
    parts, part_assignments = _parts(
        assignments, destinations, snapshot.shipment_fees(quote.result)
    )
    order, lines_by_part = place_institutional_order(
        session,
        organisation,
        parts,
        customer=Customer(
            name=organisation.name,
            email=organisation.email or (user.email if user else ""),
            phone=organisation.phone or (user.phone if user else ""),
            language=user.language if user else "fr",
            user_id=user.id if user else None,
            organisation_id=organisation.id,
        ),
        address=Address(
            region_code=quote.destinations[0].region_code,
            province_code=quote.destinations[0].province_code,
            address=organisation.address or organisation.name,
        ),
        payment_method=payment_method,
        now=now,
        idempotency_key=f"basket-quote:{quote.id}",
    )
    basket_order = BasketOrder(
        organisation_id=organisation.id,
        quote_id=quote.id,
        order_id=order.id,
        confirmed_by_id=user.id if user else None,
        confirmed_at=now,
        baskets=quote.baskets,
    )
    session.add(basket_order)
    progress("recording_allocation", 70)
    session.flush()
    rows = [
        {
            "basket_order_id": basket_order.id,
            "destination_id": destinations[assignment.destination_key].id,
            "line_key": assignment.line_key,
            "order_line_id": order_line.id,
            "fulfilment_id": order_line.fulfilment_id,
            "cooperative_id": assignment.supplier_id,
            "product_id": order_line.product_id,
            "line_units": assignment.line_units,
            "product_units": assignment.product_units,
            "goods_minor": assignment.goods_minor,
            "shipping_minor": assignment.shipping_minor,
            "ship_by": assignment.ship_by,
        }
        for part_lines, group in zip(lines_by_part, part_assignments, strict=True)
        for order_line, assignment in zip(part_lines, group, strict=True)
    ]
    # tens of thousands of rows nationally: batched INSERTs, no object per row
    insert_rows(session, AllocationLine, rows)
    session.expire(basket_order, ["allocation"])
    progress("packing", 85)
    manifests.pack(session, basket_order)
    quote.status = QuoteStatus.CONFIRMED
    session.flush()
    return Confirmed(basket_order)


def _check_rural(session: Session, cooperative_ids: set[int]) -> None:
    rows = session.execute(
        select(Cooperative.id, Cooperative.rural).where(Cooperative.id.in_(cooperative_ids))
    ).all()
    found = {cid: rural for cid, rural in rows}
    bad = sorted(cid for cid in cooperative_ids if not found.get(cid, False))
    if bad:
        raise BasketError("not_rural", cooperative_ids=bad)


def _parts(
    assignments: Sequence[engine.Assignment],
    destinations: dict[str, QuoteDestination],
    fees: dict[tuple[int, str], int],
) -> tuple[list[PlannedPart], list[list[engine.Assignment]]]:
    """One part per (cooperative, distribution point), one line per assignment; a
    part's shipping is its lines' freight plus its shipment fee (minimum per shipment,
    fixed cost)."""
    groups: dict[tuple[int, str], list[engine.Assignment]] = defaultdict(list)
    for a in assignments:
        groups[(a.supplier_id, a.destination_key)].append(a)
    parts: list[PlannedPart] = []
    ordered: list[list[engine.Assignment]] = []
    for (supplier_id, dest_key), group in sorted(
        groups.items(), key=lambda kv: (destinations[kv[0][1]].position, kv[0][0])
    ):
        group.sort(key=lambda a: (a.line_key, a.offer_key))
        dates = [a.ship_by for a in group if a.ship_by is not None]
        parts.append(
            PlannedPart(
                cooperative_id=supplier_id,
                destination_region=destinations[dest_key].region_code,
                lines=tuple(
                    PlannedLine(
                        product_id=product_id_of(a.offer_key),
                        quantity=a.product_units,
                        unit_price_minor=a.goods_minor // a.product_units,
                    )
                    for a in group
                ),
                shipping_minor=sum(a.shipping_minor for a in group)
                + fees.get((supplier_id, dest_key), 0),
                ship_by=min(dates) if dates else None,
            )
        )
        ordered.append(group)
    return parts, ordered


# -- reading ---------------------------------------------------------------------------------
def quote_for(session: Session, organisation_id: int, quote_id: int) -> BasketQuote | None:
    """The organisation's quote, else None (show a 404)."""
    return session.scalar(
        select(BasketQuote).where(
            BasketQuote.id == quote_id, BasketQuote.organisation_id == organisation_id
        )
    )


def quotes_of(session: Session, organisation_id: int, *, limit: int = 20) -> list[BasketQuote]:
    """The organisation's latest quotes (figures only; inputs and results are not
    loaded)."""
    return list(
        session.scalars(
            select(BasketQuote)
            .where(BasketQuote.organisation_id == organisation_id)
            .options(defer(BasketQuote.inputs), defer(BasketQuote.result))
            .order_by(BasketQuote.id.desc())
            .limit(limit)
        )
    )


def order_for(session: Session, organisation_id: int, basket_order_id: int) -> BasketOrder | None:
    """The organisation's basket order, else None (show a 404)."""
    return session.scalar(
        select(BasketOrder).where(
            BasketOrder.id == basket_order_id, BasketOrder.organisation_id == organisation_id
        )
    )


def orders_of(session: Session, organisation_id: int, *, limit: int = 20) -> list[BasketOrder]:
    return list(
        session.scalars(
            select(BasketOrder)
            .where(BasketOrder.organisation_id == organisation_id)
            .options(selectinload(BasketOrder.order))
            .order_by(BasketOrder.id.desc())
            .limit(limit)
        )
    )


def previous_quote(session: Session, quote: BasketQuote) -> BasketQuote | None:
    """The quote this one follows (one query): the one it replaced at confirmation,
    else the organisation's latest earlier quote of the same basket (to say what
    moved)."""
    replaced = BasketQuote.superseded_by_id == quote.id
    same_basket = and_(
        BasketQuote.organisation_id == quote.organisation_id,
        BasketQuote.template_id == quote.template_id,
        BasketQuote.id < quote.id,
    )
    return session.scalar(
        select(BasketQuote)
        .where(or_(replaced, same_basket) if quote.template_id is not None else replaced)
        .order_by(case((replaced, 0), else_=1), BasketQuote.id.desc())
        .limit(1)
    )
