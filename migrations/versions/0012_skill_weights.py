"""skill weights: the weight tables (比重表) of a 国家职业技能标准 source

``skill_weight`` holds, per certificate source (``job_role``), the share in % of each 职业功能 (and of
the 基本要求 lines) in the theory and the skill assessment at each level (五级 … 一级), as imported
with the standard (docs/industry.md).

Revision ID: 0012_skill_weights
Revises: 0011_user_email
Create Date: 2026-12-01 18:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_skill_weights"
down_revision: str | Sequence[str] | None = "0011_user_email"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('skill_weight',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('job_role_id', sa.Integer(), nullable=False),
    sa.Column('part', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('section', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('item', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('weight', sa.Float(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['job_role_id'], ['job_role.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('job_role_id', 'part', 'section', 'item', 'level', name='uq_skill_weight_cell')
    )
    with op.batch_alter_table('skill_weight', schema=None) as batch_op:
        batch_op.create_index('ix_skill_weight_program', ['program_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('skill_weight', schema=None) as batch_op:
        batch_op.drop_index('ix_skill_weight_program')
    op.drop_table('skill_weight')
