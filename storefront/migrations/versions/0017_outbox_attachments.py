"""files an e-mail of the outbox carries (the pro-forma invoice)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-05 02:45:00

"""
from alembic import op
import sqlalchemy as sa

_INT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'notifications_outbox_attachment',
        sa.Column('id', _INT, nullable=False),
        sa.Column('message_id', _INT, nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ['message_id'],
            ['notifications_outbox_message.id'],
            name=op.f('fk_notifications_outbox_attachment_message_id_notifications_outbox_message'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications_outbox_attachment')),
    )
    op.create_index(
        op.f('ix_notifications_outbox_attachment_message_id'),
        'notifications_outbox_attachment',
        ['message_id'],
    )


def downgrade():
    op.drop_index(
        op.f('ix_notifications_outbox_attachment_message_id'),
        table_name='notifications_outbox_attachment',
    )
    op.drop_table('notifications_outbox_attachment')
