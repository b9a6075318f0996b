"""suggestion decisions: accepted and rejected alignment suggestions (issue 15)

One row per (competency, unit/objective target): a rejected pair is never suggested again and
both kinds are evidence for the ranking (services/suggestions.py).

Revision ID: 0004_suggestion_decisions
Revises: 0003_user_sessions
Create Date: 2026-12-01 10:10:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_suggestion_decisions"
down_revision: str | Sequence[str] | None = "0003_user_sessions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "suggestion_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("objective_id", sa.Integer(), nullable=True),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("alignment_id", sa.Integer(), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_side", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["program_id"], ["program.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["competency_id"], ["competency.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["unit_id"], ["learning_unit.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["objective_id"], ["objective.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["alignment_id"], ["alignment.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["app_user.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("competency_id", "target", name="uq_suggestion_decision_competency_target"),
    )
    op.create_index("ix_suggestion_decision_program", "suggestion_decision", ["program_id"], unique=False)
    for column in ("unit_id", "objective_id"):
        condition = sa.text(f"{column} IS NOT NULL")
        op.create_index(f"ix_suggestion_decision_{column}", "suggestion_decision", [column], unique=False,
                        sqlite_where=condition, postgresql_where=condition)


def downgrade() -> None:
    for column in ("unit_id", "objective_id"):
        op.drop_index(f"ix_suggestion_decision_{column}", table_name="suggestion_decision")
    op.drop_index("ix_suggestion_decision_program", table_name="suggestion_decision")
    op.drop_table("suggestion_decision")
