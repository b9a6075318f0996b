"""Backup and restore: lossless round trips on SQLite and PostgreSQL, refusal, merge, dry run, bad files."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlmodel import select

from models import Alignment, Comment, Competency, Program, SuggestionDecision, User
from models import AuditEvent as AuditEventRow
from services import alignments, courses, framework, suggestions, users
from services.actor import SYSTEM
from services.db import session_scope
from services.errors import PermissionDenied
from services.exports import backup_document, export_backup, restore_backup
from tests.demo_data import demo_sizes
from tests.exports.conftest import course_id, node_id, parsed, program_id, table_counts

SIZES = demo_sizes("460305")


def comparable(doc: dict, *, users_active: bool = True) -> dict:
    """The document without the moment it was written (and, optionally, the users' active flags)."""
    doc = {k: v for k, v in doc.items() if k != "created_at"}
    if not users_active:
        doc["users"] = [{**u, "is_active": None} for u in doc["users"]]
    return doc


def test_programme_backup_holds_everything(rich_engine):
    """Programme, roles, framework, courses with owners, every standard revision with versions, alignments with
    provenance, threaded comments, ratings, snapshots and the referenced users without password hashes."""
    doc = parsed(export_backup(rich_engine, actor=SYSTEM, program_id=program_id(rich_engine)).content)
    assert doc["format"] == "costandard-backup" and doc["scope"] == "program" and len(doc["programs"]) == 1
    p = doc["programs"][0]
    assert p["code"] == "460305" and len(p["job_roles"]) == SIZES["roles"] and len(p["framework"]) == SIZES["nodes"]
    course = next(c for c in p["courses"] if c["code"] == "ZH3021")
    assert course["owners"] and [s["revision"] for s in course["standards"]] == [1, 2]
    r1, r2 = course["standards"]
    assert r1["status"] == "approved" and r1["school_signed_by"] == "lead" and r1["enterprise_signed_by"] == "mentor"
    assert r1["versions"] and r2["versions"] and r2["status"] == "draft" and len(r2["units"]) == len(r1["units"]) == 6
    assert {a["target"].split(":")[0] for a in p["alignments"]} == {"course", "unit", "objective"}
    assert all(a["proposed_by"] in {"mentor", "faculty", "lead"} for a in p["alignments"])
    entity_types = {c["entity_type"] for c in p["comments"]}
    assert {"standard", "section:nature", "competency", "unit"} <= entity_types
    assert all(c["entity"] for c in p["comments"])
    reply = next(c for c in p["comments"] if c["parent"] is not None)
    assert reply["parent"] == next(c["ref"] for c in p["comments"] if c["body"] == "请补充安全规范要求")
    assert {(r["competency"], r["rater"]) for r in p["ratings"]} == {("1.1.1", "张工"), ("1.1.1", "刘工"), ("2.1.1", "张工")}
    assert len(p["coverage_snapshots"]) == 2
    assert all(isinstance(row["id"], dict) for row in p["coverage_snapshots"][0]["by_competency"])
    decided = p["suggestion_decisions"]
    assert sorted((d["target"].split(":")[0], d["decision"]) for d in decided) == [
        ("objective", "reject"), ("unit", "accept"), ("unit", "reject")]
    assert all(d["target"].split(":")[1] == "2" and d["decided_by"] == "faculty" and d["text"] for d in decided)
    accepted = next(d for d in decided if d["decision"] == "accept")
    assert accepted["alignment"] and any((a["competency"], a["target"]) == (accepted["competency"], accepted["target"])
                                         for a in p["alignments"])
    assert {u["username"] for u in doc["users"]} >= {"lead", "mentor", "faculty"}
    assert not any("password_hash" in u for u in doc["users"])
    assert not any("id" in row for section in ("framework", "alignments", "ratings", "comments") for row in p[section])


def test_export_restore_export_is_lossless(rich_engine, engine):
    """With password hashes, a restored programme exports to exactly the same document (SQLite and PostgreSQL)."""
    first = parsed(export_backup(rich_engine, actor=SYSTEM, program_id=program_id(rich_engine),
                                 include_password_hashes=True).content)
    assert all(u["password_hash"] for u in first["users"])
    progress = []
    report = restore_backup(engine, actor=SYSTEM, data=json.dumps(first).encode(), progress=lambda f, m: progress.append(f))
    assert report.ok, report.errors
    assert progress[-1] == 1.0 and report.program == "460305"
    created = report.to_json()["created"]
    assert created["competency"] == SIZES["competency"] and created["standard"] == 3 and created["comment"] == 5 and created["rating"] == 3
    assert created["suggestion_decision"] == 3
    second = parsed(export_backup(engine, actor=SYSTEM, program_id=program_id(engine),
                                  include_password_hashes=True).content)
    assert comparable(second) == comparable(first)
    assert users.authenticate(engine, username="lead", password="demo") is not None  # the hash came along
    # the restored decisions act: a rejected pair stays hidden, the accepted one points at its alignment
    with session_scope(engine) as session:
        rows = session.exec(select(SuggestionDecision)).all()
    assert len(rows) == 3 and all(d.program_id == program_id(engine) for d in rows)
    accepted = next(d for d in rows if d.decision == "accept")
    with session_scope(engine) as session:
        link = session.get(Alignment, accepted.alignment_id)
        assert (link.competency_id, link.target) == (accepted.competency_id, accepted.target)
    suggestions.clear_cache()
    for d in rows:
        kind = {"unit_id": d.unit_id} if d.unit_id else {"objective_id": d.objective_id}
        shown = [s["competency_id"] for s in suggestions.suggest_for_target(engine, top=60, **kind)["suggestions"]]
        assert d.competency_id not in shown


def test_without_password_hashes_users_come_back_inactive(rich_engine, engine):
    """Everything else is equal; users restored without a password cannot log in until an admin acts."""
    first = export_backup(rich_engine, actor=SYSTEM, program_id=program_id(rich_engine))
    report = restore_backup(engine, actor=SYSTEM, data=first.content)
    assert report.ok and any("inactive" in w["message"] for w in report.warnings)
    second = export_backup(engine, actor=SYSTEM, program_id=program_id(engine))
    assert comparable(parsed(second.content), users_active=False) == comparable(parsed(first.content), users_active=False)
    with session_scope(engine) as session:
        restored = session.exec(select(User)).all()
        assert restored and all(not u.is_active and u.password_hash == "" for u in restored)


def test_whole_database_backup_as_zip(rich_engine, engine):
    """Both programmes and every user in one zip; restored and exported again it is the same."""
    first = export_backup(rich_engine, actor=SYSTEM, fmt="zip", include_password_hashes=True)
    assert first.filename.startswith("all-backup-") and first.filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(first.content)) as archive:
        doc = json.loads(archive.read("backup.json"))
    assert doc["scope"] == "database" and [p["code"] for p in doc["programs"]] == ["460305", "MECH-ENG"]
    assert len(doc["users"]) == 6
    report = restore_backup(engine, actor=SYSTEM, data=first.content)
    assert report.ok, report.errors
    assert report.programs == ["460305", "MECH-ENG"]
    again = backup_document(engine, actor=SYSTEM, include_password_hashes=True)
    assert comparable(again) == comparable(doc)


def test_restore_refuses_an_existing_programme_and_writes_nothing(rich_engine):
    """Same code already there: a clear error, exit-1 semantics, every table as it was."""
    data = export_backup(rich_engine, actor=SYSTEM, program_id=program_id(rich_engine)).content
    before = table_counts(rich_engine)
    report = restore_backup(rich_engine, actor=SYSTEM, data=data, lang="en")
    assert not report.ok and "460305 already exists" in report.errors[0]["message"]
    assert table_counts(rich_engine) == before


def test_dry_run_reports_and_writes_nothing(rich_engine, engine):
    data = export_backup(rich_engine, actor=SYSTEM, program_id=program_id(rich_engine)).content
    before = table_counts(engine)
    report = restore_backup(engine, actor=SYSTEM, data=data, dry_run=True)
    assert report.ok and report.dry_run and report.to_json()["created"]["alignment"] > 100
    assert table_counts(engine) == before


def test_merge_creates_only_what_is_missing(rich_engine, engine):
    """Matched by natural keys: new rows are created, existing ones left as they are (a differing one is
    reported, never overwritten), rows only in the database are counted as not in the file."""
    pid = program_id(rich_engine)
    assert restore_backup(engine, actor=SYSTEM, data=export_backup(rich_engine, actor=SYSTEM, program_id=pid).content).ok
    # the source moves on: a new competency with an alignment and a comment, and a renamed course
    task = node_id(rich_engine, "1.1")
    node = framework.create_node(rich_engine, actor=SYSTEM, program_id=pid, kind="competency", code="1.1.99",
                                 statement="能完成新增的装配检测", parent_id=task, comp_type="skill", importance=4)
    alignments.propose_alignment(rich_engine, actor=SYSTEM, level=2, competency_id=node["id"],
                                 course_id=course_id(rich_engine, "ZH3021"))
    from services import comments

    comments.add_comment(rich_engine, actor=users.get_actor(rich_engine, username="mentor"), entity_type="competency",
                         entity_id=node["id"], body="新增能力请确认")
    zh = courses.get_course(rich_engine, course_id=course_id(rich_engine, "ZH3021"))
    courses.update_course(rich_engine, actor=SYSTEM, course_id=zh["id"], expected_version=zh["version"],
                          changes={"name": "工业机器人现场编程（新）"})
    # the target has something the file does not
    target_pid = program_id(engine)
    framework.create_node(engine, actor=SYSTEM, program_id=target_pid, kind="area", code="9", statement="本地新增领域")
    data = export_backup(rich_engine, actor=SYSTEM, program_id=pid).content

    before = table_counts(engine)
    refused = restore_backup(engine, actor=SYSTEM, data=data)
    assert not refused.ok and table_counts(engine) == before
    dry = restore_backup(engine, actor=SYSTEM, data=data, merge=True, dry_run=True)
    assert dry.ok and table_counts(engine) == before
    report = restore_backup(engine, actor=SYSTEM, data=data, merge=True, lang="en")
    assert report.ok, report.errors
    out = report.to_json()
    assert out["created"] == {**{k: 0 for k in out["created"]}, "competency": 1, "alignment": 1, "comment": 1}
    assert out["unchanged"]["program"] == 1 and out["unchanged"]["course"] == 12 and out["unchanged"]["competency"] == SIZES["competency"]
    assert out["not_in_file"]["area"] == 1 and out["updated"] == {k: 0 for k in out["updated"]}
    assert any("courses" in w["message"] and "kept" in w["message"] for w in report.warnings)
    with session_scope(engine) as session:
        assert session.exec(select(Competency).where(Competency.code == "1.1.99")).one().statement == "能完成新增的装配检测"
        assert courses.get_course(engine, course_id=course_id(engine, "ZH3021"))["name"] == "工业机器人现场编程"
        assert session.exec(select(Comment).where(Comment.body == "新增能力请确认")).one().entity_id == \
            node_id(engine, "1.1.99")
    again = restore_backup(engine, actor=SYSTEM, data=data, merge=True)
    assert again.ok and not any(again.to_json()["created"].values())


def _valid_doc(rich_engine) -> dict:
    return parsed(export_backup(rich_engine, actor=SYSTEM, program_id=program_id(rich_engine)).content)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "bad_zip", "foreign_json", "future_version", "bad_level",
                                    "missing_target", "unknown_parent", "duplicate_code", "decision_target",
                                    "bad_decision"])
def test_bad_files_are_rejected_with_the_database_unchanged(rich_engine, engine, damage):
    """Corrupt, truncated, foreign or inconsistent files: errors that say why, nothing written."""
    doc = _valid_doc(rich_engine)
    raw = json.dumps(doc, ensure_ascii=False).encode()
    p = doc["programs"][0]
    if damage == "truncated":
        data = raw[: len(raw) // 2]
    elif damage == "garbage":
        data = b"\x89PNG\r\n\x1a\n" + bytes(range(256))
    elif damage == "bad_zip":
        data = b"PK\x03\x04" + raw[:100]
    elif damage == "foreign_json":
        data = json.dumps({"CFDocument": {}}).encode()
    elif damage == "future_version":
        data = json.dumps({**doc, "format_version": 99}).encode()
    else:
        if damage == "bad_level":
            p["alignments"][0]["level"] = 7
        elif damage == "missing_target":
            p["alignments"].append({**p["alignments"][0], "target": "unit:9:1"})
        elif damage == "unknown_parent":
            p["framework"][5]["parent"] = "no.such.code"
        elif damage == "decision_target":
            p["suggestion_decisions"].append({**p["suggestion_decisions"][0], "target": "unit:2:99"})
        elif damage == "bad_decision":
            p["suggestion_decisions"][0]["decision"] = "maybe"
        else:
            p["framework"].append(dict(p["framework"][3]))
        data = json.dumps(doc).encode()
    before = table_counts(engine)
    report = restore_backup(engine, actor=SYSTEM, data=data, lang="en")
    assert not report.ok and report.errors and all(e["message"] for e in report.errors)
    assert table_counts(engine) == before
    messages = " ".join(e["message"] for e in report.errors)
    expected = {"truncated": "truncated", "garbage": "UTF-8", "bad_zip": "zip", "foreign_json": "not a CoStandard",
                "future_version": "version 99", "bad_level": "format", "missing_target": "does not exist",
                "unknown_parent": "no.such.code", "duplicate_code": "duplicate", "decision_target": "unit:2:99",
                "bad_decision": "format"}[damage]
    assert expected in messages


def test_missing_users_become_inactive_placeholders(rich_engine, engine):
    """A username the file refers to but does not list is created inactive, without a password."""
    doc = _valid_doc(rich_engine)
    doc["users"] = [u for u in doc["users"] if u["username"] != "mentor"]
    report = restore_backup(engine, actor=SYSTEM, data=json.dumps(doc).encode(), lang="en")
    assert report.ok and any("mentor" in w["message"] and "missing" in w["message"] for w in report.warnings)
    with session_scope(engine) as session:
        mentor = session.exec(select(User).where(User.username == "mentor")).one()
        assert not mentor.is_active and mentor.password_hash == ""
        assert session.exec(select(Program)).one().code == "460305"


def test_existing_users_are_matched_by_username_and_left_alone(rich_engine, engine):
    from tests.factories import make_user

    make_user(engine, role="admin", username="lead")
    report = restore_backup(engine, actor=SYSTEM, data=export_backup(rich_engine, actor=SYSTEM,
                                                                     program_id=program_id(rich_engine)).content)
    assert report.ok and report.to_json()["unchanged"]["user"] == 1
    assert users.get_actor(engine, username="lead").role == "admin"


def test_only_admins_back_up_and_restore(rich_engine):
    faculty = users.get_actor(rich_engine, username="faculty")
    lead = users.get_actor(rich_engine, username="lead")
    with pytest.raises(PermissionDenied):
        export_backup(rich_engine, actor=lead, program_id=program_id(rich_engine))
    with pytest.raises(PermissionDenied):
        restore_backup(rich_engine, actor=faculty, data=b"{}")
    admin = users.get_actor(rich_engine, username="admin")
    assert export_backup(rich_engine, actor=admin, program_id=program_id(rich_engine), include_password_hashes=True)


def test_the_restore_event_lists_the_rows_it_created_and_their_history_shows_it(rich_engine, engine):
    """The one "restore" audit event lists every row it created (ids as ranges, like an import record), so
    the history of a restored competency, alignment, course or comment starts with the restore."""
    from services import history

    pid = program_id(rich_engine, "460305")
    report = restore_backup(engine, actor=SYSTEM, data=export_backup(rich_engine, actor=SYSTEM, program_id=pid).content)
    assert report.ok, report.errors
    restored = program_id(engine, "460305")
    events = history.audit_events(engine, actor=SYSTEM, program_id=restored, entity_type="program", action="restore")
    assert len(events) == 1
    with session_scope(engine) as session:
        created = session.exec(select(AuditEventRow).where(AuditEventRow.action == "restore")).one().after["entities"][
            "created"]
        ids = {"competency": session.exec(select(Competency.id)).all(), "alignment": session.exec(select(Alignment.id)).all(),
               "comment": session.exec(select(Comment.id)).all()}
    for kind, rows in ids.items():
        assert rows, kind
        assert {i for first, last in created[kind] for i in range(first, last + 1)} == set(rows), kind
        trail = history.audit_events(engine, actor=SYSTEM, entity_type=kind, entity_id=rows[-1])
        entry = trail[trail["action"] == "create"]
        assert len(entry) == 1, (kind, trail)
        assert entry.iloc[0]["summary"].startswith("restore: backup restored as 460305")
        assert entry.iloc[0]["id"] == events.iloc[0]["id"]


def test_the_restore_event_lists_every_kind_it_created(rich_engine, engine):
    """Complete: every kind of row the restore's report counts as created is on the event, as many as counted —
    course owners (by the id of their course: an owner row has no id of its own) and suggestion decisions too."""
    from models import CourseOwner

    pid = program_id(rich_engine, "460305")
    report = restore_backup(engine, actor=SYSTEM, data=export_backup(rich_engine, actor=SYSTEM, program_id=pid).content)
    assert report.ok, report.errors
    with session_scope(engine) as session:
        created = session.exec(select(AuditEventRow).where(AuditEventRow.action == "restore")).one().after["entities"][
            "created"]
        owned = set(session.exec(select(CourseOwner.course_id)).all())
        decisions = set(session.exec(select(SuggestionDecision.id)).all())

    def listed(kind: str) -> set[int]:
        return {i for first, last in created.get(kind, []) for i in range(first, last + 1)}

    counted: dict[str, int] = {}  # areas and tasks are competency rows
    for k, n in report.counts["created"].items():
        if n:
            kind = "competency" if k in ("area", "task") else k
            counted[kind] = counted.get(kind, 0) + n
    assert set(created) == set(counted), (sorted(created), sorted(counted))
    for kind, n in counted.items():
        if kind != "course_owner":
            assert len(listed(kind)) == n, kind
    assert decisions and listed("suggestion_decision") == decisions
    assert owned and listed("course_owner") == owned
