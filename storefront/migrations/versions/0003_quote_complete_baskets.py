"""quotes keep their complete baskets and fairness level

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 20:40:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade():
    with op.batch_alter_table('solidarity_baskets_quote') as batch:
        batch.add_column(sa.Column('baskets_complete', _INT, nullable=False, server_default='0'))
        batch.add_column(sa.Column('fairness_bps', _INT, nullable=True))
    op.execute('UPDATE solidarity_baskets_quote SET baskets_complete = baskets WHERE shortage_units = 0')


def downgrade():
    with op.batch_alter_table('solidarity_baskets_quote') as batch:
        batch.drop_column('fairness_bps')
        batch.drop_column('baskets_complete')
