"""agent languages, topics and ticket routing (issue 15)

Staff accounts get the languages they read and write and the topics (knowledge-base
category slugs) they cover; tickets get their topic, the agent they were proposed to,
the routing decision with its reasons, and when they were escalated to an admin.

Revision ID: c0a1b2c30153
Revises: c0a1b2c30152
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a1b2c30153'
down_revision = 'c0a1b2c30152'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account_user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('languages', sa.JSON(), server_default='[]', nullable=False))
        batch_op.add_column(sa.Column('topics', sa.JSON(), server_default='[]', nullable=False))
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.add_column(sa.Column('topic', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('proposed_to_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('routing', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_support_ticket_proposed_to_id', ['proposed_to_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_support_ticket_proposed_to_id_account_user'), 'account_user',
                                    ['proposed_to_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('support_ticket', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_support_ticket_proposed_to_id_account_user'), type_='foreignkey')
        batch_op.drop_index('ix_support_ticket_proposed_to_id')
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('routing')
        batch_op.drop_column('proposed_to_id')
        batch_op.drop_column('topic')
    with op.batch_alter_table('account_user', schema=None) as batch_op:
        batch_op.drop_column('topics')
        batch_op.drop_column('languages')
