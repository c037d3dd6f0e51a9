"""catalog: recurring upkeep run by the job workers, once per period across hosts

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 04:20:00

Expiring reservations and certificates, sending the outbox, the organisations' daily
digests and card payouts were left to a cron on some host. The job workers now run
them: each task's next time is a row, moved on by the one worker whose conditional
UPDATE wins.
"""
import sqlalchemy as sa
from alembic import op

import catalog.db  # noqa: F401  (custom column types)


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'catalog_scheduled_run',
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('due_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column('started_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('finished_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
        sa.Column('outcome', sa.String(length=300), nullable=False),
        sa.Column('failed', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_catalog_scheduled_run')),
    )


def downgrade():
    op.drop_table('catalog_scheduled_run')
