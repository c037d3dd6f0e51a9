"""units of an order line refunded on their own

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 23:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_COLUMNS = ('refunded_quantity', 'refunded_minor', 'refunded_commission_minor')


def upgrade():
    with op.batch_alter_table('orders_order_line') as batch:
        for name in _COLUMNS:
            batch.add_column(sa.Column(name, _INT, nullable=False, server_default='0'))
        batch.create_check_constraint(
            'refund_range',
            'refunded_quantity BETWEEN 0 AND quantity AND refunded_minor >= 0 '
            'AND refunded_commission_minor >= 0',
        )
    with op.batch_alter_table('orders_order_line') as batch:
        for name in _COLUMNS:
            batch.alter_column(name, server_default=None)


def downgrade():
    with op.batch_alter_table('orders_order_line') as batch:
        batch.drop_constraint(op.f('ck_orders_order_line_refund_range'), type_='check')
        for name in reversed(_COLUMNS):
            batch.drop_column(name)
