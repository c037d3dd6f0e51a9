"""basket freight tariffs and sourcing rules

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 20:40:00

"""
from alembic import op
import sqlalchemy as sa

import catalog.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('solidarity_baskets_freight_rate',
    sa.Column('zone', sa.String(length=20), nullable=False),
    sa.Column('per_kg_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('per_kg_100km_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('min_shipment_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('transit_days', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('per_kg_minor >= 0 AND per_kg_100km_minor >= 0 AND min_shipment_minor >= 0', name=op.f('ck_solidarity_baskets_freight_rate_freight_not_negative')),
    sa.CheckConstraint('transit_days BETWEEN 0 AND 30', name=op.f('ck_solidarity_baskets_freight_rate_transit_days_range')),
    sa.PrimaryKeyConstraint('zone', name=op.f('pk_solidarity_baskets_freight_rate'))
    )
    op.create_table('solidarity_baskets_sourcing_settings',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('min_part_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('shipment_fee_minor', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('max_parts', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('updated_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
    sa.CheckConstraint('min_part_minor >= 0 AND shipment_fee_minor >= 0 AND max_parts >= 1', name=op.f('ck_solidarity_baskets_sourcing_settings_sourcing_range')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_solidarity_baskets_sourcing_settings'))
    )


def downgrade():
    op.drop_table('solidarity_baskets_sourcing_settings')
    op.drop_table('solidarity_baskets_freight_rate')
