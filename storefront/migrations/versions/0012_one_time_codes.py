"""one-time codes sent by text message, and the cash-on-delivery amount above which
an order waits for one

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 23:30:00

"""
from alembic import op
import sqlalchemy as sa

import catalog.db


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'catalog_one_time_code',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('purpose', sa.String(length=10), nullable=False),
        sa.Column('phone', sa.String(length=20), nullable=False),
        sa.Column('subject', sa.String(length=64), nullable=False),
        sa.Column('salt', sa.String(length=32), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('tries', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('created_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('used_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_one_time_code')),
    )
    op.create_index(
        'ix_catalog_one_time_code_phone',
        'catalog_one_time_code',
        ['phone', 'purpose', 'created_at'],
        unique=False,
    )
    with op.batch_alter_table('orders_marketplace_settings', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'cod_code_above_minor',
                sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                server_default='100000',
                nullable=False,
            )
        )
        batch_op.create_check_constraint(
            op.f('ck_orders_marketplace_settings_cod_code_above_min'), 'cod_code_above_minor >= 0'
        )


def downgrade():
    with op.batch_alter_table('orders_marketplace_settings', schema=None) as batch_op:
        batch_op.drop_constraint(
            op.f('ck_orders_marketplace_settings_cod_code_above_min'), type_='check'
        )
        batch_op.drop_column('cod_code_above_minor')
    op.drop_index('ix_catalog_one_time_code_phone', table_name='catalog_one_time_code')
    op.drop_table('catalog_one_time_code')
