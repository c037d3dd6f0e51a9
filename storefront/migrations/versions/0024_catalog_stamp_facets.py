"""catalog: the catalog stamp counts changes of what the facet counts count

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-05 16:20:00

Each worker keeps the facet counts and every product's cell (its category, region,
price band, labels), rebuilt from the whole catalog: seconds of CPU at national scale.
The catalog stamp moves with any change a catalog page shows, a sale that leaves
"only 4 left" included, and every worker of every host rebuilt them each time.
``facets`` moves only when what the counts count changes.
"""
import sqlalchemy as sa
from alembic import op


revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

#: the models' integers (BigInteger, INTEGER on SQLite for its row ids)
_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade():
    with op.batch_alter_table("catalog_stamp") as batch:
        batch.add_column(sa.Column("facets", _INT, nullable=False, server_default="0"))


def downgrade():
    with op.batch_alter_table("catalog_stamp") as batch:
        batch.drop_column("facets")
