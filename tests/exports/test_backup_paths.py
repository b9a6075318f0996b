"""#11 item 8: whatever a write path accepts, a backup of it restores (SQLite and PostgreSQL).

The database is built through every write path: the demo seed, imports of a framework (with a
competency directly under a work area), courses, a matrix and a standard, the framework editor,
alignments proposed, accepted and re-levelled, suggestions accepted and rejected, comments, a survey
rated through an invitation link, a change mark and a competency link. Its whole-database backup is
restored into the emptied database and backed up again: the two documents are equal.
"""

from __future__ import annotations

import json

from sqlalchemy import delete

from models import metadata
from services import alignments, comments, framework, impact, suggestions, surveys, users
from services.actor import SYSTEM
from services.courses import list_courses
from services.demo import seed_demo
from services.exports import export_backup, restore_backup
from services.importing.templates import TEMPLATE_KINDS, template_workbook
from services.programs import get_program
from services.standards import list_standards, standard_content
from tests.exports.conftest import parsed
from tests.importing.conftest import run_import, xlsx_bytes

# a two-level branch: F.2 is a competency directly under the work area F (the import accepts it)
FLAT_FRAMEWORK = [["编码", "能力描述", "重要程度"], ["F", "设备维护", ""], ["F.1", "日常点检", ""],
                  ["F.1.1", "能按点检表完成日常点检", 4], ["F.2", "能判断常见故障", 5]]


def _node(engine, program_id: int, code: str) -> dict:
    frame = framework.framework_frame(engine, program_id=program_id)
    return frame.loc[frame["code"] == code].iloc[0].to_dict()


def _build_through_every_path(engine) -> None:
    seed_demo(engine)
    lead, mentor = users.get_actor(engine, username="lead"), users.get_actor(engine, username="mentor")
    for kind in TEMPLATE_KINDS:
        _, result = run_import(engine, template_workbook(kind), f"{kind}.xlsx", program="P1")
        assert result.ok, (kind, result.errors)
    _, result = run_import(engine, xlsx_bytes(FLAT_FRAMEWORK), "维护.xlsx", program="P1")
    assert result.ok, result.errors
    pid = get_program(engine, code="P1")["id"]
    assert _node(engine, pid, "F.2")["kind"] == "competency" and _node(engine, pid, "F.2")["task_code"] in ("", None)
    area = framework.create_node(engine, actor=lead, program_id=pid, kind="area", code="G", statement="安全管理")
    role = framework.create_job_role(engine, actor=lead, program_id=pid, name="安全员")
    hazard = framework.create_node(engine, actor=mentor, program_id=pid, kind="competency", code="G.1",
                                   statement="能识别作业现场的安全隐患", parent_id=area["id"], importance=4,
                                   job_role_id=role["id"])
    task = framework.create_node(engine, actor=lead, program_id=pid, kind="task", code="G.2", statement="应急处置",
                                 parent_id=area["id"])
    framework.create_node(engine, actor=lead, program_id=pid, kind="competency", code="G.2.1",
                          statement="能启动应急预案", parent_id=task["id"])
    course_id = int(list_courses(engine, program_id=pid)["id"].iloc[0])
    for code in ("F.2", "G.1"):
        link = alignments.propose_alignment(engine, actor=lead, course_id=course_id, code=code, level=2)
        link = alignments.decide_alignment(engine, actor=mentor, alignment_id=link["id"],
                                           expected_version=link["version"], decision="accept")
        link = link.get("alignment", link)
        alignments.change_level(engine, actor=lead, alignment_id=link["id"], expected_version=link["version"], level=3)
    demo = next(s for s in list_standards(engine, program_id=get_program(engine, code="460305")["id"])
                if s["course_code"] == "ZH3021" and s["status"] != "approved")
    unit = standard_content(engine, demo["id"])["units"][0]
    faculty = users.get_actor(engine, username="faculty")
    offered = suggestions.suggest_for_target(engine, unit_id=unit["id"], top=2)["suggestions"]
    suggestions.accept_suggestion(engine, actor=faculty, unit_id=unit["id"], competency_id=offered[0]["competency_id"],
                                  level=1, score=offered[0]["score"])
    suggestions.reject_suggestion(engine, actor=faculty, unit_id=unit["id"], competency_id=offered[1]["competency_id"])
    thread = comments.add_comment(engine, actor=mentor, entity_type="competency",
                                  entity_id=int(_node(engine, pid, "F.2")["id"]), body="故障判断应细分")
    comments.reply(engine, actor=lead, comment_id=thread["id"], body="下一版拆分为两条")
    # an open survey rated through an invitation link, a change mark and a link between two sources
    survey = surveys.open_survey(engine, actor=lead, job_role_id=role["id"])
    token = surveys.create_invitation_link(engine, actor=lead, survey_id=survey["id"], name="赵师傅")["token"]
    item = surveys.rating_form(engine, access=surveys.rater_access(engine, token=token))[0]
    surveys.save_answer(engine, item_id=item["item_id"], token=token, importance=4, frequency=3, difficulty=2)
    impact.mark_changing(engine, actor=mentor, node_id=hazard["id"], reason="process", note="新的安全规程")
    framework.link_competencies(engine, actor=lead, a_id=int(_node(engine, pid, "F.2")["id"]), b_id=hazard["id"])


def _empty(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))


def _comparable(doc: dict) -> dict:
    return {k: v for k, v in doc.items() if k != "created_at"}


def test_a_database_built_through_every_write_path_round_trips_through_backup(engine):
    """Backup → restore into an empty database → backup gives the same document."""
    _build_through_every_path(engine)
    first = parsed(export_backup(engine, actor=SYSTEM, include_password_hashes=True).content)
    assert {p["code"] for p in first["programs"]} >= {"460305", "P1"}
    demo = next(p for p in first["programs"] if p["code"] == "460305")
    assert sorted(d["decision"] for d in demo["suggestion_decisions"]) == ["accept", "reject"]
    p1 = next(p for p in first["programs"] if p["code"] == "P1")
    assert p1["surveys"][0]["answers"] and p1["change_marks"] and p1["competency_links"] and demo["surveys"]
    _empty(engine)
    report = restore_backup(engine, actor=SYSTEM, data=json.dumps(first).encode())
    assert report.ok, report.errors
    second = parsed(export_backup(engine, actor=SYSTEM, include_password_hashes=True).content)
    assert _comparable(second) == _comparable(first)
