"""Surveys (items, raters, invitation links, answers, aggregates), change marks and competency links are part
of a backup: backup → restore into an empty database → the same surveys, answers, results and marks."""

from __future__ import annotations

import json
import shutil

import pytest
from sqlmodel import select

from models import AuditEvent
from services import framework, impact, surveys
from services.actor import SYSTEM
from services.db import make_engine, session_scope
from services.errors import PermissionDenied
from services.exports import export_backup, restore_backup
from tests.exports.conftest import parsed, program_id
from tests.factories import make_framework, make_program, make_user

VOLATILE = ("id", "survey_id", "item_id", "rater_id", "job_role_id", "program_id", "user_id", "invited_by_id",
            "opened_by_id", "closed_by_id", "competency_id", "marked_by_id", "resolved_by_id", "low_id", "high_id")


@pytest.fixture
def target(sqlite_template, tmp_path):
    """A second, empty database to restore into."""
    shutil.copy(sqlite_template, tmp_path / "target.db")
    engine = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    yield engine
    engine.dispose()


def _build(engine) -> dict:
    """A closed survey rated by an account and a link holder, an open survey with a live link and one answer, a
    change mark (and a resolved one) and a competency link, all through the services."""
    program = make_program(engine, code="SV1")
    nodes = make_framework(engine, program["id"], tasks=1, per_task=3, importance=3)
    role = framework.create_job_role(engine, actor=SYSTEM, program_id=program["id"], name="运维员")
    framework.update_node(engine, actor=SYSTEM, node_id=nodes["1.1"]["id"], expected_version=nodes["1.1"]["version"],
                          changes={"job_role_id": role["id"]})
    lead, mentor = make_user(engine, role="lead"), make_user(engine, role="mentor")
    closed = surveys.open_survey(engine, actor=lead, job_role_id=role["id"], title="第一轮")
    surveys.invite_users(engine, actor=lead, survey_id=closed["id"], user_ids=[mentor.id])
    link = surveys.create_invitation_link(engine, actor=lead, survey_id=closed["id"], name="王师傅")["token"]
    for n, item in enumerate(surveys.rating_form(engine, access=surveys.rater_access(
            engine, survey_id=closed["id"], actor=mentor))):
        surveys.save_answer(engine, item_id=item["item_id"], importance=5 - n, frequency=6, difficulty=2,
                            actor=mentor, survey_id=closed["id"])
        surveys.save_answer(engine, item_id=item["item_id"], token=link, **(
            {"not_relevant": True} if n == 2 else {"importance": 1 + n, "frequency": 3, "difficulty": 4}))
    surveys.close_survey(engine, actor=lead, survey_id=closed["id"], expected_version=closed["version"])
    still_open = surveys.open_survey(engine, actor=lead, job_role_id=role["id"], title="第二轮")
    live = surveys.create_invitation_link(engine, actor=lead, survey_id=still_open["id"], name="李工")["token"]
    first_item = surveys.rating_form(engine, access=surveys.rater_access(engine, token=live))[0]
    surveys.save_answer(engine, item_id=first_item["item_id"], token=live, importance=4, frequency=5, difficulty=3)
    mark = impact.mark_changing(engine, actor=mentor, node_id=nodes["1.1.1"]["id"], reason="equipment",
                                note="新型协作机器人上线")
    resolved = impact.mark_changing(engine, actor=mentor, node_id=nodes["1.1"]["id"], reason="trend", note="数字孪生")
    impact.resolve_mark(engine, actor=lead, mark_id=resolved["id"], expected_version=resolved["version"])
    framework.link_competencies(engine, actor=SYSTEM, a_id=nodes["1.1.2"]["id"], b_id=nodes["1.1.3"]["id"])
    return {"program": program, "closed": closed["id"], "open": still_open["id"], "link": link, "live": live,
            "mark": mark}


def _plain(rows):
    """Service results without database ids (they differ between the two databases)."""
    if isinstance(rows, list):
        return [_plain(r) for r in rows]
    if isinstance(rows, dict):
        return {k: _plain(v) for k, v in rows.items() if k not in VOLATILE}
    return rows


def _state(engine, code: str) -> dict:
    """What a user sees of the programme's surveys and marks: lists, a closed survey's results, the results per
    competency, the marks open and all, the linked competencies."""
    pid = program_id(engine, code)
    listed = surveys.list_surveys(engine, program_id=pid)
    closed = next(s for s in listed if s["status"] == "closed")
    results = surveys.survey_results(engine, survey_id=closed["id"])
    open_one = next(s for s in listed if s["status"] == "open")
    return {"surveys": _plain(listed), "results": _plain(results),
            "per_code": _plain(surveys.program_survey_results(engine, program_code=code)),
            "raters": [_plain(surveys.survey_raters(engine, actor=SYSTEM, survey_id=s["id"])) for s in listed],
            "open_items": len(surveys.role_competencies(engine, job_role_id=open_one["job_role_id"])),
            "marks": _plain(impact.list_marks(engine, program_id=pid, open_only=False)),
            "links": _plain(framework.competency_links(engine, program_id=pid))}


def test_surveys_answers_results_and_marks_survive_backup_and_restore(engine, target):
    """With the password hashes (an admin's full backup), every survey, answer, aggregate and mark comes back the
    same, a live invitation link keeps working in the restored database, and export → restore → export is
    lossless. The restore's audit event lists every row it created, course owners and surveys included."""
    built = _build(engine)
    first = export_backup(engine, actor=SYSTEM, program_id=built["program"]["id"], include_password_hashes=True)
    doc = parsed(first.content)["programs"][0]
    assert [s["status"] for s in doc["surveys"]] == ["closed", "open"]
    assert len(doc["surveys"][0]["answers"]) == 6 and doc["surveys"][0]["items"][0]["raters"] == 2
    assert all(r.get("token_hash") for s in doc["surveys"] for r in s["raters"] if r["link"])
    assert [m["reason"] for m in doc["change_marks"]] == ["equipment", "trend"] and len(doc["competency_links"]) == 1

    report = restore_backup(target, actor=SYSTEM, data=first.content)
    assert report.ok, report.errors
    assert report.counts["created"]["survey"] == 2 and report.counts["created"]["survey_answer"] == 7
    assert report.counts["created"]["change_mark"] == 2 and report.counts["created"]["competency_link"] == 1
    assert _state(target, "SV1") == _state(engine, "SV1")
    second = parsed(export_backup(target, actor=SYSTEM, program_id=program_id(target, "SV1"),
                                  include_password_hashes=True).content)
    assert second["programs"][0] == parsed(first.content)["programs"][0]
    # the link of the open survey still opens it in the restored database; its answer is there
    access = surveys.rater_access(target, token=built["live"])
    assert [i["answer"]["importance"] for i in surveys.rating_form(target, access=access) if i["answer"]] == [4]

    with session_scope(target) as session:
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "restore")).one()
    created = event.after["entities"]["created"]
    assert {"program", "user", "job_role", "competency", "survey", "survey_item", "survey_rater", "survey_answer",
            "change_mark", "competency_link"} <= set(created)
    assert sum(last - first + 1 for first, last in created["survey_answer"]) == 7


def test_without_the_hashes_a_live_link_is_revoked_and_the_rest_is_the_same(engine, target):
    """A backup without secrets (the default) brings back the same surveys, answers and results; a link still
    live on an open survey opens nothing in the restored database, is shown revoked, and the report says so."""
    built = _build(engine)
    first = export_backup(engine, actor=SYSTEM, program_id=built["program"]["id"])
    assert not any("token_hash" in r for s in parsed(first.content)["programs"][0]["surveys"] for r in s["raters"])
    report = restore_backup(target, actor=SYSTEM, data=first.content)
    assert report.ok, report.errors
    assert [w["where"] for w in report.warnings if "李工" in w["message"]] == ["SV1/surveys/第二轮"]
    before, after = _state(engine, "SV1"), _state(target, "SV1")
    assert after["results"] == before["results"] and after["per_code"] == before["per_code"]
    assert after["marks"] == before["marks"] and after["surveys"] == before["surveys"]
    assert [r["revoked"] for r in after["raters"][0]] == [True]  # the open survey's link (newest first)
    with pytest.raises(PermissionDenied):
        surveys.rater_access(target, token=built["live"])
    assert surveys.rater_access(engine, token=built["live"]).name == "李工"


def test_a_survey_naming_an_unknown_competency_or_rater_restores_nothing(engine, target):
    """References inside a survey are checked like the rest: an answer by a rater the survey does not list is
    an error naming the survey, and nothing is written."""
    built = _build(engine)
    doc = parsed(export_backup(engine, actor=SYSTEM, program_id=built["program"]["id"]).content)
    doc["programs"][0]["surveys"][0]["answers"][0]["rater"] = 99
    report = restore_backup(target, actor=SYSTEM, data=json.dumps(doc).encode())
    assert not report.ok and report.errors[0]["where"] == "SV1/surveys/第一轮"
    with session_scope(target) as session:
        assert session.exec(select(AuditEvent)).first() is None
