"""leaner indexes: drop the ones a unique constraint already covers, partial indexes for mostly-empty columns

Bulk imports write tens of thousands of rows; every index is maintained on each of them.
``competency.program_id``, ``course.program_id``, ``alignment.competency_id`` and
``rating.competency_id`` lead a unique constraint (or a composite index) that serves the same
lookups, so their single-column indexes go. ``alignment.unit_id``, ``alignment.objective_id``
and ``competency.job_role_id`` are empty on most rows: their indexes now cover only the rows
that have a value (equality lookups and foreign-key cascades still use them).

Revision ID: 0002_leaner_indexes
Revises: 0001_initial
Create Date: 2026-12-01 00:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_leaner_indexes"
down_revision: str | Sequence[str] | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDUNDANT = (("competency", "ix_competency_program_id", "program_id"),
             ("course", "ix_course_program_id", "program_id"),
             ("alignment", "ix_alignment_competency_id", "competency_id"),
             ("rating", "ix_rating_competency_id", "competency_id"))
PARTIAL = (("alignment", "ix_alignment_unit_id", "unit_id"),
           ("alignment", "ix_alignment_objective_id", "objective_id"),
           ("competency", "ix_competency_job_role_id", "job_role_id"))


def upgrade() -> None:
    for table, name, _column in REDUNDANT:
        op.drop_index(name, table_name=table)
    for table, name, column in PARTIAL:
        op.drop_index(name, table_name=table)
        condition = sa.text(f"{column} IS NOT NULL")
        op.create_index(name, table, [column], unique=False, sqlite_where=condition, postgresql_where=condition)


def downgrade() -> None:
    for table, name, column in PARTIAL:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, [column], unique=False)
    for table, name, column in REDUNDANT:
        op.create_index(name, table, [column], unique=False)
