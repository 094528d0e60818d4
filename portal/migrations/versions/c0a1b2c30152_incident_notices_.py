"""incident notices, follows and deflection (issue 15)

Notices with their updates and texts per language, linked tickets, followers
(double opt-in), mails sent once per recipient, and banner impressions per day.

Revision ID: c0a1b2c30152
Revises: c0a1b2c30151
"""
import sqlalchemy as sa
from alembic import op

revision = 'c0a1b2c30152'
down_revision = 'c0a1b2c30151'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "notice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("severity", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("articles", sa.JSON(), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=False),
        sa.Column("trend_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["account_user.id"],
                                name=op.f("fk_notice_created_by_id_account_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice")),
    )
    op.create_table(
        "notice_update",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_update_notice_id_notice"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], ["account_user.id"],
                                name=op.f("fk_notice_update_author_id_account_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_update")),
    )
    op.create_index(op.f("ix_notice_update_notice_id"), "notice_update", ["notice_id"])
    op.create_table(
        "notice_text",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("phrases", sa.JSON(), nullable=False),
        sa.Column("updates", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("engine", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_text_notice_id_notice"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_text")),
        sa.UniqueConstraint("notice_id", "lang", name=op.f("uq_notice_text_notice_id")),
    )
    op.create_index(op.f("ix_notice_text_notice_id"), "notice_text", ["notice_id"])
    op.create_table(
        "notice_ticket",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("linked_by", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_ticket_notice_id_notice"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["ticket_id"], ["support_ticket.id"],
                                name=op.f("fk_notice_ticket_ticket_id_support_ticket"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_ticket")),
        sa.UniqueConstraint("notice_id", "ticket_id", name=op.f("uq_notice_ticket_notice_id")),
    )
    op.create_index(op.f("ix_notice_ticket_notice_id"), "notice_ticket", ["notice_id"])
    op.create_index(op.f("ix_notice_ticket_ticket_id"), "notice_ticket", ["ticket_id"])
    op.create_table(
        "notice_follower",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("lang", sa.String(length=20), nullable=False),
        sa.Column("salt", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_follower_notice_id_notice"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_follower")),
        sa.UniqueConstraint("notice_id", "email", name=op.f("uq_notice_follower_notice_id")),
    )
    op.create_index(op.f("ix_notice_follower_notice_id"), "notice_follower", ["notice_id"])
    op.create_table(
        "notice_delivery",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("recipient", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_delivery_notice_id_notice"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_delivery")),
        sa.UniqueConstraint("notice_id", "event", "recipient", name=op.f("uq_notice_delivery_notice_id")),
    )
    op.create_index(op.f("ix_notice_delivery_notice_id"), "notice_delivery", ["notice_id"])
    op.create_table(
        "notice_impression",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("lang", sa.String(length=20), nullable=False),
        sa.Column("surface", sa.String(length=20), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("seen", sa.Integer(), nullable=False),
        sa.Column("filed", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["notice_id"], ["notice.id"], name=op.f("fk_notice_impression_notice_id_notice"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_impression")),
        sa.UniqueConstraint("notice_id", "lang", "surface", "day", name=op.f("uq_notice_impression_notice_id")),
    )
    op.create_index(op.f("ix_notice_impression_notice_id"), "notice_impression", ["notice_id"])


def downgrade():
    for table in ("notice_impression", "notice_delivery", "notice_follower", "notice_ticket", "notice_text",
                  "notice_update"):
        op.drop_table(table)
    op.drop_table("notice")
