"""distribution points keep their address, contact and delivery window

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 21:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('solidarity_baskets_destination') as batch:
        for name in ('address', 'contact', 'window'):
            batch.add_column(sa.Column(name, sa.String(length=80), nullable=False, server_default=''))


def downgrade():
    with op.batch_alter_table('solidarity_baskets_destination') as batch:
        for name in ('window', 'contact', 'address'):
            batch.drop_column(name)
