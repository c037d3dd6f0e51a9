"""stock as on hand and allocated, back-in-stock requests, the catalog stamp

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 20:50:00

``stock`` was the units left to sell: the units of parts not shipped yet had already
left it. It becomes ``on_hand`` (the shelf) = stock + those units, and ``allocated``
= those units (lines still holding stock, of parts new or being prepared).
"""

from alembic import op
import sqlalchemy as sa

import catalog.db  # noqa: F401  (custom column types)
from catalog.models import SQLITE_FTS_DDL, SQLITE_FTS_DROP

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_INT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_HELD = (
    "SELECT l.product_id AS product_id, SUM(l.qty_from_stock) AS units "
    "FROM orders_order_line l JOIN orders_fulfilment f ON f.id = l.fulfilment_id "
    "WHERE l.product_id IS NOT NULL AND NOT l.released AND f.shipped_at IS NULL "
    "AND f.status IN ('new', 'to_prepare') GROUP BY l.product_id"
)


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    sqlite = _sqlite()
    if sqlite:  # the table is rebuilt: its full-text triggers go, and come back after
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    with op.batch_alter_table("catalog_product", schema=None) as batch_op:
        batch_op.alter_column("stock", new_column_name="on_hand", existing_type=_INT,
                              existing_nullable=False)
        batch_op.add_column(sa.Column("allocated", _INT, nullable=False, server_default="0"))
        batch_op.drop_constraint(op.f("ck_catalog_product_stock_not_negative"), type_="check")
    op.execute(
        "UPDATE catalog_product SET allocated = COALESCE((SELECT h.units FROM (" + _HELD
        + ") h WHERE h.product_id = catalog_product.id), 0)"
    )
    op.execute("UPDATE catalog_product SET on_hand = on_hand + allocated")
    with op.batch_alter_table("catalog_product", schema=None) as batch_op:
        batch_op.alter_column("allocated", server_default=None, existing_type=_INT,
                              existing_nullable=False)
        batch_op.create_check_constraint(
            "allocated_within_on_hand", "0 <= allocated AND allocated <= on_hand"
        )
    if sqlite:
        for statement in SQLITE_FTS_DDL:
            op.execute(statement)
        op.execute("INSERT INTO catalog_product_fts(catalog_product_fts) VALUES ('rebuild')")

    with op.batch_alter_table("orders_order_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("restocked", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    # a shipped line holds no allocation any more; one released after shipping was
    # a parcel that came back to the shelf
    shipped = (
        "SELECT f.id FROM orders_fulfilment f WHERE f.shipped_at IS NOT NULL"
    )
    op.execute(
        f"UPDATE orders_order_line SET restocked = released WHERE fulfilment_id IN ({shipped})"
    )
    op.execute(
        f"UPDATE orders_order_line SET released = {'1' if sqlite else 'true'} "
        f"WHERE fulfilment_id IN ({shipped})"
    )
    with op.batch_alter_table("orders_order_line", schema=None) as batch_op:
        batch_op.alter_column("restocked", server_default=None, existing_type=sa.Boolean(),
                              existing_nullable=False)

    op.create_table(
        "catalog_stock_alert",
        sa.Column("id", _INT, nullable=False),
        sa.Column("product_id", _INT, nullable=False),
        sa.Column("user_id", _INT, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("created_at", catalog.db.UtcDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", catalog.db.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"], ["catalog_product.id"],
            name=op.f("fk_catalog_stock_alert_product_id_catalog_product"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_stock_alert")),
        sa.UniqueConstraint("product_id", "user_id", name="uq_catalog_stock_alert_product_user"),
    )
    op.create_index("ix_catalog_stock_alert_pending", "catalog_stock_alert",
                    ["sent_at", "product_id"], unique=False)
    stamp = op.create_table(
        "catalog_stamp",
        sa.Column("id", _INT, nullable=False),
        sa.Column("version", _INT, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_catalog_stamp")),
    )
    op.bulk_insert(stamp, [{"id": 1, "version": 0}])


def downgrade():
    sqlite = _sqlite()
    op.drop_table("catalog_stamp")
    op.drop_index("ix_catalog_stock_alert_pending", table_name="catalog_stock_alert")
    op.drop_table("catalog_stock_alert")
    shipped = "SELECT f.id FROM orders_fulfilment f WHERE f.shipped_at IS NOT NULL"
    op.execute(
        f"UPDATE orders_order_line SET released = restocked WHERE fulfilment_id IN ({shipped})"
    )
    with op.batch_alter_table("orders_order_line", schema=None) as batch_op:
        batch_op.drop_column("restocked")
    if sqlite:
        for statement in SQLITE_FTS_DROP:
            op.execute(statement)
    op.execute("UPDATE catalog_product SET on_hand = on_hand - allocated")
    with op.batch_alter_table("catalog_product", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_catalog_product_allocated_within_on_hand"), type_="check")
        batch_op.drop_column("allocated")
        batch_op.alter_column("on_hand", new_column_name="stock", existing_type=_INT,
                              existing_nullable=False)
        batch_op.create_check_constraint("stock_not_negative", "stock >= 0")
    if sqlite:
        for statement in SQLITE_FTS_DDL:
            op.execute(statement)
        op.execute("INSERT INTO catalog_product_fts(catalog_product_fts) VALUES ('rebuild')")
