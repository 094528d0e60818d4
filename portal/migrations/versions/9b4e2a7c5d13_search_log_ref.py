"""search log rows get a random reference made before they are written

Searches are buffered and written in batches (no commit on a GET), so the page
links its results with a reference chosen in the web process, not the row id.

Revision ID: 9b4e2a7c5d13
Revises: 7c2d9e4f1a60
"""
import sqlalchemy as sa
from alembic import op

revision = '9b4e2a7c5d13'
down_revision = '7c2d9e4f1a60'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('search_log', sa.Column('ref', sa.String(length=16), nullable=True))
    op.create_index('ix_search_log_ref', 'search_log', ['ref'], unique=True)


def downgrade():
    op.drop_index('ix_search_log_ref', table_name='search_log')
    with op.batch_alter_table('search_log') as batch:
        batch.drop_column('ref')
