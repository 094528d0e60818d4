"""search documents and text search on PostgreSQL (issue 14)

Reserved in the chain so parallel work does not make two heads; filled in by that work.

Revision ID: c0a1b2c30014
Revises: 9b4e2a7c5d13
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'c0a1b2c30014'
down_revision = '9b4e2a7c5d13'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
