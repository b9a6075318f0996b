"""Test data for coverage: competencies through the framework service, standards and alignments as small factories.

The standards editor and the alignment service belong to other issues, so course standards,
units, objectives and alignments are added here as ORM rows in one short transaction each.
"""

from __future__ import annotations

import itertools

from models import Alignment, CourseStandard, LearningUnit, Objective
from models.tables import alignment_target
from services import coverage, framework
from services.actor import SYSTEM
from services.db import session_scope
from tests.factories import make_course, make_program

_seq = itertools.count(1)


class Programme:
    """A small programme under construction: ``leaf("1.1.1", importance=5)``, ``course("C1")``, ``align(...)``."""

    def __init__(self, engine, *, code: str | None = None):
        self.engine = engine
        self.program = make_program(engine, code=code or f"COV{next(_seq)}")
        self.id = self.program["id"]
        self.nodes: dict[str, dict] = {}
        self.courses: dict[str, dict] = {}

    def _parent(self, code: str, kind: str) -> int | None:
        if kind == "area":
            return None
        parent_code = code.rsplit(".", 1)[0]
        if parent_code not in self.nodes:
            self.node(parent_code, kind="task" if kind == "competency" else "area")
        return self.nodes[parent_code]["id"]

    def node(self, code: str, *, kind: str, statement: str | None = None, **fields) -> dict:
        node = framework.create_node(self.engine, actor=SYSTEM, program_id=self.id, kind=kind, code=code,
                                     statement=statement or f"{kind} {code}", parent_id=self._parent(code, kind),
                                     **fields)
        self.nodes[code] = node
        return node

    def leaf(self, code: str, *, importance: int | None = 5, required_level: int | None = None,
             comp_type: str = "skill", statement: str | None = None, **fields) -> int:
        """A competency ``a.t.c`` (area and task made on first use); returns its id."""
        return self.node(code, kind="competency", statement=statement or f"能完成操作 {code}", importance=importance,
                         required_level=required_level, comp_type=comp_type, **fields)["id"]

    def course(self, code: str, *, semester: int | None = 1, hours_theory: int = 16, hours_practice: int = 16,
               **fields) -> int:
        course = make_course(self.engine, self.id, code=code, semester=semester, hours_theory=hours_theory,
                             hours_practice=hours_practice, **fields)
        self.courses[code] = course
        return course["id"]

    def run(self, **options) -> coverage.CoverageResult:
        return coverage.compute_coverage(self.engine, program_id=self.id, **options)


def add_standard(engine, course_id: int, *, revision: int = 1, units: list[tuple[str, int, int]] = (),
                 objectives: list[tuple[str, str]] = ()) -> dict:
    """A course standard revision with units (title, theory, practice) and objectives (code, text).

    Returns {"id", "units": [ids], "objectives": [ids]}.
    """
    with session_scope(engine) as session:
        standard = CourseStandard(course_id=course_id, revision=revision, title=f"standard r{revision}")
        session.add(standard)
        session.flush()
        unit_rows = [LearningUnit(standard_id=standard.id, title=title, hours_theory=theory, hours_practice=practice,
                                  sort_order=i) for i, (title, theory, practice) in enumerate(units)]
        objective_rows = [Objective(standard_id=standard.id, dimension="skill", code=code, text=text, sort_order=i)
                          for i, (code, text) in enumerate(objectives)]
        session.add_all([*unit_rows, *objective_rows])
        session.flush()
        return {"id": standard.id, "units": [u.id for u in unit_rows], "objectives": [o.id for o in objective_rows]}


def align(engine, *, competency_id: int, course_id: int, level: int, status: str = "accepted",
          unit_id: int | None = None, objective_id: int | None = None, side: str = "school",
          proposed_by_id: int | None = None, decided_by_id: int | None = None, reason: str = "") -> int:
    """One alignment row (the alignment editing service belongs to another issue); returns its id."""
    with session_scope(engine) as session:
        row = Alignment(competency_id=competency_id, course_id=course_id, unit_id=unit_id, objective_id=objective_id,
                        target=alignment_target(course_id=course_id, unit_id=unit_id, objective_id=objective_id),
                        level=level, status=status, source="test", proposed_side=side, proposed_by_id=proposed_by_id,
                        decided_by_id=decided_by_id, reason=reason)
        session.add(row)
        session.flush()
        return row.id


def delete_alignment(engine, alignment_id: int) -> None:
    with session_scope(engine) as session:
        session.delete(session.get(Alignment, alignment_id))


# ----------------------------------------------------------------------------- pure inputs (no database)


def inputs(*, leaves: list[tuple], courses: list[tuple], alignments: list[tuple], units: list[tuple] = (),
           objectives: list[tuple] = (), job_roles: dict[int, str] | None = None) -> coverage.CoverageInputs:
    """In-memory ``CoverageInputs`` for property tests: one area "1", one task "1.1".

    leaves: (id, code, importance, required_level); courses: (id, code, semester, hours);
    alignments: (id, competency_id, course_id, unit_id, objective_id, level, status);
    units: (id, course_id, hours); objectives: (id, course_id).
    """
    nodes = [(1_000_001, None, "area", "1", "area", None, None, None, None, 0, "accepted"),
             (1_000_002, 1_000_001, "task", "1.1", "task", None, None, None, None, 0, "accepted")]
    nodes += [(i, 1_000_002, "competency", code, f"statement {code}", "skill", imp, req, None, 0, "accepted")
              for i, code, imp, req in leaves]
    return coverage.CoverageInputs(
        program={"id": 1, "code": "MEM", "name": "in memory"},
        nodes=coverage.frame_from_rows(nodes, coverage.NODE_COLUMNS,
                                       ints=("id", "parent_id", "importance", "required_level", "job_role_id",
                                             "sort_order")),
        job_roles=job_roles or {},
        courses=coverage.frame_from_rows(
            [(i, code, f"course {code}", "professional_core", sem, hours, 0) for i, code, sem, hours in courses],
            ["id", "code", "name", "course_type", "semester", "hours_theory", "hours_practice"],
            ints=("id", "semester", "hours_theory", "hours_practice")),
        units=coverage.frame_from_rows([(i, c, f"unit {i}", h) for i, c, h in units],
                                       ["id", "course_id", "title", "hours"], ints=("id", "course_id", "hours")),
        objectives=coverage.frame_from_rows([(i, c, f"O{i}", f"objective {i}") for i, c in objectives],
                                            ["id", "course_id", "code", "text"], ints=("id", "course_id")),
        alignments=coverage.frame_from_rows(
            list(alignments), ["id", "competency_id", "course_id", "unit_id", "objective_id", "level", "status"],
            ints=("id", "competency_id", "course_id", "unit_id", "objective_id", "level")),
    )
