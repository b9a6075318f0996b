"""The demo: two realistic programmes, loaded idempotently on SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func
from sqlmodel import select

from models import Alignment, Competency, Course, CourseStandard, JobRole, Program, User
from services.db import session_scope
from services.demo import demo_files, seed_demo, validate_program_data
from services.errors import ValidationFailed
from services.outline import required_level_from_importance
from services.standards import list_standards, standard_document
from services.users import authenticate, demo_accounts_active


def _counts(engine, program_code):
    with session_scope(engine) as s:
        pid = s.exec(select(Program.id).where(Program.code == program_code)).one()
        kinds = dict(s.exec(select(Competency.kind, func.count()).where(Competency.program_id == pid)
                            .group_by(Competency.kind)).all())
        return {
            "pid": pid, **kinds,
            "roles": s.exec(select(func.count()).select_from(JobRole).where(JobRole.program_id == pid)).one(),
            "courses": s.exec(select(func.count()).select_from(Course).where(Course.program_id == pid)).one(),
            "alignments": s.exec(select(func.count()).select_from(Alignment).join(Course)
                                 .where(Course.program_id == pid)).one(),
        }


def test_seed_is_idempotent_and_meets_the_brief(engine):
    """Programme 460305 has the sizes the issue asks for; a second seed changes nothing."""
    first = seed_demo(engine)
    assert sorted(first["created"]) == sorted(json.loads(p.read_text("utf-8"))["program"]["code"] for p in demo_files())
    second = seed_demo(engine)
    assert second["created"] == [] and len(second["skipped"]) == len(demo_files())
    counts = _counts(engine, "460305")
    assert counts["roles"] >= 3 and counts["area"] >= 4 and counts["task"] >= 12 and counts["competency"] >= 50
    assert counts["courses"] >= 12 and counts["alignments"] >= 100
    english = _counts(engine, "MECH-ENG")
    assert english["competency"] >= 40 and english["courses"] >= 10 and english["alignments"] >= 80
    with session_scope(engine) as s:
        assert {u.username for u in s.exec(select(User)).all()} >= {"admin", "lead", "faculty", "mentor"}
    assert authenticate(engine, username="mentor", password="demo").side == "enterprise"
    assert demo_accounts_active(engine)


def test_demo_standards_add_up(seeded_engine):
    """Both draft standards: unit hours equal course hours, weights add up to 100 %."""
    with session_scope(seeded_engine) as s:
        pid = s.exec(select(Program.id).where(Program.code == "460305")).one()
    standards = list_standards(seeded_engine, program_id=pid)
    assert len(standards) >= 2 and {st["status"] for st in standards} == {"draft"}
    for st in standards:
        doc = standard_document(seeded_engine, standard_id=st["id"])
        assert doc["unit_hours_total"] == doc["course"]["hours_total"]
        assert doc["assessment_weight_total"] == 100
        assert {o["dimension"] for o in doc["objectives"]} == {"knowledge", "skill", "quality"}
        assert doc["nature"] and doc["design_rationale"]


def test_demo_has_deliberate_gaps(seeded_engine):
    """Core competencies left uncovered or under-covered, so coverage pages have something to show."""
    with session_scope(seeded_engine) as s:
        pid = s.exec(select(Program.id).where(Program.code == "460305")).one()
        leaves = s.exec(select(Competency).where(Competency.program_id == pid, Competency.kind == "competency")).all()
        links = s.exec(select(Alignment.competency_id, Alignment.level).join(Course)
                       .where(Course.program_id == pid, Alignment.status != "rejected")).all()
    level: dict[int, int] = {}
    for cid, lvl in links:
        level[cid] = max(level.get(cid, 0), lvl)
    uncovered_core = [c for c in leaves if (c.importance or 0) >= 4 and c.id not in level]
    below = [c for c in leaves if c.id in level
             and level[c.id] < (c.required_level or required_level_from_importance(c.importance))]
    assert len(uncovered_core) >= 3
    assert len(below) >= 3
    assert any(c.code == "2.1.10" for c in leaves) and any(c.code == "2.1.1" for c in leaves)


def test_broken_demo_file_is_refused(tmp_path, sqlite_engine):
    """A demo file that breaks the format is rejected whole, nothing written."""
    data = json.loads(demo_files()[0].read_text("utf-8"))
    data["alignments"].append({"course": "NOPE", "competency": "1", "level": 7})
    with pytest.raises(ValidationFailed) as info:
        validate_program_data(data)
    assert any("NOPE" in str(e) for e in info.value.errors)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    with pytest.raises(ValidationFailed):
        seed_demo(sqlite_engine, files=[bad])
    with session_scope(sqlite_engine) as s:
        assert s.exec(select(Program)).all() == [] and s.exec(select(User)).all() == []
        assert s.exec(select(CourseStandard)).all() == []
