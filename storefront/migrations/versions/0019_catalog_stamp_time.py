"""the catalog stamp records when it moved (the catalog pages' Last-Modified)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-05 02:40:00

"""
from alembic import op
import sqlalchemy as sa

import catalog.db

revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('catalog_stamp') as batch:
        batch.add_column(
            sa.Column('changed_at', catalog.db.UtcDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table('catalog_stamp') as batch:
        batch.drop_column('changed_at')
