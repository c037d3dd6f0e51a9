"""catalog: one category's listing index ends with the product id

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-05 11:05:00

A category's page in price order sorts by price then id, the tie-break every listing
uses. ``ix_catalog_product_listing`` held (sellable, category, price): SQLite's
indexes end with the row id anyway, but PostgreSQL's did not hold that order and
walked the whole catalog's price index backwards, testing each product's category
(8.4 ms for a deep page at 300,000 products, 0.2 ms with the id). The id is added as
its last column.
"""
from alembic import op


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def _statistics_again():
    """SQLite forgets a dropped index's statistics: where the database has been
    analysed, the planner would guess for the new index and pick it for pages it
    does not suit (at 300,000 products a listing's p95 went from 13 to 100 ms)."""
    bind = op.get_bind()
    if bind.dialect.name == "sqlite" and bind.exec_driver_sql(
        "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
    ).first():
        op.execute("ANALYZE catalog_product")


def upgrade():
    op.drop_index("ix_catalog_product_listing", table_name="catalog_product")
    op.create_index(
        "ix_catalog_product_listing",
        "catalog_product",
        ["sellable", "category_id", "price_minor", "id"],
    )
    _statistics_again()


def downgrade():
    op.drop_index("ix_catalog_product_listing", table_name="catalog_product")
    op.create_index(
        "ix_catalog_product_listing", "catalog_product", ["sellable", "category_id", "price_minor"]
    )
    _statistics_again()
