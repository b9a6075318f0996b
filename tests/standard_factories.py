"""Factories for course-standard tests: a small programme with people and a complete draft standard.

Everything is built through the services (``tests/factories.py`` plus ``services.standards``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from services import courses, programs, standards, workflow
from services.actor import SYSTEM, Actor
from tests.factories import make_course, make_framework, make_program, make_user

GOOD_OBJECTIVES = [
    {"dimension": "knowledge", "code": "K1", "text": "能够说明工作原理并正确选用元件", "alignments": [{"code": "1.1.1", "level": 2}]},
    {"dimension": "skill", "code": "S1", "text": "能够独立完成安装与调试", "alignments": [{"code": "1.1.2", "level": 3}]},
    {"dimension": "quality", "code": "Q1", "text": "能够遵守安全规范，具有严谨细致的工作态度",
     "alignments": [{"code": "1.2.1", "level": 2}]},
]
GOOD_UNITS = [
    {"title": "单元一 认识与选用", "content": "元件结构与原理", "learning_tasks": "任务1", "hours_theory": 16,
     "hours_practice": 16, "alignments": [{"code": "1.1.1", "level": 3}, {"code": "1.1.2", "level": 2}]},
    {"title": "单元二 安装与调试", "content": "安装规范", "learning_tasks": "任务1；任务2", "hours_theory": 16,
     "hours_practice": 16, "alignments": [{"code": "1.2.1", "level": 2}]},
]
GOOD_ASSESSMENT = [
    {"name": "过程性考核", "category": "process", "weight": 60, "method": "项目评分"},
    {"name": "终结性考核", "category": "summative", "weight": 40, "method": "综合实操"},
]
GOOD_HEADER = {"nature": "专业核心课程", "design_rationale": "基于典型工作任务", "teaching_methods": "项目教学",
               "resources": "实训室"}


@dataclass
class StandardWorld:
    """A programme, its people and one course with a complete draft standard."""

    program_id: int
    course_id: int
    standard_id: int
    nodes: dict[str, dict[str, Any]]
    owner: Actor
    faculty: Actor  # faculty who does not own the course
    lead: Actor
    mentor: Actor
    admin: Actor

    def actor(self, role: str) -> Actor:
        """The actor for a role name used in permission tables ("owner" = the course's faculty owner)."""
        return {"owner": self.owner, "faculty": self.faculty, "lead": self.lead, "mentor": self.mentor,
                "admin": self.admin}[role]


def make_world(engine, *, hours_theory: int = 32, hours_practice: int = 32, complete: bool = True) -> StandardWorld:
    """A programme (two tasks of two competencies), five people and a draft standard (complete
    and passing the blocking checks unless ``complete`` is False, then blank)."""
    program = make_program(engine)
    nodes = make_framework(engine, program["id"], tasks=2, per_task=2)
    owner = make_user(engine, role="faculty")
    faculty = make_user(engine, role="faculty")
    lead = make_user(engine, role="lead")
    mentor = make_user(engine, role="mentor")
    admin = make_user(engine, role="admin")
    course = make_course(engine, program["id"], hours_theory=hours_theory, hours_practice=hours_practice)
    courses.set_course_owners(engine, actor=SYSTEM, course_id=course["id"], user_ids=[owner.id])
    created = standards.create_standard(engine, actor=owner, course_id=course["id"])
    if complete:
        standards.save_standard(engine, actor=owner, standard_id=created["standard_id"],
                                expected_version=created["version"], header=GOOD_HEADER,
                                objectives=[dict(o) for o in GOOD_OBJECTIVES], units=[dict(u) for u in GOOD_UNITS],
                                assessment=[dict(a) for a in GOOD_ASSESSMENT], note="first draft")
    return StandardWorld(program_id=program["id"], course_id=course["id"], standard_id=created["standard_id"],
                         nodes=nodes, owner=owner, faculty=faculty, lead=lead, mentor=mentor, admin=admin)


def version_of(engine, standard_id: int) -> int:
    """The standard's current row version (what a page would hold as expected_version)."""
    return workflow.workflow_state(engine, standard_id=standard_id)["version"]


def demo_standard_id(engine, course_code: str, program_code: str = "460305") -> int:
    """The id of the demo standard of ``course_code``."""
    program = programs.get_program(engine, code=program_code)
    return next(s["id"] for s in standards.list_standards(engine, program_id=program["id"])
                if s["course_code"] == course_code)
