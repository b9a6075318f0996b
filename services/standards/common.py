"""The course standard's shared vocabulary (limits, table fields, sections), value coercion and
loading / locking a revision: what the read, save and create sides all use."""

from __future__ import annotations

import math
import sys
from numbers import Integral, Real
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, select

from models import (
    AssessmentItem,
    CourseStandard,
    LearningUnit,
    Objective,
)
from services.errors import FieldError, NotFound, ValidationFailed
from services.textguard import FIELD_LIMITS

# --------------------------------------------------------------------------- vocabulary

HEADER_LIMITS = FIELD_LIMITS["course_standard"]  # the one table of limits (services.textguard)
TABLE_LIMITS = {"objectives": FIELD_LIMITS["objective"], "units": FIELD_LIMITS["learning_unit"],
                "assessment": FIELD_LIMITS["assessment_item"]}
OBJECTIVE_FIELDS = ("dimension", "code", "text")
UNIT_FIELDS = ("title", "content", "learning_tasks", "hours_theory", "hours_practice")
ASSESSMENT_FIELDS = ("name", "category", "weight", "method")
TABLE_FIELDS = {"objectives": OBJECTIVE_FIELDS, "units": UNIT_FIELDS, "assessment": ASSESSMENT_FIELDS}
# The parts of the document a comment or a checklist finding can point at.
SECTIONS = ("header", "nature", "design_rationale", "task_table", "objectives", "units", "teaching_methods",
            "resources", "assessment")
_MODELS = {"objectives": Objective, "units": LearningUnit, "assessment": AssessmentItem}
_ENTITY = {"objectives": "objective", "units": "unit", "assessment": "assessment"}
_TARGET_KIND = {"objectives": "objective", "units": "unit"}
_KIND_TABLE = {"objective": "objectives", "unit": "units"}
MAX_HOURS = 2000


def invalid(key: str, message: str, *, field: str = "", row: int | None = None, sheet: str | None = None,
            **params: Any) -> ValidationFailed:
    """A ``ValidationFailed`` with one error that carries a translation ``key`` and its params."""
    exc = ValidationFailed([FieldError(field=field, message=message, row=row, sheet=sheet,
                                       params={"key": key, **params})])
    exc.key, exc.params = key, params
    return exc


def _blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        pd = sys.modules.get("pandas")  # pandas' blanks can only come from a loaded pandas (the editors)
        if pd is not None and (value is pd.NA or value is pd.NaT):
            return True
        return value == ""
    except (TypeError, ValueError):
        return False


def _text(value: Any) -> str:
    return "" if _blank(value) else str(value).strip()


def _as_int(value: Any) -> int | None:
    """Whole numbers from editors (numpy ints, 4.0 floats, "4"); ``None`` if blank; ``ValueError`` else."""
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, Integral):
        return int(value)
    if isinstance(value, Real) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    raise ValueError(value)


def _as_float(value: Any) -> float | None:
    if _blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    return float(value)


# --------------------------------------------------------------------------- loading


def load_standard(session: Session, standard_id: int) -> CourseStandard:
    """The standard row or ``NotFound`` (shared by the standards services)."""
    standard = session.get(CourseStandard, standard_id)
    if standard is None:
        raise NotFound(f"course standard {standard_id} not found", standard_id=standard_id)
    return standard


def lock_standard(session: Session, standard_id: int) -> CourseStandard:
    """Lock the standard's row for the rest of the transaction and return it, freshly read.

    Lock order (docs/architecture.md, Concurrency): every transaction that changes a standard
    or anything under it (objectives, units, assessment, their alignments, versions) takes this
    lock first, then touches the children, so two writers never wait for each other in a cycle.
    PostgreSQL: ``SELECT … FOR UPDATE``. SQLite: a no-op ``UPDATE`` takes the database's write
    lock at once, before the transaction has read anything that could go stale.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(CourseStandard).where(CourseStandard.id == standard_id)
                        .values(version=CourseStandard.version).execution_options(synchronize_session=False))
        query = select(CourseStandard).where(CourseStandard.id == standard_id)
    else:
        query = select(CourseStandard).where(CourseStandard.id == standard_id).with_for_update()
    standard = session.exec(query.execution_options(populate_existing=True)).first()
    if standard is None:
        raise NotFound(f"course standard {standard_id} not found", standard_id=standard_id)
    return standard


def ensure_editable(standard: CourseStandard) -> None:
    """Refuse any content change to an approved (frozen) revision."""
    if standard.status == "approved":
        raise invalid("standards.error.frozen",
                      f"revision {standard.revision} is approved and frozen; start a new revision to change it",
                      field="status", revision=standard.revision)
