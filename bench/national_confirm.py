"""The national basket order through the service layer and through the web and its
job: ``python bench/baskets.py national-confirm --baskets 300000``.

A fresh database (SQLite file in ``bench/data/`` or ``--database-url``) gets the demo
categories, a verified NGO and :func:`storefront.demo.national.seed_national`'s supply
(``--cooperatives``, default one per 10 baskets); then the ``ramadan-national`` basket
is quoted for every province and prefecture (split by households) and the quote
confirmed. ``--path service`` calls :func:`service.quote_baskets` and
:func:`service.confirm_basket_order` directly; ``--path web`` posts the order form and
the confirm button with Flask's test client and runs the two jobs they queue with the
embedded worker (:func:`storefront.jobs.run_queued`). Wall time, SQL statements and the
process's CPU time (the machine's 2 cores are shared: wall time grows with their load),
and its peak memory (ru_maxrss) are printed per step.
"""

from __future__ import annotations

import cProfile
import pstats
import resource
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, select, text
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "bench" / "data"


def _fresh(url: str) -> Engine:
    from catalog.db import configure_sqlite, import_models
    from catalog.models import create_all

    import_models()
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    configure_sqlite(engine)
    if not url.startswith("sqlite"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    create_all(engine)
    return engine


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


@contextmanager
def _step(engine: Engine, name: str, out: dict[str, Any], profile: bool) -> Iterator[None]:
    count = [0]

    def before(*_args: Any) -> None:
        count[0] += 1

    # every engine: the web path's app has its own
    event.listen(Engine, "before_cursor_execute", before)
    prof = cProfile.Profile() if profile else None
    started, cpu = time.perf_counter(), time.process_time()
    if prof:
        prof.enable()
    try:
        yield
    finally:
        if prof:
            prof.disable()
        out[name] = {
            "seconds": round(time.perf_counter() - started, 2),
            "cpu_seconds": round(time.process_time() - cpu, 2),
            "statements": count[0],
            "peak_rss_mb": _peak_mb(),
        }
        event.remove(Engine, "before_cursor_execute", before)
        if prof:
            stats = pstats.Stats(prof)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(30)


def _seed(engine: Engine, baskets: int, cooperatives: int, now: Any) -> int:
    from catalog.accounts.users import Organisation, OrganisationStatus, Role, User
    from storefront.demo.national import seed_national
    from storefront.demo.seed import _categories

    with Session(engine) as session:
        _categories(session)
        org = Organisation(
            name="Association nationale",
            kind="ngo",
            region_code="04",
            address="1 avenue Mohammed V, Rabat",
            phone="+212537000000",
            email="contact@national.example.ma",
            status=OrganisationStatus.VERIFIED,
            created_at=now,
            verified_at=now,
        )
        session.add(org)
        session.flush()
        user = User(
            email="national@example.ma",
            name="Responsable",
            role=Role.ORGANISATION,
            organisation_id=org.id,
        )
        user.set_password("national-bench-2026")
        session.add(user)
        seed_national(
            session, baskets=baskets, cooperatives=cooperatives, today=now.date(), now=now
        )
        session.commit()
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        return org.id


def _request(session: Session, org_id: int, baskets: int, today: Any) -> Any:
    from solidarity_baskets.models import BasketTemplate
    from solidarity_baskets.request import BasketRequest
    from solidarity_baskets.service import split_by_households

    template_id = session.scalar(
        select(BasketTemplate.id).where(BasketTemplate.slug == "ramadan-national")
    )
    return BasketRequest(
        organisation_id=org_id,
        template_id=int(template_id or 0),
        destinations=split_by_households(baskets),
        deliver_by=today + timedelta(days=28),
        family_size=5,
        max_share_bps=500,
    )


def _service(engine: Engine, org_id: int, baskets: int, now: Any, profile: bool) -> dict[str, Any]:
    from catalog.accounts.users import User
    from solidarity_baskets.service import Confirmed, confirm_basket_order, quote_baskets

    out: dict[str, Any] = {}
    with Session(engine, expire_on_commit=False) as session:
        request = _request(session, org_id, baskets, now.date())
        with _step(engine, "quote", out, profile):
            quote = quote_baskets(session, request, today=now.date(), now=now)
            session.commit()
        out["quote"].update(_figures(quote))
        user = session.scalar(select(User).where(User.organisation_id == org_id))
        with _step(engine, "confirm", out, profile):
            result = confirm_basket_order(session, quote, now=now, user=user)
            session.commit()
        assert isinstance(result, Confirmed), result
        out["confirm"].update(_written(session, result.basket_order.id))
    return out


def _figures(quote: Any) -> dict[str, Any]:
    stats = quote.result["stats"]
    return {
        "baskets": quote.baskets,
        "points": len(quote.destinations),
        "shortage_units": quote.shortage_units,
        "cooperatives_paid": quote.suppliers_paid,
        "parts": stats.get("parts"),
        "max_parts": stats.get("max_parts"),
        "solve_ms": quote.solve_ms,
        "total_mad": quote.total_minor / 100,
    }


def _written(session: Session, basket_order_id: int) -> dict[str, int]:
    from orders.models import Fulfilment, OrderLine
    from solidarity_baskets.models import AllocationLine, BasketOrder, ManifestLine, PackingWave

    order_id = session.scalar(select(BasketOrder.order_id).where(BasketOrder.id == basket_order_id))

    def count(stmt: Any) -> int:
        return int(session.scalar(stmt) or 0)

    return {
        "parts": count(select(func.count(Fulfilment.id)).where(Fulfilment.order_id == order_id)),
        "order_lines": count(
            select(func.count(OrderLine.id)).where(OrderLine.order_id == order_id)
        ),
        "allocation_lines": count(
            select(func.count(AllocationLine.id)).where(
                AllocationLine.basket_order_id == basket_order_id
            )
        ),
        "waves": count(
            select(func.count(PackingWave.id)).where(PackingWave.basket_order_id == basket_order_id)
        ),
        "manifest_lines": count(select(func.count(ManifestLine.id))),
    }


def _web(
    engine: Engine, url: str, org_id: int, baskets: int, now: Any, profile: bool
) -> dict[str, Any]:
    from solidarity_baskets.models import BasketJob, BasketQuote
    from storefront import create_app
    from storefront import jobs as runner

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench-national-confirm-secret-key-0123456789",
            "WTF_CSRF_ENABLED": False,
            "UPLOAD_FOLDER": str(DATA / "uploads"),
            "JOBS_RUNNER": "worker",
            "BASKET_JOB_MIN_BASKETS": 1,
        }
    )
    client = app.test_client()
    out: dict[str, Any] = {}
    with Session(engine) as session:
        request = _request(session, org_id, baskets, now.date())
    form: dict[str, str] = {
        "template_id": str(request.template_id),
        "deliver_by": request.deliver_by.isoformat(),
        "family_size": "5",
        "max_share": "5",
        "women_led_preference": "y",
    }
    for i, dest in enumerate(request.destinations):
        form[f"destinations-{i}-province_code"] = dest.province_code
        form[f"destinations-{i}-baskets"] = str(dest.baskets)
        form[f"destinations-{i}-hub_name"] = ""
    logged = client.post(
        "/account/login", data={"email": "national@example.ma", "password": "national-bench-2026"}
    )
    assert logged.status_code == 302, logged.status_code
    with _step(engine, "quote_request", out, False):
        sent = client.post(f"/ngo/orders/new?rows={len(request.destinations)}", data=form)
    assert sent.status_code == 302 and "/ngo/jobs/" in sent.headers["Location"], sent.status_code
    with app.app_context(), _step(engine, "quote_job", out, profile):
        runner.run_queued()
    with Session(engine) as session:
        job = session.scalar(select(BasketJob).order_by(BasketJob.id.desc()))
        assert job is not None and job.quote_id is not None, job and job.error_code
        quote = session.get(BasketQuote, job.quote_id)
        out["quote_job"].update(_figures(quote))
        quote_id = job.quote_id
    with _step(engine, "confirm_request", out, False):
        sent = client.post(
            f"/ngo/quotes/{quote_id}/confirm", data={"payment_method": "bank_transfer"}
        )
    assert sent.status_code == 302 and "/ngo/jobs/" in sent.headers["Location"]
    with app.app_context(), _step(engine, "confirm_job", out, profile):
        runner.run_queued()
    with Session(engine) as session:
        job = session.scalar(select(BasketJob).order_by(BasketJob.id.desc()))
        assert job is not None and job.basket_order_id is not None, job and job.error_code
        out["confirm_job"].update(_written(session, job.basket_order_id))
    with _step(engine, "order_page", out, False):
        page = client.get(f"/ngo/orders/{job.basket_order_id}")
    assert page.status_code == 200
    return out


def national_confirm(
    *, baskets: int, cooperatives: int | None, url: str | None, path: str, profile: bool
) -> dict[str, Any]:
    from catalog.db import utcnow

    url = url or f"sqlite:///{DATA / 'national_confirm.db'}"
    now = utcnow()
    engine = _fresh(url)
    coops = cooperatives or max(1_000, baskets // 10)
    started = time.perf_counter()
    org_id = _seed(engine, baskets, coops, now)
    out: dict[str, Any] = {
        "database": engine.dialect.name,
        "baskets": baskets,
        "cooperatives": coops,
        "path": path,
        "seed_seconds": round(time.perf_counter() - started, 1),
    }
    if path == "web":
        out.update(_web(engine, url, org_id, baskets, now, profile))
    else:
        out.update(_service(engine, org_id, baskets, now, profile))
    engine.dispose()
    return out
