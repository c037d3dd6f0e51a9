"""search: an unweighted full-text index on each of the two texts (PostgreSQL)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 10:20:00

Matching every product a search word finds (its facet counts, a page ranked by
relevance) through the weighted ``search_vector`` index re-read each match's vector to
check its weights. One GIN index on ``to_tsvector('simple', search_document)`` and one
on ``search_stems`` answer the same match, each word against its own column's index,
without that re-reading. The weighted index stays: pages in another order than
relevance, and one cooperative's counts, match against the weighted vector, and
ranking reads it. Nothing on SQLite (its FTS5 table already indexes the two columns
apart).
"""
from alembic import op


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

UPGRADE = (
    "CREATE INDEX IF NOT EXISTS ix_catalog_product_search_document ON catalog_product "
    "USING gin (to_tsvector('simple', search_document))",
    "CREATE INDEX IF NOT EXISTS ix_catalog_product_search_stems ON catalog_product "
    "USING gin (to_tsvector('simple', search_stems))",
)
DOWNGRADE = (
    "DROP INDEX IF EXISTS ix_catalog_product_search_stems",
    "DROP INDEX IF EXISTS ix_catalog_product_search_document",
)


def _run(statements):
    if op.get_bind().dialect.name == "postgresql":
        for statement in statements:
            op.execute(statement)


def upgrade():
    _run(UPGRADE)


def downgrade():
    _run(DOWNGRADE)
