"""search: stems beside exact words, operators' synonyms

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-04 20:40:00

The full-text index gets a second column, the stems of the document's words
(catalog.text.search_stems); every product's document and stems are recomputed.
"""
from alembic import op
import sqlalchemy as sa

import catalog.db  # noqa: F401  (custom column types)


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

SQLITE_OLD_DROP = (
    "DROP TRIGGER IF EXISTS catalog_product_fts_au",
    "DROP TRIGGER IF EXISTS catalog_product_fts_ad",
    "DROP TRIGGER IF EXISTS catalog_product_fts_ai",
    "DROP TABLE IF EXISTS catalog_product_fts",
)
POSTGRES_OLD_DROP = (
    "DROP INDEX IF EXISTS ix_catalog_product_search",
    "ALTER TABLE catalog_product DROP COLUMN IF EXISTS search_vector",
)
SQLITE_NEW = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5("
    "search_document, search_stems, content='catalog_product', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_ai AFTER INSERT ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(rowid, search_document, search_stems) "
    "VALUES (new.id, new.search_document, new.search_stems); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_ad AFTER DELETE ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(catalog_product_fts, rowid, search_document, search_stems) "
    "VALUES ('delete', old.id, old.search_document, old.search_stems); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_au AFTER UPDATE OF search_document, "
    "search_stems ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(catalog_product_fts, rowid, search_document, search_stems) "
    "VALUES ('delete', old.id, old.search_document, old.search_stems); "
    "INSERT INTO catalog_product_fts(rowid, search_document, search_stems) "
    "VALUES (new.id, new.search_document, new.search_stems); END",
    "INSERT INTO catalog_product_fts(catalog_product_fts) VALUES ('rebuild')",
)
POSTGRES_NEW = (
    "ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (setweight(to_tsvector('simple', search_document), 'A') || "
    "setweight(to_tsvector('simple', search_stems), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_catalog_product_search ON catalog_product "
    "USING gin (search_vector)",
)
SQLITE_OLD = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_product_fts USING fts5("
    "search_document, content='catalog_product', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_ai AFTER INSERT ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_ad AFTER DELETE ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(catalog_product_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_product_fts_au AFTER UPDATE OF search_document "
    "ON catalog_product BEGIN "
    "INSERT INTO catalog_product_fts(catalog_product_fts, rowid, search_document) "
    "VALUES ('delete', old.id, old.search_document); "
    "INSERT INTO catalog_product_fts(rowid, search_document) "
    "VALUES (new.id, new.search_document); END",
    "INSERT INTO catalog_product_fts(catalog_product_fts) VALUES ('rebuild')",
)
POSTGRES_OLD = (
    "ALTER TABLE catalog_product ADD COLUMN IF NOT EXISTS search_vector tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple', search_document)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_catalog_product_search ON catalog_product "
    "USING gin (search_vector)",
)


def _run(sqlite_statements, postgres_statements):
    dialect = op.get_bind().dialect.name
    for statement in {"sqlite": sqlite_statements, "postgresql": postgres_statements}.get(
        dialect, ()
    ):
        op.execute(statement)


def _reindex():
    """Recompute every product's document and stems with the current analysis."""
    from catalog.text import rebuild_search_texts

    rebuild_search_texts(op.get_bind())


def upgrade():
    op.create_table('catalog_search_synonym',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('terms', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_search_synonym'))
    )
    _run(SQLITE_OLD_DROP, POSTGRES_OLD_DROP)
    with op.batch_alter_table('catalog_product', schema=None) as batch_op:
        batch_op.add_column(sa.Column('search_stems', sa.Text(), nullable=False, server_default=''))
    with op.batch_alter_table('catalog_product', schema=None) as batch_op:
        batch_op.alter_column('search_stems', server_default=None)
    _run(SQLITE_NEW, POSTGRES_NEW)
    _reindex()


def downgrade():
    _run(SQLITE_OLD_DROP, POSTGRES_OLD_DROP)
    with op.batch_alter_table('catalog_product', schema=None) as batch_op:
        batch_op.drop_column('search_stems')
    _run(SQLITE_OLD, POSTGRES_OLD)
    op.drop_table('catalog_search_synonym')
