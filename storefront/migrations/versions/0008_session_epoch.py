"""session epoch: a number per account that ends every session and remember-me
cookie when it moves on

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 21:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders_user', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'session_epoch',
                sa.BigInteger().with_variant(sa.Integer(), 'sqlite'),
                server_default='0',
                nullable=False,
            )
        )


def downgrade():
    with op.batch_alter_table('orders_user', schema=None) as batch_op:
        batch_op.drop_column('session_epoch')
