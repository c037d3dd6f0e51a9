"""a verified cooperative's changes to its claims wait for an operator

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 00:05:00

"""
from alembic import op
import sqlalchemy as sa

import catalog.db  # noqa: F401  (custom column types)

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'catalog_claim_change',
        sa.Column('id', _INT, nullable=False),
        sa.Column('cooperative_id', _INT, nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('proposed', sa.JSON(), nullable=False),
        sa.Column('previous', sa.JSON(), nullable=False),
        sa.Column('evidence', sa.Text(), nullable=False),
        sa.Column('created_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', _INT, nullable=True),
        sa.Column('reviewed_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('reviewed_by_id', _INT, nullable=True),
        sa.Column('review_note', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['cooperative_id'], ['catalog_cooperative.id']),
        sa.ForeignKeyConstraint(['created_by_id'], ['orders_user.id']),
        sa.ForeignKeyConstraint(['reviewed_by_id'], ['orders_user.id']),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_claim_change')),
    )
    op.create_index(
        'ix_catalog_claim_change_cooperative_id', 'catalog_claim_change', ['cooperative_id']
    )


def downgrade():
    op.drop_index('ix_catalog_claim_change_cooperative_id', 'catalog_claim_change')
    op.drop_table('catalog_claim_change')
