"""Loading coverage inputs: one SQL query per table into plain frames (``load_inputs``), and the
cheap data version (``data_version``) the cache checks on every call."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import func, select, true
from sqlalchemy.engine import Connection, Engine

from models import (
    Alignment,
    Competency,
    Course,
    CourseStandard,
    JobRole,
    LearningUnit,
    Objective,
    Program,
    SkillWeight,
)
from services.errors import NotFound

# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class CoverageInputs:
    """What coverage is computed from: one frame per table, as loaded by ``load_inputs``.

    ``units`` and ``objectives`` hold only those of each course's current standard (highest
    revision). Nullable integer columns are float64 (NaN for NULL) so every step stays vectorised.
    """

    program: dict[str, Any]
    nodes: pd.DataFrame  # NODE_COLUMNS: every framework node of the programme
    job_roles: dict[int, str]
    courses: pd.DataFrame  # id, code, name, course_type, semester, hours_theory, hours_practice
    units: pd.DataFrame  # id, course_id, title, hours
    objectives: pd.DataFrame  # id, course_id, code, text
    alignments: pd.DataFrame  # id, competency_id, course_id, unit_id, objective_id, level, status
    role_kinds: dict[int, str] = field(default_factory=dict)  # job role id → kind (job / certificate / competition)
    cert_levels: dict[int, str] = field(default_factory=dict)  # competency id → its level as written (none: "")
    # a 国家职业技能标准's skill weight table: source (job role) id → level → item (职业功能) → weight in %
    skill_weights: dict[int, dict[str, dict[str, float]]] = field(default_factory=dict)
    # competency id → its weight in the weighted figures, where the weight tables give one (weights_for_level)
    weight_override: dict[int, float] = field(default_factory=dict)


def frame_from_rows(rows: list[tuple], columns: list[str], ints: tuple[str, ...] = ()) -> pd.DataFrame:
    """Rows (tuples) into a frame with the dtypes coverage expects (pure; tests build inputs with it).

    ``ints`` become int64, or float64 with NaN when NULLs occur; other columns stay plain
    Python objects (Arrow-backed strings would cost a conversion at every map and take).
    """
    frame = pd.DataFrame.from_records(rows, columns=columns) if rows else pd.DataFrame(
        {c: pd.Series(dtype="float64" if c in ints else "object") for c in columns})
    for column in columns:
        if column in ints:
            values = pd.to_numeric(frame[column])
            frame[column] = values.astype("float64" if values.isna().any() else "int64")
        else:
            frame[column] = frame[column].astype(object)
    return frame


def _frame(conn: Connection, stmt, columns: list[str], ints: tuple[str, ...] = ()) -> pd.DataFrame:
    """One query into a frame (``frame_from_rows``)."""
    result = conn.execute(stmt)
    try:
        # plain DBAPI tuples: building a frame from Row objects costs more than the query itself
        rows = result.cursor.fetchall() if getattr(result, "cursor", None) is not None else [tuple(r) for r in result]
    finally:
        result.close()
    return frame_from_rows(rows, columns, ints)


NODE_COLUMNS = ["id", "parent_id", "kind", "code", "statement", "comp_type", "importance", "required_level",
                "job_role_id", "sort_order", "status"]
LEAF_COLUMNS = ["id", "code", "statement", "comp_type", "importance", "required_level", "job_role_id", "job_role",
                "status", "area_code", "area", "task_code", "task"]


def _current_standards(program_id: int):
    """The current (highest) revision of each course standard of a programme, as a subquery."""
    latest = (select(CourseStandard.course_id, func.max(CourseStandard.revision).label("revision"))
              .join(Course, Course.id == CourseStandard.course_id).where(Course.program_id == program_id)
              .group_by(CourseStandard.course_id).subquery())
    return (select(CourseStandard.id, CourseStandard.course_id)
            .join(latest, (latest.c.course_id == CourseStandard.course_id)
                  & (latest.c.revision == CourseStandard.revision)).subquery())


def load_inputs(engine: Engine, *, program_id: int) -> CoverageInputs:
    """Read a programme's framework, courses, current units and objectives and alignments (one query each)."""
    with _gc_paused(), engine.connect() as conn:
        program = conn.execute(select(Program.id, Program.code, Program.name).where(Program.id == program_id)).first()
        if program is None:
            raise NotFound(f"programme {program_id} not found", code=program_id)
        nodes = _frame(conn, select(*(getattr(Competency, c) for c in NODE_COLUMNS))
                       .where(Competency.program_id == program_id), NODE_COLUMNS,
                       ints=("id", "parent_id", "importance", "required_level", "job_role_id", "sort_order"))
        role_rows = conn.execute(select(JobRole.id, JobRole.name, JobRole.kind)
                                 .where(JobRole.program_id == program_id)).all()
        roles = {r.id: r.name for r in role_rows}
        cert_levels = dict(conn.execute(select(Competency.id, Competency.cert_level)
                                        .where(Competency.program_id == program_id, Competency.cert_level != "")).all())
        courses = _frame(conn, select(Course.id, Course.code, Course.name, Course.course_type, Course.semester,
                                      Course.hours_theory, Course.hours_practice)
                         .where(Course.program_id == program_id),
                         ["id", "code", "name", "course_type", "semester", "hours_theory", "hours_practice"],
                         ints=("id", "semester", "hours_theory", "hours_practice"))
        current = _current_standards(program_id)
        units = _frame(conn, select(LearningUnit.id, current.c.course_id, LearningUnit.title,
                                    LearningUnit.hours_theory + LearningUnit.hours_practice)
                       .join(current, current.c.id == LearningUnit.standard_id),
                       ["id", "course_id", "title", "hours"], ints=("id", "course_id", "hours"))
        objectives = _frame(conn, select(Objective.id, current.c.course_id, Objective.code, Objective.text)
                            .join(current, current.c.id == Objective.standard_id),
                            ["id", "course_id", "code", "text"], ints=("id", "course_id"))
        alignments = _frame(conn, select(Alignment.id, Alignment.competency_id, Alignment.course_id,
                                         Alignment.unit_id, Alignment.objective_id, Alignment.level, Alignment.status)
                            .join(Course, Course.id == Alignment.course_id).where(Course.program_id == program_id),
                            ["id", "competency_id", "course_id", "unit_id", "objective_id", "level", "status"],
                            ints=("id", "competency_id", "course_id", "unit_id", "objective_id", "level"))
        skill_weights: dict[int, dict[str, dict[str, float]]] = {}
        for role_id, item, level, weight in conn.execute(
                select(SkillWeight.job_role_id, SkillWeight.item, SkillWeight.level, SkillWeight.weight)
                .where(SkillWeight.program_id == program_id, SkillWeight.part == "skill")):
            skill_weights.setdefault(role_id, {}).setdefault(level, {})[item] = weight
    return CoverageInputs(program={"id": program.id, "code": program.code, "name": program.name}, nodes=nodes,
                          job_roles=roles, courses=courses, units=units, objectives=objectives, alignments=alignments,
                          role_kinds={r.id: r.kind for r in role_rows}, cert_levels=cert_levels,
                          skill_weights=skill_weights)



def data_version(engine: Engine, *, program_id: int) -> tuple:
    """A cheap fingerprint of everything coverage reads for a programme (one query).

    Row counts, highest ids, sums of row versions (and of hours) and the latest ``updated_at``
    per table: any insert, delete or versioned update from any process changes it.
    """
    def stats(model, *extra, joins=()):
        stmt = select(func.count(), func.max(model.id), func.coalesce(func.sum(model.version), 0), *extra)
        for target, on in joins:
            stmt = stmt.join(target, on)
        owner = JobRole.program_id if model is JobRole else (
            Competency.program_id if model is Competency else Course.program_id)
        return stmt.where(owner == program_id).subquery()

    in_course = (Course, Course.id == CourseStandard.course_id)
    in_standard = {LearningUnit: (CourseStandard, CourseStandard.id == LearningUnit.standard_id),
                   Objective: (CourseStandard, CourseStandard.id == Objective.standard_id)}
    parts = [
        stats(Competency, func.max(Competency.updated_at)),
        stats(Course, func.max(Course.updated_at),
              func.coalesce(func.sum(Course.hours_theory + Course.hours_practice), 0)),
        stats(Alignment, func.max(Alignment.updated_at), joins=[(Course, Course.id == Alignment.course_id)]),
        stats(CourseStandard, func.max(CourseStandard.updated_at), func.coalesce(func.sum(CourseStandard.revision), 0),
              joins=[in_course]),
        stats(LearningUnit, func.coalesce(func.sum(LearningUnit.hours_theory + LearningUnit.hours_practice), 0),
              joins=[in_standard[LearningUnit], in_course]),
        stats(Objective, joins=[in_standard[Objective], in_course]),
        stats(JobRole),
        select(func.max(Program.version), func.max(Program.updated_at)).where(Program.id == program_id).subquery(),
        select(func.count(), func.max(SkillWeight.id), func.coalesce(func.sum(SkillWeight.weight), 0))
        .where(SkillWeight.program_id == program_id).subquery(),
    ]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined.join(part, true())
    with engine.connect() as conn:
        row = conn.execute(select(*(c for part in parts for c in part.c)).select_from(joined)).one()
    return tuple(v if v is None or isinstance(v, (int, float)) else str(v) for v in row)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many small acyclic containers.

    Tens of thousands of row tuples, dicts and lists trigger repeated collections that
    would cost about a third of the computation; reference counting still frees them.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
