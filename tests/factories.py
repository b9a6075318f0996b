"""Small factories that build test data through the services (never hand-written SQL)."""

from __future__ import annotations

import itertools

from services import courses, framework, programs, users
from services.actor import SYSTEM, Actor

_seq = itertools.count(1)


def make_user(engine, *, role: str = "faculty", side: str | None = None, username: str | None = None,
              password: str = "secret") -> Actor:
    side = side or ("enterprise" if role == "mentor" else "school")
    username = username or f"{role}{next(_seq)}"
    users.create_user(engine, actor=SYSTEM, username=username, display_name=username.title(), role=role,
                      side=side, password=password)
    return users.get_actor(engine, username=username)


def make_program(engine, *, code: str | None = None, name: str = "测试专业", language: str = "zh") -> dict:
    return programs.create_program(engine, actor=SYSTEM, code=code or f"P{next(_seq)}", name=name, language=language)


def make_framework(engine, program_id: int, *, tasks: int = 1, per_task: int = 2, importance: int = 5) -> dict:
    """One area with ``tasks`` tasks of ``per_task`` competencies each; returns code → node."""
    nodes = {}
    area = framework.create_node(engine, actor=SYSTEM, program_id=program_id, kind="area", code="1", statement="领域一")
    nodes["1"] = area
    for t in range(1, tasks + 1):
        task = framework.create_node(engine, actor=SYSTEM, program_id=program_id, kind="task", code=f"1.{t}",
                                     statement=f"任务{t}", parent_id=area["id"])
        nodes[task["code"]] = task
        for c in range(1, per_task + 1):
            leaf = framework.create_node(engine, actor=SYSTEM, program_id=program_id, kind="competency",
                                         code=f"1.{t}.{c}", statement=f"能完成第{c}项操作", parent_id=task["id"],
                                         comp_type="skill", importance=importance)
            nodes[leaf["code"]] = leaf
    return nodes


def make_course(engine, program_id: int, *, code: str | None = None, **fields) -> dict:
    values = {"name": "测试课程", "course_type": "professional_core", "credits": 4.0, "hours_theory": 32,
              "hours_practice": 32, "semester": 3}
    values.update(fields)
    return courses.create_course(engine, actor=SYSTEM, program_id=program_id, code=code or f"C{next(_seq)}", **values)
