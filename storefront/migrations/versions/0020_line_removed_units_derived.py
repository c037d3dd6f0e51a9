"""units taken off a line are what its split no longer counts: no column of their own

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05 06:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
_SPLIT = 'qty_from_stock >= 0 AND qty_made_to_order >= 0 AND qty_from_stock + qty_made_to_order'
_RANGE = (
    'refunded_quantity BETWEEN 0 AND quantity AND refunded_minor >= 0 '
    'AND refunded_commission_minor >= 0'
)


def _constraints(batch, split, refund_range):
    batch.drop_constraint(op.f('ck_orders_order_line_quantity_split'), type_='check')
    batch.drop_constraint(op.f('ck_orders_order_line_refund_range'), type_='check')
    batch.create_check_constraint('quantity_split', split)
    batch.create_check_constraint('refund_range', refund_range)


def upgrade():
    with op.batch_alter_table('orders_order_line') as batch:
        _constraints(
            batch, f'{_SPLIT} BETWEEN quantity - refunded_quantity AND quantity', _RANGE
        )
        batch.drop_column('removed_quantity')


def downgrade():
    with op.batch_alter_table('orders_order_line') as batch:
        batch.add_column(sa.Column('removed_quantity', _INT, nullable=False, server_default='0'))
    op.execute(
        'UPDATE orders_order_line '
        'SET removed_quantity = quantity - qty_from_stock - qty_made_to_order'
    )
    with op.batch_alter_table('orders_order_line') as batch:
        batch.alter_column('removed_quantity', server_default=None)
        _constraints(
            batch,
            f'{_SPLIT} + removed_quantity = quantity',
            f'{_RANGE} AND removed_quantity BETWEEN 0 AND refunded_quantity',
        )
