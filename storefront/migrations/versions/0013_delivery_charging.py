"""delivery charging: free delivery from an amount, per parcel or one capped fee, and
the part of a parcel's delivery the marketplace pays

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 00:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table('orders_marketplace_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('free_delivery_from_minor', _INT, server_default='0', nullable=False))
        batch_op.add_column(sa.Column('delivery_charging', sa.String(length=20), server_default='per_parcel', nullable=False))
        batch_op.add_column(sa.Column('delivery_cap_minor', _INT, server_default='4500', nullable=False))
        batch_op.create_check_constraint(op.f('ck_orders_marketplace_settings_delivery_not_negative'), 'free_delivery_from_minor >= 0 AND delivery_cap_minor >= 0')
        batch_op.create_check_constraint(op.f('ck_orders_marketplace_settings_delivery_charging_known'), "delivery_charging IN ('per_parcel', 'capped')")
    with op.batch_alter_table('orders_fulfilment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivery_subsidy_minor', _INT, server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('orders_fulfilment', schema=None) as batch_op:
        batch_op.drop_column('delivery_subsidy_minor')
    with op.batch_alter_table('orders_marketplace_settings', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_orders_marketplace_settings_delivery_charging_known'), type_='check')
        batch_op.drop_constraint(op.f('ck_orders_marketplace_settings_delivery_not_negative'), type_='check')
        batch_op.drop_column('delivery_cap_minor')
        batch_op.drop_column('delivery_charging')
        batch_op.drop_column('free_delivery_from_minor')
