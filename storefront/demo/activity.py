"""Demo data for what people do with the rest of the demo, made through the same use cases
as the screens, so every page has something to show: the demo NGO's small SAC basket
order (quoted and confirmed as background jobs: packing waves, basket serials, the
cooperatives' purchase orders), an open quote and a national quote it cancelled; an operator's payout batch; a
cooperative's claim change waiting for review; a cooperative's CSV import waiting to be
applied. Idempotent: each is made only when none exists. Small on purpose: ``make run``
stays quick and the demo's basket supply stays almost whole."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog import claims, csv_io, regions, spreadsheet
from catalog.accounts.users import User
from catalog.audit import Actor
from catalog.models import Cooperative, ProductImport
from orders import ledger
from orders.errors import LedgerError
from orders.models import PayoutBatch
from solidarity_baskets import jobs, service
from solidarity_baskets.models import BasketJob, BasketOrder, BasketQuote, BasketTemplate
from solidarity_baskets.request import BasketRequest, DestinationRequest
from storefront import job_progress
from storefront.demo.baskets import NGO_EMAIL
from storefront.demo.orders import MEMBER_EMAILS, OPERATOR_EMAIL

#: the confirmed order: (province or prefecture, hub, baskets, address)
ORDERED = (
    ("06.141", "Hay Mohammadi", 30, "Maison des associations, Hay Mohammadi"),
    ("09.001", "Anza", 20, "Foyer féminin d'Anza"),
)
#: the open quote, for a drive in the Souss
QUOTED = (("09.001", "Inezgane", 40, "Centre social d'Inezgane"),)
#: the region of the national drive the NGO started and cancelled
RAMADAN_REGION = "06"
#: the cooperative whose profile change waits for review, and what it asks
CLAIMING = "ibdaat-rehamna"
#: the cooperative whose CSV import waits to be applied
IMPORTING = "ayadi-el-fath"


class DemoActivity(TypedDict):
    basket_orders: int
    quotes: int
    payout_batches: int
    claim_changes: int
    imports: int


def seed_activity(session: Session, *, now: datetime) -> DemoActivity:
    """Flushes only; returns how many of each record were made."""
    made: DemoActivity = {
        "basket_orders": 0,
        "quotes": 0,
        "payout_batches": 0,
        "claim_changes": 0,
        "imports": 0,
    }
    users = {
        u.email: u
        for u in session.scalars(
            select(User).where(User.email.in_([NGO_EMAIL, OPERATOR_EMAIL, *MEMBER_EMAILS.values()]))
        )
    }
    ngo = users.get(NGO_EMAIL)
    sac = session.scalar(select(BasketTemplate).where(BasketTemplate.slug == "sac-2020"))
    if ngo is not None and sac is not None and ngo.organisation_id is not None:
        made["basket_orders"], made["quotes"] = _baskets(session, ngo, sac, now=now)
    operator = users.get(OPERATOR_EMAIL)
    if session.scalar(select(PayoutBatch.id).limit(1)) is None and operator is not None:
        try:
            ledger.create_payout_batch(session, now=now, created_by_id=operator.id)
            made["payout_batches"] = 1
        except LedgerError:
            pass  # nobody is owed anything yet
    coops = {
        c.slug: c
        for c in session.scalars(
            select(Cooperative).where(Cooperative.slug.in_([CLAIMING, IMPORTING]))
        )
    }
    claiming, member = coops.get(CLAIMING), users.get(MEMBER_EMAILS[CLAIMING])
    if claiming is not None and member is not None and claims.pending(session, claiming.id) is None:
        claims.propose(
            session,
            claiming,
            {"members": claiming.members + 6, "women_members": claiming.women_members + 6},
            evidence="Procès-verbal de l'assemblée générale : six nouvelles adhérentes.",
            actor=Actor(member.id, member.email),
            now=now - timedelta(hours=5),
        )
        made["claim_changes"] = 1
    importing, member = coops.get(IMPORTING), users.get(MEMBER_EMAILS[IMPORTING])
    if (
        importing is not None
        and member is not None
        and session.scalar(
            select(ProductImport.id).where(ProductImport.cooperative_id == importing.id)
        )
        is None
    ):
        csv_io.start_import(
            session,
            importing,
            f"produits-{importing.slug}.csv",
            _restocked(session, importing),
            actor=Actor(member.id, member.email),
            now=now - timedelta(hours=2),
        )
        made["imports"] = 1
    session.flush()
    return made


def _baskets(session: Session, ngo: User, sac: BasketTemplate, *, now: datetime) -> tuple[int, int]:
    """The NGO's confirmed order and its open quote, unless it has an order already."""
    organisation_id = ngo.organisation_id
    assert organisation_id is not None
    if session.scalar(
        select(BasketOrder.id).where(BasketOrder.organisation_id == organisation_id).limit(1)
    ):
        return 0, 0

    def request(points: tuple[tuple[str, str, int, str], ...], weeks: int) -> BasketRequest:
        return BasketRequest(
            organisation_id=organisation_id,
            template_id=sac.id,
            destinations=tuple(
                DestinationRequest(
                    province, baskets, hub_name=hub, address=address, contact="+212 522 33 44 55"
                )
                for province, hub, baskets, address in points
            ),
            deliver_by=now.date() + timedelta(weeks=weeks),
            family_size=5,
            created_by_id=ngo.id,
        )

    # as the pages do for a large order: a quote job, then a confirmation job
    quoting = jobs.submit_quote(session, request(ORDERED, 3), created_by_id=ngo.id, now=now)
    _run(session, quoting, now=now)
    quote = session.get(BasketQuote, quoting.quote_id)
    if quote is None or quote.shortage_units:
        return 0, 1  # the demo's supply was used up: the quote shows what is short
    confirming = jobs.submit_confirm(
        session, quote, payment_method="bank_transfer", created_by_id=ngo.id, now=now
    )
    _run(session, confirming, now=now)
    service.quote_baskets(session, request(QUOTED, 4), today=now.date(), now=now)
    # a national drive over a region, started and then cancelled while it waited
    ramadan = session.scalar(
        select(BasketTemplate).where(BasketTemplate.slug == "ramadan-national")
    )
    if ramadan is not None:
        started = now - timedelta(days=1)
        national = BasketRequest(
            organisation_id=organisation_id,
            template_id=ramadan.id,
            destinations=tuple(
                DestinationRequest(p.code, 2000) for p in regions.provinces_of(RAMADAN_REGION)
            ),
            deliver_by=now.date() + timedelta(weeks=8),
            family_size=5,
            created_by_id=ngo.id,
        )
        job = jobs.submit_quote(session, national, created_by_id=ngo.id, now=started)
        store = job_progress.store(session.get_bind().engine)
        jobs.cancel(session, job, now=started + timedelta(minutes=2), store=store)
    return (1 if confirming.basket_order_id else 0), 2


def _run(session: Session, job: BasketJob, *, now: datetime) -> None:
    """What the job runner does with a queued job (without its own transaction)."""
    jobs.claim(session, job.id, now=now)
    session.refresh(job)
    jobs.perform(session, job, now=now)


def _restocked(session: Session, coop: Cooperative) -> str:
    """The cooperative's own export with every stock raised by ten and its first price
    raised by 5 DH: an import whose dry run lists changes."""
    rows = csv_io.export_rows(session, coop)
    on_hand = csv_io.COLUMNS.index("on_hand")
    price = csv_io.COLUMNS.index("price")
    for position, row in enumerate(rows):
        row[on_hand] = str(int(row[on_hand]) + 10)
        if position == 0:
            mad, cents = row[price].split(",")
            row[price] = f"{int(mad) + 5},{cents}"
    return spreadsheet.write_csv(csv_io.COLUMNS, rows, delimiter=";")
