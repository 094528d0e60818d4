"""search documents and text search on PostgreSQL (issue 14)

The tables of the PostgreSQL search backend (``portal/search/postgres.py``):
``search_document`` (one row per indexed article version), ``search_word`` (the
vocabulary with document counts, for did-you-mean and completion) and
``search_generation`` (a counter every index write bumps). They are created on
every database; on PostgreSQL only, the ``tsv`` column with its GIN index, the
pg_trgm and unaccent extensions (postgresql-contrib, trusted), a trigram index on
the vocabulary and one accent-folding text-search configuration per Snowball
language (``portal_<code>``: a copy of the built-in one with ``unaccent`` before
the stemmer).

Revision ID: c0a1b2c30014
Revises: 9b4e2a7c5d13
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a1b2c30014'
down_revision = '9b4e2a7c5d13'
branch_labels = None
depends_on = None

#: Language code -> PostgreSQL 15 Snowball configuration (kept here as the migration ran it).
SNOWBALL = {
    "ar": "arabic", "ca": "catalan", "da": "danish", "de": "german", "el": "greek", "en": "english",
    "es": "spanish", "eu": "basque", "fi": "finnish", "fr": "french", "ga": "irish", "hi": "hindi",
    "hu": "hungarian", "hy": "armenian", "id": "indonesian", "it": "italian", "lt": "lithuanian",
    "ne": "nepali", "nl": "dutch", "no": "norwegian", "pt": "portuguese", "ro": "romanian", "ru": "russian",
    "sr": "serbian", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}


def upgrade():
    op.create_table(
        'search_document',
        sa.Column('key', sa.String(length=250), nullable=False),
        sa.Column('slug', sa.String(length=200), nullable=False),
        sa.Column('lang', sa.String(length=20), nullable=False),
        sa.Column('field', sa.String(length=10), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('machine', sa.Boolean(), nullable=False),
        sa.Column('category', sa.String(length=200), nullable=False),
        sa.Column('tags', sa.Text(), nullable=False),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('summary', sa.Text(), nullable=False),
        sa.Column('excerpt', sa.Text(), nullable=False),
        sa.Column('popularity', sa.Integer(), nullable=False),
        sa.Column('words', sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_search_document')),
    )
    op.create_index('ix_search_document_slug', 'search_document', ['slug'])
    op.create_index('ix_search_document_lang', 'search_document', ['lang'])
    op.create_index('ix_search_document_category', 'search_document', ['category'])
    op.create_table(
        'search_word',
        sa.Column('field', sa.String(length=10), nullable=False),
        sa.Column('word', sa.String(length=100), nullable=False),
        sa.Column('docs', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('field', 'word', name=op.f('pk_search_word')),
    )
    op.create_table(
        'search_generation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_search_generation')),
    )
    op.execute("INSERT INTO search_generation (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE EXTENSION IF NOT EXISTS unaccent")
    for code, name in SNOWBALL.items():
        op.execute(f"CREATE TEXT SEARCH CONFIGURATION portal_{code} (COPY = pg_catalog.{name})")
        op.execute(f"ALTER TEXT SEARCH CONFIGURATION portal_{code} ALTER MAPPING FOR "
                   f"word, hword, hword_part, asciiword, asciihword, hword_asciipart WITH unaccent, {name}_stem")
    op.execute("ALTER TABLE search_document ADD COLUMN tsv tsvector NOT NULL DEFAULT ''")
    op.execute("CREATE INDEX ix_search_document_tsv ON search_document USING gin (tsv)")
    op.execute("CREATE INDEX ix_search_word_trgm ON search_word USING gin (word gin_trgm_ops)")
    op.execute("CREATE INDEX ix_search_word_prefix ON search_word (field, word text_pattern_ops)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for code in SNOWBALL:
            op.execute(f"DROP TEXT SEARCH CONFIGURATION IF EXISTS portal_{code}")
    op.drop_table('search_generation')
    op.drop_table('search_word')
    op.drop_index('ix_search_document_category', table_name='search_document')
    op.drop_index('ix_search_document_lang', table_name='search_document')
    op.drop_index('ix_search_document_slug', table_name='search_document')
    op.drop_table('search_document')
