"""Table definitions. Timestamps are aware UTC (SQLModel's UTCDateTime); enumerations are strings."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    """Current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class User(SQLModel, table=True):
    __tablename__ = "app_user"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True, index=True)
    display_name: str = Field(max_length=128)
    role: str = Field(max_length=16)
    side: str = Field(max_length=16)
    organisation: str = Field(default="", max_length=200)
    email: str = Field(default="", max_length=254)  # where the optional digest goes; empty: derived or none
    password_hash: str = Field(default="", max_length=255)
    is_active: bool = True
    is_demo: bool = False
    preferred_lang: str | None = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class UserSession(SQLModel, table=True):
    """A login: only the SHA-256 of its random token is stored, so a database leak opens no session."""

    __tablename__ = "user_session"
    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    last_seen_at: datetime = Field(default_factory=utcnow)


class LoginAttempt(SQLModel, table=True):
    """Failed logins counted per account name or per client address, shared by every app process."""

    __tablename__ = "login_attempt"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_login_attempt_scope_key"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(max_length=16)  # "account" or "address"
    key: str = Field(max_length=128)
    failures: int = 0
    last_failed_at: datetime = Field(default_factory=utcnow)
    blocked_until: datetime | None = None


class Program(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    language: str = Field(default="zh", max_length=8)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    is_demo: bool = False
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class JobRole(SQLModel, table=True):
    __tablename__ = "job_role"
    __table_args__ = (UniqueConstraint("program_id", "name", name="uq_job_role_program_name"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    external_code: str = Field(default="", max_length=64)
    external_uri: str = Field(default="", max_length=500)
    source: str = Field(default="manual", max_length=32)
    # 岗课赛证: a job role ("job"), a certificate ("certificate", 1+X or 国家职业技能标准) or a skills competition
    kind: str = Field(default="job", max_length=16)
    sort_order: int = 0
    # the DACUM chart's side panels: {"knowledge": [...], "tools": [...], "behaviours": [...], "trends": [...]}
    dacum_panels: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False, default=dict))
    version: int = 1


def _partial_index(name: str, column: str) -> Index:
    """An index over the rows where ``column`` is set: lookups ("= :id", foreign-key cascades) use it,
    and the many rows without a value (course-level alignments, competencies without a job role)
    cost nothing to insert."""
    condition = text(f"{column} IS NOT NULL")
    return Index(name, column, sqlite_where=condition, postgresql_where=condition)


class Competency(SQLModel, table=True):
    """A node of a programme's competency framework: area → task → competency (the leaf)."""

    __table_args__ = (
        UniqueConstraint("program_id", "code", name="uq_competency_program_code"),
        CheckConstraint("importance IS NULL OR (importance BETWEEN 1 AND 5)", name="ck_competency_importance"),
        CheckConstraint(
            "required_level IS NULL OR (required_level BETWEEN 1 AND 3)", name="ck_competency_required_level"
        ),
        Index("ix_competency_program_kind", "program_id", "kind"),
        _partial_index("ix_competency_job_role_id", "job_role_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    # looked up through uq_competency_program_code and ix_competency_program_kind (program_id leads both)
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    parent_id: int | None = Field(default=None, foreign_key="competency.id", index=True, ondelete="CASCADE")
    kind: str = Field(max_length=16)
    # Outline code kept as text: "1.10" and "1.1" are different codes.
    code: str = Field(max_length=64)
    statement: str = Field(sa_column=Column(Text, nullable=False))
    comp_type: str | None = Field(default=None, max_length=16)
    importance: int | None = None
    required_level: int | None = None
    job_role_id: int | None = Field(default=None, foreign_key="job_role.id", ondelete="SET NULL")
    external_uri: str = Field(default="", max_length=500)
    notes: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    # a certificate requirement's level as the standard writes it (初级 / 中级 / 高级, 五级 … 一级); "" for none
    cert_level: str = Field(default="", max_length=16)
    sort_order: int = 0
    status: str = Field(default="accepted", max_length=16)
    proposed_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    proposed_side: str | None = Field(default=None, max_length=16)
    confirmed_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Course(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("program_id", "code", name="uq_course_program_code"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")  # uq_course_program_code leads with it
    code: str = Field(max_length=64)
    name: str = Field(max_length=200)
    course_type: str = Field(default="professional_core", max_length=32)
    credits: float = 0.0
    hours_theory: int = 0
    hours_practice: int = 0
    semester: int | None = None
    description: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class CourseOwner(SQLModel, table=True):
    __tablename__ = "course_owner"
    course_id: int = Field(foreign_key="course.id", primary_key=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")


class CourseStandard(SQLModel, table=True):
    """One revision of a course's standard (课程标准). Approved revisions are frozen."""

    __tablename__ = "course_standard"
    __table_args__ = (UniqueConstraint("course_id", "revision", name="uq_standard_course_revision"),)
    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True, ondelete="CASCADE")
    revision: int = 1
    status: str = Field(default="draft", max_length=16)
    title: str = Field(default="", max_length=200)
    department: str = Field(default="", max_length=200)
    author_name: str = Field(default="", max_length=100)
    author_date: str = Field(default="", max_length=32)
    reviewer_name: str = Field(default="", max_length=100)
    reviewer_date: str = Field(default="", max_length=32)
    prerequisites: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    follow_on: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    nature: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    design_rationale: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    teaching_methods: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    resources: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    school_signed_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    school_signed_at: datetime | None = None
    enterprise_signed_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    enterprise_signed_at: datetime | None = None
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    rejection_reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class StandardVersion(SQLModel, table=True):
    """Immutable snapshot of a standard taken at every save (history, diff, restore)."""

    __tablename__ = "standard_version"
    __table_args__ = (UniqueConstraint("standard_id", "number", name="uq_standard_version_number"),)
    id: int | None = Field(default=None, primary_key=True)
    standard_id: int = Field(foreign_key="course_standard.id", index=True, ondelete="CASCADE")
    number: int
    content: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    author_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    note: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class Objective(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    standard_id: int = Field(foreign_key="course_standard.id", index=True, ondelete="CASCADE")
    dimension: str = Field(max_length=16)
    code: str = Field(default="", max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    sort_order: int = 0
    proposed_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    proposed_side: str | None = Field(default=None, max_length=16)
    version: int = 1


class LearningUnit(SQLModel, table=True):
    __tablename__ = "learning_unit"
    id: int | None = Field(default=None, primary_key=True)
    standard_id: int = Field(foreign_key="course_standard.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=300)
    content: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    learning_tasks: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    hours_theory: int = 0
    hours_practice: int = 0
    sort_order: int = 0
    proposed_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    proposed_side: str | None = Field(default=None, max_length=16)
    version: int = 1


class AssessmentItem(SQLModel, table=True):
    __tablename__ = "assessment_item"
    id: int | None = Field(default=None, primary_key=True)
    standard_id: int = Field(foreign_key="course_standard.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=200)
    category: str = Field(default="process", max_length=16)
    weight: float = 0.0
    method: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sort_order: int = 0
    version: int = 1


class Alignment(SQLModel, table=True):
    """Course, learning unit or objective → competency, with a level 1–3.

    ``course_id`` is always set (also for unit and objective alignments) so coverage can
    aggregate per course without joins; ``target`` ("course:<id>", "unit:<id>", "objective:<id>",
    see ``alignment_target``) makes one link per target and competency a database constraint.
    """

    __table_args__ = (
        UniqueConstraint("competency_id", "target", name="uq_alignment_competency_target"),
        CheckConstraint("level BETWEEN 1 AND 3", name="ck_alignment_level"),
        Index("ix_alignment_course", "course_id"),
        _partial_index("ix_alignment_unit_id", "unit_id"),
        _partial_index("ix_alignment_objective_id", "objective_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    competency_id: int = Field(foreign_key="competency.id", ondelete="CASCADE")  # uq_alignment_competency_target
    course_id: int = Field(foreign_key="course.id", ondelete="CASCADE")
    unit_id: int | None = Field(default=None, foreign_key="learning_unit.id", ondelete="CASCADE")
    objective_id: int | None = Field(default=None, foreign_key="objective.id", ondelete="CASCADE")
    target: str = Field(max_length=40)
    level: int = 1
    status: str = Field(default="proposed", max_length=16)
    source: str = Field(default="manual", max_length=16)
    proposed_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    proposed_side: str | None = Field(default=None, max_length=16)
    decided_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    decided_at: datetime | None = None
    reason: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


def alignment_target(*, course_id: int, unit_id: int | None = None, objective_id: int | None = None) -> str:
    """The ``Alignment.target`` key: the most specific of unit, objective or course."""
    if unit_id is not None:
        return f"unit:{unit_id}"
    if objective_id is not None:
        return f"objective:{objective_id}"
    return f"course:{course_id}"


class Comment(SQLModel, table=True):
    """A threaded comment on any entity (``entity_type`` + ``entity_id``)."""

    __table_args__ = (Index("ix_comment_entity", "entity_type", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True, ondelete="CASCADE")
    entity_type: str = Field(max_length=32)
    entity_id: int
    parent_id: int | None = Field(default=None, foreign_key="comment.id", ondelete="CASCADE")
    author_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    author_side: str | None = Field(default=None, max_length=16)
    body: str = Field(sa_column=Column(Text, nullable=False))
    resolved: bool = False
    resolved_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    resolved_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Rating(SQLModel, table=True):
    """One rater's survey answer for one competency (DACUM verification survey)."""

    __table_args__ = (
        UniqueConstraint("competency_id", "rater", name="uq_rating_competency_rater"),
        CheckConstraint("importance IS NULL OR (importance BETWEEN 1 AND 5)", name="ck_rating_importance"),
        CheckConstraint("frequency IS NULL OR (frequency BETWEEN 1 AND 7)", name="ck_rating_frequency"),
        CheckConstraint("difficulty IS NULL OR (difficulty BETWEEN 1 AND 5)", name="ck_rating_difficulty"),
    )
    id: int | None = Field(default=None, primary_key=True)
    competency_id: int = Field(foreign_key="competency.id", ondelete="CASCADE")  # uq_rating_competency_rater
    rater: str = Field(max_length=128)
    rater_user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    rater_side: str | None = Field(default=None, max_length=16)
    importance: int | None = None
    frequency: int | None = None
    difficulty: int | None = None
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    created_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    username: str = Field(default="", max_length=64)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True, ondelete="SET NULL")
    entity_type: str = Field(max_length=32)
    entity_id: int | None = None
    action: str = Field(max_length=32)
    summary: str = Field(default="", max_length=500)
    before: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    after: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class ImportRecord(SQLModel, table=True):
    __tablename__ = "import_record"
    id: int | None = Field(default=None, primary_key=True)
    program_id: int | None = Field(default=None, foreign_key="program.id", index=True, ondelete="SET NULL")
    user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    username: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow)
    filename: str = Field(max_length=300)
    kind: str = Field(max_length=32)
    ok: bool = True
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    errors: int = 0
    warnings: int = 0
    # what the import did, instead of one audit event per row (services.importing.commit writes it,
    # services.history reads it): {"created": {type: [[first_id, last_id], …]},
    # "updated": {type: {id: {"before": {…}, "after": {…}}}}, "deleted": {type: {id: {"before": {…}}}}}
    entities: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class CoverageSnapshot(SQLModel, table=True):
    __tablename__ = "coverage_snapshot"
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", index=True, ondelete="CASCADE")
    created_at: datetime = Field(default_factory=utcnow)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    reason: str = Field(default="manual", max_length=32)
    label: str = Field(default="", max_length=200)
    confirmed_only: bool = False
    metrics: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    by_competency: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class SuggestionDecision(SQLModel, table=True):
    """Someone accepted or rejected a suggested unit/objective → competency alignment.

    A rejected pair is never suggested again; both kinds feed the ranking as evidence (the
    ``text`` of the unit or objective as it read when the decision was made). One row per
    target and competency: deciding again replaces the earlier decision.
    """

    __tablename__ = "suggestion_decision"
    __table_args__ = (
        UniqueConstraint("competency_id", "target", name="uq_suggestion_decision_competency_target"),
        Index("ix_suggestion_decision_program", "program_id"),
        _partial_index("ix_suggestion_decision_unit_id", "unit_id"),
        _partial_index("ix_suggestion_decision_objective_id", "objective_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    competency_id: int = Field(foreign_key="competency.id", ondelete="CASCADE")
    target: str = Field(max_length=40)
    unit_id: int | None = Field(default=None, foreign_key="learning_unit.id", ondelete="CASCADE")
    objective_id: int | None = Field(default=None, foreign_key="objective.id", ondelete="CASCADE")
    decision: str = Field(max_length=16)
    text: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    score: float = 0.0
    alignment_id: int | None = Field(default=None, foreign_key="alignment.id", ondelete="SET NULL")
    decided_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    decided_side: str | None = Field(default=None, max_length=16)
    decided_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class Notification(SQLModel, table=True):
    """A message for one user (a cleared signature, later: mentions, review requests); read or not.

    The text is a translation ``key`` with ``params``, so it shows in the reader's language.
    """

    __table_args__ = (Index("ix_notification_user_unread", "user_id", "read_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", ondelete="CASCADE")
    program_id: int | None = Field(default=None, foreign_key="program.id", ondelete="CASCADE")
    kind: str = Field(max_length=32)
    key: str = Field(max_length=100)
    params: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    entity_type: str = Field(default="", max_length=32)
    entity_id: int | None = None
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class LastVisit(SQLModel, table=True):
    """When a user last opened a programme (Home's "since your last visit")."""

    __tablename__ = "last_visit"
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, ondelete="CASCADE")
    program_id: int = Field(foreign_key="program.id", primary_key=True, ondelete="CASCADE")
    visited_at: datetime = Field(default_factory=utcnow)


class Survey(SQLModel, table=True):
    """A DACUM verification survey over one job role's competencies: open → closed.

    Closing aggregates the answers onto the survey's items and sets each rated competency's
    importance (through ``services.framework``); see ``services.surveys``.
    """

    __table_args__ = (Index("ix_survey_program", "program_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    job_role_id: int = Field(foreign_key="job_role.id", index=True, ondelete="CASCADE")
    title: str = Field(max_length=200)
    status: str = Field(default="open", max_length=16)
    apply_importance: bool = True
    opened_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    opened_at: datetime = Field(default_factory=utcnow)
    closed_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    closed_at: datetime | None = None
    version: int = 1


class SurveyItem(SQLModel, table=True):
    """One competency of a survey; the aggregate columns are filled when the survey closes."""

    __tablename__ = "survey_item"
    __table_args__ = (UniqueConstraint("survey_id", "competency_id", name="uq_survey_item_competency"),)
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")  # uq_survey_item_competency leads with it
    competency_id: int = Field(foreign_key="competency.id", index=True, ondelete="CASCADE")
    sort_order: int = 0
    raters: int = 0
    not_relevant: int = 0
    importance_median: float | None = None
    importance_mean: float | None = None
    importance_iqr: float | None = None
    frequency_median: float | None = None
    frequency_mean: float | None = None
    difficulty_median: float | None = None
    difficulty_mean: float | None = None
    criticality: float | None = None
    low_agreement: bool = False
    previous_importance: int | None = None
    applied_importance: int | None = None


class SurveyRater(SQLModel, table=True):
    """Someone invited to a survey: an account (``user_id``) or a personal link (``token_hash``).

    Only the SHA-256 of a link's random token is stored; a link expires and can be revoked.
    """

    __tablename__ = "survey_rater"
    __table_args__ = (Index("ix_survey_rater_survey", "survey_id"),
                      _partial_index("ix_survey_rater_user_id", "user_id"))
    id: int | None = Field(default=None, primary_key=True)
    survey_id: int = Field(foreign_key="survey.id", ondelete="CASCADE")
    user_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="CASCADE")
    name: str = Field(max_length=128)
    side: str = Field(default="enterprise", max_length=16)
    token_hash: str | None = Field(default=None, max_length=64, unique=True)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    invited_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class SurveyAnswer(SQLModel, table=True):
    """One rater's answer on one survey item (importance 1–5, frequency 1–7, difficulty 1–5 or not relevant)."""

    __tablename__ = "survey_answer"
    __table_args__ = (
        UniqueConstraint("item_id", "rater_id", name="uq_survey_answer_item_rater"),
        CheckConstraint("importance IS NULL OR (importance BETWEEN 1 AND 5)", name="ck_survey_answer_importance"),
        CheckConstraint("frequency IS NULL OR (frequency BETWEEN 1 AND 7)", name="ck_survey_answer_frequency"),
        CheckConstraint("difficulty IS NULL OR (difficulty BETWEEN 1 AND 5)", name="ck_survey_answer_difficulty"),
        Index("ix_survey_answer_rater", "rater_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    item_id: int = Field(foreign_key="survey_item.id", ondelete="CASCADE")  # uq_survey_answer_item_rater
    rater_id: int = Field(foreign_key="survey_rater.id", ondelete="CASCADE")
    importance: int | None = None
    frequency: int | None = None
    difficulty: int | None = None
    not_relevant: bool = False
    updated_at: datetime = Field(default_factory=utcnow)
    version: int = 1


class ChangeMark(SQLModel, table=True):
    """A task or competency marked as changing (new equipment, new process, future trend), with a note."""

    __tablename__ = "change_mark"
    __table_args__ = (Index("ix_change_mark_program", "program_id"),)
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    competency_id: int = Field(foreign_key="competency.id", index=True, ondelete="CASCADE")
    reason: str = Field(default="other", max_length=32)
    note: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    marked_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    marked_side: str | None = Field(default=None, max_length=16)
    marked_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolved_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    version: int = 1


class CompetencyLink(SQLModel, table=True):
    """The same requirement in two sources (a job competency ↔ a certificate skill or competition item):
    an alignment to either counts for both in the 岗课赛证 view. Stored once per pair, ``low_id < high_id``."""

    __tablename__ = "competency_link"
    __table_args__ = (UniqueConstraint("low_id", "high_id", name="uq_competency_link_pair"),
                      CheckConstraint("low_id < high_id", name="ck_competency_link_order"),
                      Index("ix_competency_link_program", "program_id"))
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    low_id: int = Field(foreign_key="competency.id", ondelete="CASCADE")  # uq_competency_link_pair leads with it
    high_id: int = Field(foreign_key="competency.id", index=True, ondelete="CASCADE")
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)


class SkillWeight(SQLModel, table=True):
    """One cell of a 国家职业技能标准's weight tables (比重表): the share, in %, of one item — a 职业功能, or a
    基本要求 line such as 职业道德 — in the theory (``part`` theory, 理论知识) or the skill (``part`` skill, 技能
    操作) assessment at one level (五级 … 一级), for one source (a certificate ``job_role``). Text as written."""

    __tablename__ = "skill_weight"
    __table_args__ = (UniqueConstraint("job_role_id", "part", "section", "item", "level", name="uq_skill_weight_cell"),
                      Index("ix_skill_weight_program", "program_id"))
    id: int | None = Field(default=None, primary_key=True)
    program_id: int = Field(foreign_key="program.id", ondelete="CASCADE")
    job_role_id: int = Field(foreign_key="job_role.id", ondelete="CASCADE")  # uq_skill_weight_cell leads with it
    part: str = Field(max_length=16)
    section: str = Field(default="", max_length=200)
    item: str = Field(max_length=500)
    level: str = Field(max_length=16)
    weight: float
    sort_order: int = 0
