"""order desk: money an operator gave back to the buyer by hand

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 21:23:17.156327

"""
from alembic import op
import sqlalchemy as sa

import catalog.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders_order', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'refund_paid_minor',
                sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                nullable=False,
                server_default='0',
            )
        )
    with op.batch_alter_table('orders_order', schema=None) as batch_op:
        batch_op.alter_column('refund_paid_minor', server_default=None)


def downgrade():
    with op.batch_alter_table('orders_order', schema=None) as batch_op:
        batch_op.drop_column('refund_paid_minor')
