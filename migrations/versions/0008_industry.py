"""industry side: verification surveys (survey, items, raters, answers), DACUM panels, change marks, sources

A survey covers one job role's competencies; raters are accounts or personal invitation links
(only a token's SHA-256 is stored); closing it aggregates the answers onto ``survey_item``.
``job_role.dacum_panels`` holds the DACUM chart's side panels; ``change_mark`` records a task or
competency marked as changing; ``job_role.kind`` (job / certificate / competition) and
``competency.cert_level`` carry the 岗课赛证 sources and their levels; ``competency_link`` pairs the
same requirement in two sources.

Revision ID: 0008_industry
Revises: 0007_last_visits
Create Date: 2026-12-01 14:30:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_industry"
down_revision: str | Sequence[str] | None = "0007_last_visits"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('job_role_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('apply_importance', sa.Boolean(), nullable=False),
    sa.Column('opened_by_id', sa.Integer(), nullable=True),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['app_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['job_role_id'], ['job_role.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opened_by_id'], ['app_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_job_role_id'), ['job_role_id'], unique=False)
        batch_op.create_index('ix_survey_program', ['program_id'], unique=False)

    op.create_table('change_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('marked_by_id', sa.Integer(), nullable=True),
    sa.Column('marked_side', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('marked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('resolved_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['competency_id'], ['competency.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['marked_by_id'], ['app_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['app_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('change_mark', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_change_mark_competency_id'), ['competency_id'], unique=False)
        batch_op.create_index('ix_change_mark_program', ['program_id'], unique=False)

    op.create_table('survey_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('competency_id', sa.Integer(), nullable=False),
    sa.Column('sort_order', sa.Integer(), nullable=False),
    sa.Column('raters', sa.Integer(), nullable=False),
    sa.Column('not_relevant', sa.Integer(), nullable=False),
    sa.Column('importance_median', sa.Float(), nullable=True),
    sa.Column('importance_mean', sa.Float(), nullable=True),
    sa.Column('importance_iqr', sa.Float(), nullable=True),
    sa.Column('frequency_median', sa.Float(), nullable=True),
    sa.Column('frequency_mean', sa.Float(), nullable=True),
    sa.Column('difficulty_median', sa.Float(), nullable=True),
    sa.Column('difficulty_mean', sa.Float(), nullable=True),
    sa.Column('criticality', sa.Float(), nullable=True),
    sa.Column('low_agreement', sa.Boolean(), nullable=False),
    sa.Column('previous_importance', sa.Integer(), nullable=True),
    sa.Column('applied_importance', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['competency_id'], ['competency.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('survey_id', 'competency_id', name='uq_survey_item_competency')
    )
    with op.batch_alter_table('survey_item', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_item_competency_id'), ['competency_id'], unique=False)

    op.create_table('survey_rater',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('side', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('expires_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('revoked_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['invited_by_id'], ['app_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['survey_id'], ['survey.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('survey_rater', schema=None) as batch_op:
        batch_op.create_index('ix_survey_rater_survey', ['survey_id'], unique=False)
        batch_op.create_index('ix_survey_rater_user_id', ['user_id'], unique=False, sqlite_where=sa.text('user_id IS NOT NULL'), postgresql_where=sa.text('user_id IS NOT NULL'))

    op.create_table('survey_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('importance', sa.Integer(), nullable=True),
    sa.Column('frequency', sa.Integer(), nullable=True),
    sa.Column('difficulty', sa.Integer(), nullable=True),
    sa.Column('not_relevant', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint('difficulty IS NULL OR (difficulty BETWEEN 1 AND 5)', name='ck_survey_answer_difficulty'),
    sa.CheckConstraint('frequency IS NULL OR (frequency BETWEEN 1 AND 7)', name='ck_survey_answer_frequency'),
    sa.CheckConstraint('importance IS NULL OR (importance BETWEEN 1 AND 5)', name='ck_survey_answer_importance'),
    sa.ForeignKeyConstraint(['item_id'], ['survey_item.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['survey_rater.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('item_id', 'rater_id', name='uq_survey_answer_item_rater')
    )
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.create_index('ix_survey_answer_rater', ['rater_id'], unique=False)

    op.create_table('competency_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('low_id', sa.Integer(), nullable=False),
    sa.Column('high_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.CheckConstraint('low_id < high_id', name='ck_competency_link_order'),
    sa.ForeignKeyConstraint(['created_by_id'], ['app_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['high_id'], ['competency.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['low_id'], ['competency.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('low_id', 'high_id', name='uq_competency_link_pair')
    )
    with op.batch_alter_table('competency_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competency_link_high_id'), ['high_id'], unique=False)
        batch_op.create_index('ix_competency_link_program', ['program_id'], unique=False)

    with op.batch_alter_table('job_role', schema=None) as batch_op:
        # existing job roles start with empty panels
        batch_op.add_column(sa.Column('dacum_panels', sa.JSON(), nullable=False, server_default=sa.text("'{}'")))
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default='job'))

    with op.batch_alter_table('competency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cert_level', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False,
                                      server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('competency', schema=None) as batch_op:
        batch_op.drop_column('cert_level')

    with op.batch_alter_table('job_role', schema=None) as batch_op:
        batch_op.drop_column('kind')
        batch_op.drop_column('dacum_panels')

    with op.batch_alter_table('competency_link', schema=None) as batch_op:
        batch_op.drop_index('ix_competency_link_program')
        batch_op.drop_index(batch_op.f('ix_competency_link_high_id'))

    op.drop_table('competency_link')
    with op.batch_alter_table('survey_answer', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_answer_rater')

    op.drop_table('survey_answer')
    with op.batch_alter_table('survey_rater', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_rater_user_id', sqlite_where=sa.text('user_id IS NOT NULL'), postgresql_where=sa.text('user_id IS NOT NULL'))
        batch_op.drop_index('ix_survey_rater_survey')

    op.drop_table('survey_rater')
    with op.batch_alter_table('survey_item', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_item_competency_id'))

    op.drop_table('survey_item')
    with op.batch_alter_table('change_mark', schema=None) as batch_op:
        batch_op.drop_index('ix_change_mark_program')
        batch_op.drop_index(batch_op.f('ix_change_mark_competency_id'))

    op.drop_table('change_mark')
    with op.batch_alter_table('survey', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_program')
        batch_op.drop_index(batch_op.f('ix_survey_job_role_id'))

    op.drop_table('survey')
