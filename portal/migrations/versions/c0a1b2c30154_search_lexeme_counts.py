"""document counts per lexeme for the PostgreSQL search backend (issue 14)

``search_lexeme`` holds, per language, how many documents contain each lexeme of
``search_document.tsv`` (and, under the empty lexeme, how many documents the
language has). Searches read word rarities from it instead of counting matches,
and use it to choose which documents to rank (ADR 0018). On PostgreSQL the counts
of an existing index are filled in here, and ``tsv`` is compressed with lz4 from
now on (it decompresses several times faster than pglz; rows written before keep
pglz until the next ``portal index rebuild``).

Revision ID: c0a1b2c30154
Revises: c0a1b2c30153
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a1b2c30154'
down_revision = 'c0a1b2c30153'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'search_lexeme',
        sa.Column('lang', sa.String(length=20), nullable=False),
        sa.Column('lexeme', sa.Text(), nullable=False),
        sa.Column('docs', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('lang', 'lexeme', name=op.f('pk_search_lexeme')),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("INSERT INTO search_lexeme (lang, lexeme, docs) "
               "SELECT lang, lexeme, count(*) FROM search_document, unnest(tsvector_to_array(tsv)) AS lexeme "
               "GROUP BY lang, lexeme UNION ALL SELECT lang, '', count(*) FROM search_document GROUP BY lang")
    op.execute("ALTER TABLE search_document ALTER COLUMN tsv SET COMPRESSION lz4")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_document ALTER COLUMN tsv SET COMPRESSION pglz")
    op.drop_table('search_lexeme')
