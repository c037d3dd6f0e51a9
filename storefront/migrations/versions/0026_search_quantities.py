"""search: a product's net quantity in its full-text entry

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 07:40:00

"miel 500g" found a honey only if its title said 500 g: the net quantity (and its kg,
cl and l forms) is now part of every product's document; each is recomputed.
"""
from alembic import op

import catalog.db  # noqa: F401  (custom column types)


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    from catalog.text import rebuild_search_texts

    rebuild_search_texts(op.get_bind())


def downgrade():
    """The documents keep their quantities: the search finds a little more, nothing less."""
