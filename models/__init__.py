"""SQLModel tables of CoStandard: the whole domain, designed once for every feature.

All tables live here so that Alembic sees one metadata and services import one place.
Rows that users edit carry a ``version`` counter; services bump it on every change and
reject a save that names a stale version (see ``services.versioning``).
"""

from sqlmodel import SQLModel

from models.enums import (  # noqa: F401
    ALIGNMENT_STATUSES,
    COMPETENCY_TYPES,
    COURSE_TYPES,
    NODE_KINDS,
    OBJECTIVE_DIMENSIONS,
    ROLES,
    SIDES,
    STANDARD_STATUSES,
)
from models.tables import (  # noqa: F401
    Alignment,
    AssessmentItem,
    AuditEvent,
    ChangeMark,
    Comment,
    Competency,
    CompetencyLink,
    Course,
    CourseOwner,
    CourseStandard,
    CoverageSnapshot,
    ImportRecord,
    JobRole,
    LastVisit,
    LearningUnit,
    LoginAttempt,
    Notification,
    Objective,
    Program,
    Rating,
    SkillWeight,
    StandardVersion,
    SuggestionDecision,
    Survey,
    SurveyAnswer,
    SurveyItem,
    SurveyRater,
    User,
    UserSession,
)

metadata = SQLModel.metadata
