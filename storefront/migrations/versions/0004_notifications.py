"""notifications: the outbox moves to its own table (channel, Message-ID, dead
letters) and operator tasks for people nobody can reach; orders keep how the
shopper wants to be told

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-04 20:22:55.554678

"""
from alembic import op
import sqlalchemy as sa

import catalog.db  # noqa: F401  (custom column types)


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('notifications_operator_task',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('party_type', sa.String(length=20), nullable=False),
    sa.Column('party_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('party_name', sa.String(length=200), nullable=False),
    sa.Column('order_number', sa.String(length=12), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('resolved_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('resolution_note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications_operator_task'))
    )
    with op.batch_alter_table('notifications_operator_task', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_operator_task_open', ['resolved_at', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_operator_task_order_number'), ['order_number'], unique=False)

    op.create_table('notifications_outbox_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('channel', sa.String(length=10), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('provider_ref', sa.String(length=120), nullable=False),
    sa.Column('created_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('last_attempt_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
    sa.Column('sent_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications_outbox_message'))
    )
    with op.batch_alter_table('notifications_outbox_message', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_outbox_message_status', ['status', 'id'], unique=False)

    # keep what was queued; a message that gave up is now "dead"
    op.execute(
        "INSERT INTO notifications_outbox_message (id, channel, \"to\", subject, body_text, "
        "body_html, language, topic, message_id, status, attempts, last_error, provider_ref, "
        "created_at, sent_at) SELECT id, 'email', \"to\", subject, body_text, body_html, "
        "language, topic, '', CASE status WHEN 'failed' THEN 'dead' ELSE status END, attempts, "
        "last_error, '', created_at, sent_at FROM orders_outbox_message"
    )
    with op.batch_alter_table('orders_outbox_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_outbox_message_status'))

    op.drop_table('orders_outbox_message')
    with op.batch_alter_table('orders_order', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('notify_channel', sa.String(length=10), nullable=False, server_default='email')
        )
    with op.batch_alter_table('orders_order', schema=None) as batch_op:
        batch_op.alter_column('notify_channel', server_default=None)



def downgrade():
    with op.batch_alter_table('orders_order', schema=None) as batch_op:
        batch_op.drop_column('notify_channel')

    op.create_table('orders_outbox_message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('to', sa.String(length=254), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('body_text', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('topic', sa.String(length=120), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('created_at', catalog.db.UtcDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', catalog.db.UtcDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_orders_outbox_message'))
    )
    with op.batch_alter_table('orders_outbox_message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_orders_outbox_message_status'), ['status', 'id'], unique=False)

    op.execute(
        "INSERT INTO orders_outbox_message (id, \"to\", subject, body_text, body_html, language, "
        "topic, status, attempts, last_error, created_at, sent_at) SELECT id, \"to\", subject, "
        "body_text, body_html, language, topic, CASE status WHEN 'dead' THEN 'failed' "
        "ELSE status END, attempts, last_error, created_at, sent_at "
        "FROM notifications_outbox_message WHERE channel = 'email'"
    )
    with op.batch_alter_table('notifications_outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_notifications_outbox_message_status')

    op.drop_table('notifications_outbox_message')
    with op.batch_alter_table('notifications_operator_task', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_operator_task_order_number'))
        batch_op.drop_index('ix_notifications_operator_task_open')

    op.drop_table('notifications_operator_task')
