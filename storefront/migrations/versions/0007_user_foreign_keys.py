"""foreign keys from the catalog's tables to the accounts

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:00:00

Accounts moved to the bottom layer, so the catalog's references to users become real
foreign keys (set to NULL when an account is deleted). References to accounts that no
longer exist are cleared first.
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

COLUMNS = {
    "catalog_audit_entry": ("actor_id",),
    "catalog_cooperative_invitation": ("invited_by_id", "accepted_user_id"),
    "catalog_product_import": ("created_by_id",),
    "catalog_search_synonym": ("created_by_id",),
}


def _name(table, column):
    return f"fk_{table}_{column}_orders_user"


def upgrade():
    for table, columns in COLUMNS.items():
        for column in columns:
            op.execute(
                f"UPDATE {table} SET {column} = NULL WHERE {column} IS NOT NULL "
                f"AND {column} NOT IN (SELECT id FROM orders_user)"
            )
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.create_foreign_key(
                    _name(table, column), "orders_user", [column], ["id"], ondelete="SET NULL"
                )


def downgrade():
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for column in columns:
                batch.drop_constraint(_name(table, column), type_="foreignkey")
