import pytest
from sqlalchemy import select

from catalog import settings
from catalog.audit import Actor, AuditEntry
from catalog.errors import InvalidInput
from orders.models import ShippingTariff
from orders.operator import TariffChange, set_commission, update_tariff
from tests.conftest import NOW

OPERATOR = Actor(1, "operator@taawun.ma")


@pytest.fixture(autouse=True)
def _accounts(make) -> None:
    """The accounts of the actors above: the audit log refers to real users."""
    make.users(OPERATOR)


@pytest.fixture
def tariff(make, session):
    make.shipping()
    return session.scalar(select(ShippingTariff).where(ShippingTariff.delivery_option == "home"))


def change(tariff, **kw) -> TariffChange:
    values = {
        "active": tariff.active,
        "cod_fee_minor": tariff.cod_fee_minor,
        "extra_kg_minor": tariff.extra_kg_minor,
        "rates": {},
    }
    values.update(kw)
    return TariffChange(**values)


def test_a_tariff_change_is_applied_and_logged(session, tariff) -> None:
    band = next(r for r in tariff.rates if r.zone == "remote" and r.max_weight_g == 10_000)
    diff = update_tariff(
        session,
        tariff,
        change(tariff, cod_fee_minor=1_500, rates={band.id: 12_000}),
        actor=OPERATOR,
        now=NOW,
    )
    assert diff == {"cod_fee_minor": [1_000, 1_500], "remote:10000g": [10_000, 12_000]}
    assert band.price_minor == 12_000
    entry = session.scalar(select(AuditEntry))
    assert entry.action == "shipping.update" and entry.details["cod_fee_minor"] == [1_000, 1_500]
    assert update_tariff(session, tariff, change(tariff), actor=OPERATOR, now=NOW) == {}


def test_bad_tariff_changes_are_refused_whole(session, tariff) -> None:
    light = next(r for r in tariff.rates if r.zone == "same_region" and r.max_weight_g == 1_000)
    with pytest.raises(InvalidInput) as exc:
        update_tariff(
            session,
            tariff,
            change(
                tariff, cod_fee_minor=-1, extra_kg_minor=10**9, rates={light.id: 99_900, 999: 1}
            ),
            actor=OPERATOR,
            now=NOW,
        )
    assert {(p.field, p.code) for p in exc.value.problems} == {
        ("cod_fee", "out_of_range"),
        ("extra_kg", "out_of_range"),
        ("rate-999", "unknown_rate"),
    }
    with pytest.raises(InvalidInput) as exc:
        update_tariff(
            session, tariff, change(tariff, rates={light.id: 99_900}), actor=OPERATOR, now=NOW
        )
    assert [p.code for p in exc.value.problems] == ["band_cheaper_than_lighter"]
    assert light.price_minor == 2_500 and tariff.cod_fee_minor == 1_000


def test_the_commission_is_bounded_and_logged(session) -> None:
    assert set_commission(session, 1_200, actor=OPERATOR, now=NOW)
    assert settings.current(session).commission_bps == 1_200
    assert not set_commission(session, 1_200, actor=OPERATOR, now=NOW)
    with pytest.raises(InvalidInput):
        set_commission(session, 5_001, actor=OPERATOR, now=NOW)
    assert session.scalar(select(AuditEntry.details)) == {"commission_bps": [1_000, 1_200]}
