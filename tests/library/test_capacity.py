from datetime import timedelta

from catalog.capacity import capacity_plans
from catalog.models import CapacityCommitment
from tests.conftest import TODAY  # a Monday


def commit(session, product, quantity, due, reference=""):
    session.add(
        CapacityCommitment(
            product_id=product.id, quantity=quantity, due_on=due, reference=reference
        )
    )
    session.flush()


def test_commitments_are_laid_out_against_daily_capacity(make, session) -> None:
    coop = make.cooperative()
    masks = make.product(coop, made_to_order=True, units_per_day=100, on_hand=0)
    commit(session, masks, 250, TODAY + timedelta(days=3), "TW-1")  # Thursday: 3 days = 300
    commit(session, masks, 100, TODAY + timedelta(days=3), "TW-2")  # 350 due > 300
    commit(session, masks, 50, TODAY + timedelta(days=5), "TW-3")  # Saturday: 500 >= 400
    [plan] = capacity_plans(session, coop.id, today=TODAY)
    assert plan.committed == 400 and plan.overdue == 0 and plan.working_days_needed == 4
    thursday, saturday = plan.days
    assert (thursday.due, thursday.cumulative, thursday.can_make) == (350, 350, 400)
    assert thursday.references == ("TW-1", "TW-2") and thursday.on_track
    assert (saturday.cumulative, saturday.can_make, saturday.on_track) == (400, 600, True)
    assert not plan.at_risk


def test_too_much_too_soon_or_overdue_is_at_risk(make, session) -> None:
    coop = make.cooperative()
    rugs = make.product(coop, made_to_order=True, units_per_day=2, lead_days=2, on_hand=0)
    commit(session, rugs, 5, TODAY + timedelta(days=3))
    [plan] = capacity_plans(session, coop.id, today=TODAY)
    assert plan.days[0].can_make == 4 and plan.at_risk
    commit(session, rugs, 1, TODAY - timedelta(days=1))
    [plan] = capacity_plans(session, coop.id, today=TODAY)
    assert plan.overdue == 1


def test_fulfilled_commitments_and_other_cooperatives_are_left_out(make, session) -> None:
    coop = make.cooperative()
    masks = make.product(coop, made_to_order=True, units_per_day=10)
    session.add(CapacityCommitment(product_id=masks.id, quantity=5, due_on=TODAY, fulfilled=True))
    other = make.product(made_to_order=True, units_per_day=10)
    commit(session, other, 5, TODAY)
    make.product(coop)  # stocked, nothing promised: not a production line
    [plan] = capacity_plans(session, coop.id, today=TODAY)
    assert plan.product is masks and plan.committed == 0 and plan.days == []
