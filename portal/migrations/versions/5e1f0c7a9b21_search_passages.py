"""search passages with their embedding vectors

Revision ID: 5e1f0c7a9b21
Revises: be7a28d3cd22
"""
import sqlalchemy as sa
from alembic import op

revision = '5e1f0c7a9b21'
down_revision = 'be7a28d3cd22'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_passage",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "article_id",
            sa.Integer(),
            sa.ForeignKey("kb_article.id", ondelete="CASCADE", name="fk_search_passage_article_id_kb_article"),
            nullable=False,
        ),
        sa.Column(
            "version_id",
            sa.Integer(),
            sa.ForeignKey(
                "kb_article_version.id", ondelete="CASCADE", name="fk_search_passage_version_id_kb_article_version"
            ),
            nullable=False,
        ),
        sa.Column("slug", sa.String(200), nullable=False),
        sa.Column("lang", sa.String(20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("anchor", sa.String(200), nullable=False),
        sa.Column("heading", sa.String(300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("model_id", sa.String(100), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_search_passage"),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_search_passage_version', 'search_passage', ['version_id'])
    op.create_index('ix_search_passage_article', 'search_passage', ['article_id'])


def downgrade():
    op.drop_index('ix_search_passage_article', table_name='search_passage')
    op.drop_index('ix_search_passage_version', table_name='search_passage')
    op.drop_table('search_passage')
