"""staff sessions (revocable) and sign-in throttling per account and client

Revision ID: 7c2d9e4f1a60
Revises: 5e1f0c7a9b21
"""
import sqlalchemy as sa
from alembic import op

revision = '7c2d9e4f1a60'
down_revision = '5e1f0c7a9b21'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('account_user.id', ondelete='CASCADE',
                                                         name='fk_account_session_user_id_account_user'),
                  nullable=False),
        sa.Column('token_hash', sa.String(64), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_account_session'),
        sa.UniqueConstraint('token_hash', name='uq_account_session_token_hash'),
    )
    op.create_index('ix_account_session_user_id', 'account_session', ['user_id'])
    op.create_table(
        'account_login_throttle',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), sa.ForeignKey('account_user.id', ondelete='CASCADE',
                                                         name='fk_account_login_throttle_user_id_account_user'),
                  nullable=False),
        sa.Column('client', sa.String(64), nullable=False),
        sa.Column('failures', sa.Integer(), nullable=False),
        sa.Column('blocked_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name='pk_account_login_throttle'),
        sa.UniqueConstraint('user_id', 'client', name='uq_account_login_throttle_user_client'),
    )


def downgrade():
    op.drop_table('account_login_throttle')
    op.drop_index('ix_account_session_user_id', table_name='account_session')
    op.drop_table('account_session')
