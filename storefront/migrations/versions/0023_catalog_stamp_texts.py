"""catalog: the catalog stamp counts changes of the products' searchable texts

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-05 14:00:00

Each worker keeps what every search word matches. The catalog stamp moves with any
change a catalog page shows, a product selling out included: dropping the kept words
each time made searches read them again, seconds of PostgreSQL's time after every sale.
``texts`` moves only when the searchable texts change, or products come or go.
"""
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

#: the models' integers (BigInteger, INTEGER on SQLite for its row ids)
_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("catalog_stamp") as batch:
        batch.add_column(sa.Column("texts", _INT, nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("catalog_stamp") as batch:
        batch.drop_column("texts")
