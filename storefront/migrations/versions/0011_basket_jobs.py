"""basket jobs: quotes and confirmations run in the background

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 23:45:00

"""
from alembic import op
import sqlalchemy as sa

import catalog.db


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('solidarity_baskets_job',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('stage', sa.String(length=40), nullable=False),
    sa.Column('percent', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('cancel_requested', sa.Boolean(), nullable=False),
    sa.Column('baskets', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('quote_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('basket_order_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('error_code', sa.String(length=60), nullable=False),
    sa.Column('error_data', sa.JSON(), nullable=False),
    sa.Column('created_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('started_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
    sa.CheckConstraint('percent BETWEEN 0 AND 100', name=op.f('ck_solidarity_baskets_job_percent_range')),
    sa.ForeignKeyConstraint(['basket_order_id'], ['solidarity_baskets_order.id'], name=op.f('fk_solidarity_baskets_job_basket_order_id_solidarity_baskets_order'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['created_by_id'], ['orders_user.id'], name=op.f('fk_solidarity_baskets_job_created_by_id_orders_user')),
    sa.ForeignKeyConstraint(['organisation_id'], ['orders_organisation.id'], name=op.f('fk_solidarity_baskets_job_organisation_id_orders_organisation')),
    sa.ForeignKeyConstraint(['quote_id'], ['solidarity_baskets_quote.id'], name=op.f('fk_solidarity_baskets_job_quote_id_solidarity_baskets_quote'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_solidarity_baskets_job'))
    )
    with op.batch_alter_table('solidarity_baskets_job', schema=None) as batch_op:
        batch_op.create_index('ix_solidarity_baskets_job_organisation', ['organisation_id', 'id'], unique=False)
        batch_op.create_index('ix_solidarity_baskets_job_status', ['status', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('solidarity_baskets_job', schema=None) as batch_op:
        batch_op.drop_index('ix_solidarity_baskets_job_status')
        batch_op.drop_index('ix_solidarity_baskets_job_organisation')
    op.drop_table('solidarity_baskets_job')
