"""units of a line taken off before its parcel left

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-05 02:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0018'
down_revision = '0017'
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
        batch.add_column(sa.Column('removed_quantity', _INT, nullable=False, server_default='0'))
    with op.batch_alter_table('orders_order_line') as batch:
        batch.alter_column('removed_quantity', server_default=None)
        _constraints(
            batch,
            f'{_SPLIT} + removed_quantity = quantity',
            f'{_RANGE} AND removed_quantity BETWEEN 0 AND refunded_quantity',
        )


def downgrade():
    # the units taken off count again as the shelf's, as before the column existed
    op.execute(
        'UPDATE orders_order_line SET qty_from_stock = qty_from_stock + removed_quantity'
    )
    with op.batch_alter_table('orders_order_line') as batch:
        _constraints(batch, f'{_SPLIT} = quantity', _RANGE)
        batch.drop_column('removed_quantity')
