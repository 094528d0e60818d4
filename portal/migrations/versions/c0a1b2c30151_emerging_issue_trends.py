"""emerging-issue trends (issue 15)

Reserved in the chain so parallel work does not make two heads; filled in by that work.

Revision ID: c0a1b2c30151
Revises: c0a1b2c30014
"""
import sqlalchemy as sa  # noqa: F401
from alembic import op  # noqa: F401

revision = 'c0a1b2c30151'
down_revision = 'c0a1b2c30014'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
