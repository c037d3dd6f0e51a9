from datetime import timedelta

from sqlalchemy import select, update

from catalog.models import CertificateStatus
from catalog.notifications import OutboxMessage
from catalog.rules import refresh_products
from tests.conftest import TODAY
from tests.storefront.backoffice import member


def test_expire_certificates_stops_listings_and_tells_the_cooperative(
    runner, session, make
) -> None:
    coop = make.cooperative()
    member(session, coop, email="fatima@example.ma", language="ar")
    masks = make.category("masques", required_kinds=["imanor_mask"])
    product = make.product(coop, masks, title_fr="Masque", title_ar="كمامة")
    lapsing = make.certificate(coop, "imanor_mask", number="IM-1", expires_on=TODAY)
    soon = make.certificate(coop, "onssa", number="ON-1", expires_on=TODAY + timedelta(days=20))
    refresh_products(session, TODAY)
    session.commit()
    assert product.sellable

    day_after = (TODAY + timedelta(days=1)).isoformat()
    result = runner.invoke(args=["catalog", "expire-certificates", "--today", day_after])
    assert result.exit_code == 0, result.output
    assert "1 certificate(s) expired, 1 listing(s) stopped, 1 reminder(s)" in result.output
    session.expire_all()
    assert lapsing.status == CertificateStatus.EXPIRED and not product.sellable
    assert soon.reminded_at is not None
    mails = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert [m.topic.rsplit(":", 1)[1] for m in mails] == [
        "certificate_expired",
        "certificate_reminder",
    ]
    assert (
        mails[0].language == "ar" and "كمامة" in mails[0].body_text and "IM-1" in mails[0].body_text
    )
    assert "ON-1" in mails[1].body_text

    again = runner.invoke(args=["catalog", "expire-certificates", "--today", day_after])
    assert "0 certificate(s) expired, 0 listing(s) stopped, 0 reminder(s)" in again.output


def test_a_bad_date_is_refused_by_the_command(runner) -> None:
    result = runner.invoke(args=["catalog", "expire-certificates", "--today", "yesterday"])
    assert result.exit_code == 2 and "Invalid value" in result.output


def test_the_search_index_is_rebuilt_by_hand(runner, session, make) -> None:
    from catalog.models import Product
    from catalog.rules import refresh_products

    coop = make.cooperative()
    honey = make.product(coop, title_fr="Miel de thym", unit="g", net_quantity=500)
    refresh_products(session, make.today)
    session.commit()
    saved = honey.search_document
    session.execute(update(Product).values(search_document="", search_stems=""))
    session.commit()
    result = runner.invoke(args=["catalog", "rebuild-search"])
    assert result.exit_code == 0 and "1 product(s) indexed again." in result.output
    session.expire_all()
    assert session.get(Product, honey.id).search_document == saved and "500 g" in saved
