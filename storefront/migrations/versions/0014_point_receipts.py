"""organisations confirm receipt per distribution point

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 23:30:00

"""
from alembic import op
import sqlalchemy as sa

import catalog.db  # noqa: F401  (custom column types)

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'solidarity_baskets_receipt',
        sa.Column('id', _INT, nullable=False),
        sa.Column('basket_order_id', _INT, nullable=False),
        sa.Column('destination_id', _INT, nullable=False),
        sa.Column('baskets_received', _INT, nullable=False),
        sa.Column('problems', sa.JSON(), nullable=False),
        sa.Column('note', sa.Text(), nullable=False),
        sa.Column('confirmed_by_id', _INT, nullable=True),
        sa.Column('confirmed_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
        sa.CheckConstraint('baskets_received >= 0', name=op.f('ck_solidarity_baskets_receipt_received_not_negative')),
        sa.ForeignKeyConstraint(['basket_order_id'], ['solidarity_baskets_order.id']),
        sa.ForeignKeyConstraint(['destination_id'], ['solidarity_baskets_destination.id']),
        sa.ForeignKeyConstraint(['confirmed_by_id'], ['orders_user.id']),
        sa.PrimaryKeyConstraint('id', name='pk_solidarity_baskets_receipt'),
        sa.UniqueConstraint('basket_order_id', 'destination_id', name='uq_solidarity_baskets_receipt_point'),
    )
    op.create_index(
        'ix_solidarity_baskets_receipt_basket_order_id',
        'solidarity_baskets_receipt',
        ['basket_order_id'],
    )


def downgrade():
    op.drop_index('ix_solidarity_baskets_receipt_basket_order_id', 'solidarity_baskets_receipt')
    op.drop_table('solidarity_baskets_receipt')
