"""emerging-issue trends (issue 15)

``trend``: one emerging issue the detection job found (``portal/trends``), with its
status, first and last signal, representative phrasing (and its machine
translations), counts per language and channel, growth, related articles, linked
tickets and when staff were notified; ``trend_member``: the searches, "not
helpful" comments and ticket messages counted in it (one row per source row).

Revision ID: c0a1b2c30151
Revises: c0a1b2c30014
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a1b2c30151'
down_revision = 'c0a1b2c30014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'trend',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('representative', sa.String(length=300), nullable=False),
        sa.Column('representative_lang', sa.String(length=20), nullable=False),
        sa.Column('phrasings', sa.JSON(), nullable=False),
        sa.Column('originals', sa.JSON(), nullable=False),
        sa.Column('count', sa.Integer(), nullable=False),
        sa.Column('baseline', sa.Float(), nullable=False),
        sa.Column('growth', sa.Float(), nullable=False),
        sa.Column('peak_growth', sa.Float(), nullable=False),
        sa.Column('languages', sa.JSON(), nullable=False),
        sa.Column('channels', sa.JSON(), nullable=False),
        sa.Column('articles', sa.JSON(), nullable=False),
        sa.Column('tickets', sa.JSON(), nullable=False),
        sa.Column('notified_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trend')),
    )
    op.create_index(op.f('ix_trend_status'), 'trend', ['status'])
    op.create_index(op.f('ix_trend_last_seen'), 'trend', ['last_seen'])
    op.create_table(
        'trend_member',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('trend_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('lang', sa.String(length=20), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['trend_id'], ['trend.id'], name=op.f('fk_trend_member_trend_id_trend'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_trend_member')),
        sa.UniqueConstraint('trend_id', 'channel', 'source_id', name='uq_trend_member_source'),
    )
    op.create_index(op.f('ix_trend_member_trend_id'), 'trend_member', ['trend_id'])


def downgrade():
    op.drop_index(op.f('ix_trend_member_trend_id'), table_name='trend_member')
    op.drop_table('trend_member')
    op.drop_index(op.f('ix_trend_last_seen'), table_name='trend')
    op.drop_index(op.f('ix_trend_status'), table_name='trend')
    op.drop_table('trend')
