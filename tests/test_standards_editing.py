"""Editing a course standard: snapshot, create, copy, save (rows and alignments), conflicts, rules."""

from __future__ import annotations

import json
import multiprocessing as mp
import sys
import types

import pandas as pd
import pytest
from sqlmodel import select

from models import AuditEvent, StandardVersion
from services import alignments, framework, standards, workflow
from services.actor import SYSTEM
from services.db import session_scope
from services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed, error_lines
from services.history import merge_content
from services.tablediff import merge_rows
from tests.factories import make_course, make_framework, make_program
from tests.standard_factories import GOOD_UNITS, demo_standard_id, make_world, version_of


def _save(engine, world, actor=None, **kwargs):
    return standards.save_standard(engine, actor=actor or world.owner, standard_id=world.standard_id,
                                   expected_version=version_of(engine, world.standard_id), **kwargs)


def _args(engine, world):
    return standards.save_args_from_content(standards.standard_content(engine, world.standard_id))


def _events(engine, **where):
    with session_scope(engine) as s:
        query = select(AuditEvent)
        for field, value in where.items():
            query = query.where(getattr(AuditEvent, field) == value)
        return s.exec(query.order_by(AuditEvent.id)).all()


def _keys(exc_info) -> list[str]:
    return [e.params["key"] for e in exc_info.value.errors]


# --------------------------------------------------------------------------- snapshot


def test_content_snapshot_is_json_and_keys_alignments_by_code(engine):
    """Everything in a revision, JSON-serialisable, alignments by competency code with provenance."""
    world = make_world(engine)
    content = standards.standard_content(engine, world.standard_id)
    assert json.loads(json.dumps(content)) == content
    assert set(content) == {"meta", "header", "objectives", "units", "assessment"}
    assert content["meta"]["course_hours"] == 64 and content["meta"]["status"] == "draft"
    assert set(content["header"]) == set(standards.HEADER_FIELDS)
    unit = content["units"][0]
    assert unit["title"] == "单元一 认识与选用" and isinstance(unit["id"], int)
    assert unit["alignments"] == [
        {"code": "1.1.1", "level": 3, "status": "proposed", "proposed_side": "school", "reason": ""},
        {"code": "1.1.2", "level": 2, "status": "proposed", "proposed_side": "school", "reason": ""}]
    assert [o["code"] for o in content["objectives"]] == ["K1", "S1", "Q1"]
    assert [i["weight"] for i in content["assessment"]] == [60.0, 40.0]
    with session_scope(engine) as s:
        assert standards.standard_content(s, world.standard_id) == content  # also inside a transaction


def test_read_side_keeps_its_shape_after_edits(engine):
    """list_standards and standard_document (home page, exports) still read an edited standard."""
    world = make_world(engine)
    listed = standards.list_standards(engine, program_id=world.program_id)
    assert [s["id"] for s in listed] == [world.standard_id] and listed[0]["course_code"]
    doc = standards.standard_document(engine, standard_id=world.standard_id)
    assert doc["unit_hours_total"] == 64 and doc["assessment_weight_total"] == 60 + 40
    assert [a["code"] for a in doc["units"][0]["alignments"]] == ["1.1.1", "1.1.2"]
    assert {"id", "competency_id", "code", "statement", "level", "status", "proposed_side", "version"} == \
        set(doc["units"][0]["alignments"][0])


def test_missing_standard_is_not_found(engine):
    """Unknown ids raise NotFound everywhere."""
    with pytest.raises(NotFound):
        standards.standard_content(engine, 999)
    with pytest.raises(NotFound):
        standards.save_standard(engine, actor=SYSTEM, standard_id=999, expected_version=1)


# --------------------------------------------------------------------------- create


def test_blank_standard_takes_its_header_from_the_course(engine):
    """A new standard: title from the course, author = the owner, version 1 stored, audited."""
    world = make_world(engine, complete=False)
    content = standards.standard_content(engine, world.standard_id)
    assert content["header"]["title"] == "测试课程" and content["header"]["author_name"] == world.owner.display_name
    assert content["header"]["author_date"] and content["units"] == [] and content["meta"]["revision"] == 1
    with session_scope(engine) as s:
        versions = s.exec(select(StandardVersion).where(StandardVersion.standard_id == world.standard_id)).all()
    assert [(v.number, v.note) for v in versions] == [(1, "created")] and versions[0].content["header"]
    assert [e.action for e in _events(engine, entity_type="standard", entity_id=world.standard_id)] == ["create"]
    assert standards.current_standard(engine, course_id=world.course_id)["id"] == world.standard_id


def test_a_course_gets_only_one_first_standard(engine):
    """A second create is refused with a clear key (later revisions go through start_revision)."""
    world = make_world(engine, complete=False)
    with pytest.raises(ValidationFailed) as info:
        standards.create_standard(engine, actor=world.owner, course_id=world.course_id)
    assert info.value.key == "standards.error.exists" and info.value.params["standard_id"] == world.standard_id


@pytest.mark.parametrize("role", ["faculty", "mentor"])
def test_only_editors_create_standards(engine, role):
    """A faculty member who does not own the course, and mentors, cannot create its standard."""
    world = make_world(engine, complete=False)
    course = make_course(engine, world.program_id)
    with pytest.raises(PermissionDenied):
        standards.create_standard(engine, actor=world.actor(role), course_id=course["id"])


def test_copy_from_another_course_retargets_everything(engine):
    """Objectives, units, assessment and alignments are copied, proposed anew for the new course."""
    world = make_world(engine)
    course = make_course(engine, world.program_id, code="COPY1")
    created = standards.create_standard(engine, actor=world.lead, course_id=course["id"],
                                        copy_from_standard_id=world.standard_id)
    source = standards.standard_content(engine, world.standard_id)
    copy = created["content"]
    assert copy["meta"]["course_id"] == course["id"] and copy["header"]["title"] == course["name"]
    assert copy["header"]["nature"] == source["header"]["nature"]
    assert [u["title"] for u in copy["units"]] == [u["title"] for u in source["units"]]
    assert {u["id"] for u in copy["units"]}.isdisjoint({u["id"] for u in source["units"]})
    assert [(a["code"], a["level"]) for a in copy["units"][0]["alignments"]] == [("1.1.1", 3), ("1.1.2", 2)]
    assert copy["units"][0]["proposed_side"] == "school" and created["skipped_codes"] == []
    doc = standards.standard_document(engine, standard_id=created["standard_id"])
    assert all(a["status"] == "proposed" for u in doc["units"] for a in u["alignments"])
    assert sum(i["weight"] for i in copy["assessment"]) == 100
    assert standards.standard_content(engine, world.standard_id) == source  # the source is untouched


def test_copy_into_another_programme_matches_competencies_by_code(engine):
    """Across programmes, codes that exist are re-targeted; the others are skipped and reported."""
    world = make_world(engine)
    other = make_program(engine)
    make_framework(engine, other["id"], tasks=1, per_task=2)  # has 1.1.1 and 1.1.2, not 1.2.1
    course = make_course(engine, other["id"])
    created = standards.create_standard(engine, actor=SYSTEM, course_id=course["id"],
                                        copy_from_standard_id=world.standard_id)
    assert created["skipped_codes"] == ["1.2.1"]
    assert created["content"]["units"][1]["alignments"] == []
    doc = standards.standard_document(engine, standard_id=created["standard_id"])
    comp_ids = {a["competency_id"] for u in doc["units"] for a in u["alignments"]}
    assert comp_ids and comp_ids.isdisjoint({n["id"] for n in world.nodes.values()})


# --------------------------------------------------------------------------- save


def test_save_updates_creates_and_deletes_rows_with_their_alignments(engine):
    """Rows with id are updated, without id created, missing deleted; alignments follow; one version."""
    world = make_world(engine)
    before = version_of(engine, world.standard_id)
    args = _args(engine, world)
    args["units"][0]["hours_theory"] = 12
    args["units"][0]["alignments"] = [{"code": "1.1.1", "level": 2}, {"code": "1.2.2", "level": 1}]
    removed_unit = args["units"].pop(1)
    args["units"].append({"title": "单元三 综合", "hours_theory": 20, "hours_practice": 16,
                          "alignments": [{"code": "1.2.1", "level": 3}]})
    args["objectives"][2]["text"] = "能够遵守安全规范并规范操作"
    args["assessment"] = [{"name": "综合考核", "category": "summative", "weight": 100}]
    result = _save(engine, world, note="restructure", **args)
    assert result["saved"] and result["version"] == before + 1 and result["version_number"] == 3
    assert result["changes"] == {
        "header": [], "objectives": {"created": 0, "updated": 1, "deleted": 0},
        "units": {"created": 1, "updated": 1, "deleted": 1}, "assessment": {"created": 1, "updated": 0, "deleted": 2},
        "alignments": {"created": 2, "updated": 1, "deleted": 2}}
    content = result["content"]
    assert [u["title"] for u in content["units"]] == ["单元一 认识与选用", "单元三 综合"]
    assert [(a["code"], a["level"]) for a in content["units"][0]["alignments"]] == [("1.1.1", 2), ("1.2.2", 1)]
    assert [(a["code"], a["level"]) for a in content["units"][1]["alignments"]] == [("1.2.1", 3)]
    assert content["objectives"][2]["text"] == "能够遵守安全规范并规范操作"
    assert standards.standard_content(engine, world.standard_id) == content
    actions = {(e.entity_type, e.action) for e in _events(engine, program_id=world.program_id)}
    assert {("unit", "update"), ("unit", "create"), ("unit", "delete"), ("alignment", "create"),
            ("alignment", "delete"), ("alignment", "update"), ("assessment", "delete"), ("objective", "update"),
            ("standard", "save")} <= actions
    deleted = [e for e in _events(engine, entity_type="unit", action="delete")]
    assert deleted[0].entity_id == removed_unit["id"] and deleted[0].before["title"] == removed_unit["title"]
    with session_scope(engine) as s:
        latest = s.exec(select(StandardVersion).where(StandardVersion.standard_id == world.standard_id,
                                                      StandardVersion.number == 3)).one()
        assert latest.content == content and latest.note == "restructure" and latest.author_id == world.owner.id


def test_header_only_save_leaves_tables_alone(engine):
    """Tables passed as None are not touched; header changes are audited before → after."""
    world = make_world(engine)
    before = standards.standard_content(engine, world.standard_id)
    result = _save(engine, world, header={"nature": "新的课程定位", "reviewer_name": "张审定"})
    assert result["changes"]["header"] == ["nature", "reviewer_name"]
    after = result["content"]
    assert after["units"] == before["units"] and after["objectives"] == before["objectives"]
    update = _events(engine, entity_type="standard", action="update")[-1]
    assert update.before == {"nature": "专业核心课程", "reviewer_name": ""}
    assert update.after == {"nature": "新的课程定位", "reviewer_name": "张审定"}


def test_a_save_that_changes_nothing_stores_nothing(engine):
    """Saving the loaded content unchanged: no version bump, no new version, saved False."""
    world = make_world(engine)
    version = version_of(engine, world.standard_id)
    result = _save(engine, world, **_args(engine, world))
    assert result["saved"] is False and result["version"] == version and result["version_number"] is None
    assert version_of(engine, world.standard_id) == version


def test_alignments_as_one_list_with_targets_and_keys_for_new_rows(engine):
    """The flat alignment list names targets by "unit:<id>", target_type + id, or a new row's key."""
    world = make_world(engine)
    content = standards.standard_content(engine, world.standard_id)
    u1, o1 = content["units"][0]["id"], content["objectives"][0]["id"]
    units = [{k: v for k, v in u.items() if k != "alignments"} for u in content["units"]]
    units.append({"key": "new-1", "title": "单元三", "hours_theory": 0, "hours_practice": 0})
    rows = [{"target": f"unit:{u1}", "code": "1.2.2", "level": 3},
            {"target_type": "objective", "target_id": o1, "competency_id": world.nodes["1.1.2"]["id"], "level": 1},
            {"target_key": "new-1", "code": "1.1.1", "level": 2}]
    result = _save(engine, world, units=units, alignments=rows)
    after = result["content"]
    assert [a["code"] for a in after["units"][0]["alignments"]] == ["1.2.2"]
    assert after["units"][1]["alignments"] == []  # the full set: unit two's link is gone
    assert [a["code"] for a in after["units"][2]["alignments"]] == ["1.1.1"]
    assert [a["code"] for a in after["objectives"][0]["alignments"]] == ["1.1.2"]
    assert all(o["alignments"] == [] for o in after["objectives"][1:])


def test_alignments_cannot_be_given_twice(engine):
    """Nested and flat alignments in one save are refused."""
    world = make_world(engine)
    args = _args(engine, world)
    with pytest.raises(ValidationFailed) as info:
        _save(engine, world, units=args["units"], alignments=[])
    assert info.value.key == "standards.error.alignments_twice"


def test_every_invalid_row_is_reported_at_once_and_nothing_is_written(engine):
    """Row-level errors carry table, row number and a translation key; the save is all or nothing."""
    world = make_world(engine)
    before = standards.standard_content(engine, world.standard_id)
    args = _args(engine, world)
    args["objectives"][0]["dimension"] = "attitude"
    args["objectives"][1]["text"] = "  "
    args["units"][0]["hours_theory"] = -1
    args["units"][1]["alignments"] = [{"code": "9.9.9", "level": 1}, {"code": "1.1.1", "level": 5},
                                      {"code": "1.2", "level": 1}]
    args["assessment"][0]["weight"] = 120
    args["assessment"][1]["category"] = "oral"
    args["assessment"].append({"id": 123456, "name": "x", "weight": 0})
    args["header"] = {"title": "x" * 201, "bogus": 1}
    with pytest.raises(ValidationFailed) as info:
        _save(engine, world, **args)
    assert sorted(_keys(info)) == sorted([
        "standards.error.too_long", "standards.error.unknown_field", "standards.error.dimension",
        "standards.error.required", "standards.error.hours", "standards.error.weight", "standards.error.category",
        "standards.error.unknown_row", "standards.error.unknown_competency", "standards.error.level",
        "standards.error.unknown_competency"])
    hours = next(e for e in info.value.errors if e.params["key"] == "standards.error.hours")
    assert (hours.sheet, hours.row, hours.field) == ("units", 1, "hours_theory")
    assert standards.standard_content(engine, world.standard_id) == before
    lines = error_lines(info.value, "zh")
    assert any("课程内容与要求 第 1 行" in line for line in lines) and not any("{" in line for line in lines)


def test_duplicate_alignment_and_retired_competency_are_refused(engine):
    """The same competency twice on one unit, or a new link to a retired competency, is invalid."""
    world = make_world(engine)
    node = world.nodes["1.2.2"]
    framework.update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                          changes={"status": "retired"})
    args = _args(engine, world)
    args["units"][0]["alignments"] = [{"code": "1.1.1", "level": 1}, {"code": "1.1.1", "level": 2}]
    args["units"][1]["alignments"].append({"code": "1.2.2", "level": 1})
    with pytest.raises(ValidationFailed) as info:
        _save(engine, world, **args)
    assert sorted(_keys(info)) == ["standards.error.duplicate_alignment", "standards.error.retired_competency"]


def test_existing_link_to_a_retired_competency_may_stay(engine):
    """Retiring a competency does not make the standard unsavable; the checklist flags it instead."""
    world = make_world(engine)
    node = world.nodes["1.2.1"]
    framework.update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                          changes={"status": "retired"})
    args = _args(engine, world)
    args["units"][1]["title"] = "单元二（修订）"
    assert _save(engine, world, **args)["saved"]


def test_changing_the_level_of_a_decided_alignment_reopens_it(engine):
    """A mentor accepted a school link; the owner changes its level: proposed again by the school."""
    world = make_world(engine)
    doc = standards.standard_document(engine, standard_id=world.standard_id)
    link = doc["units"][0]["alignments"][0]
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"], expected_version=link["version"],
                                decision="accept")
    args = _args(engine, world)
    assert args["units"][0]["alignments"][0] == {"code": "1.1.1", "level": 3}
    args["units"][0]["alignments"][0]["level"] = 1
    args["units"][0]["alignments"][1]["level"] = 2  # unchanged link stays as it is
    content = _save(engine, world, **args)["content"]
    first = content["units"][0]["alignments"][0]
    assert (first["level"], first["status"], first["proposed_side"]) == (1, "proposed", "school")


def test_mentor_proposals_keep_their_side_when_the_owner_saves_text(engine):
    """Saving unit text does not touch an enterprise proposal on that unit (status changes only by decision)."""
    world = make_world(engine)
    unit_id = standards.standard_content(engine, world.standard_id)["units"][1]["id"]
    alignments.propose_alignment(engine, actor=world.mentor, unit_id=unit_id, code="1.2.2", level=2)
    args = _args(engine, world)
    args["units"][1]["content"] = "补充安装规范与检验"
    content = _save(engine, world, **args)["content"]
    link = next(a for a in content["units"][1]["alignments"] if a["code"] == "1.2.2")
    assert (link["status"], link["proposed_side"]) == ("proposed", "enterprise")


def test_editor_frames_round_trip_through_the_table_diff(engine):
    """DataFrames from editor_frames, edited like st.data_editor does, save through merge_rows."""
    world = make_world(engine)
    content = standards.standard_content(engine, world.standard_id)
    frames = standards.editor_frames(content)
    assert list(frames["units"].columns) == ["id", *standards.UNIT_FIELDS]
    edited = frames["units"].copy()
    edited.loc[0, "hours_practice"] = 20
    edited = pd.concat([edited, pd.DataFrame([{"id": pd.NA, "title": "单元三", "hours_theory": 0,
                                               "hours_practice": 0}])], ignore_index=True)
    rows = merge_rows(content["units"], edited)
    result = _save(engine, world, units=rows)
    assert result["changes"]["units"] == {"created": 1, "updated": 1, "deleted": 0}
    assert result["changes"]["alignments"] == {"created": 0, "updated": 0, "deleted": 0}  # nested links kept
    assert result["content"]["units"][0]["hours_practice"] == 20


# --------------------------------------------------------------------------- permissions and state


@pytest.mark.parametrize(("role", "allowed"), [
    ("owner", True), ("lead", True), ("admin", True), ("faculty", False), ("mentor", False)])
def test_who_may_edit_the_text(engine, role, allowed):
    """Owners, leads and admins edit; mentors and other faculty get PermissionDenied."""
    world = make_world(engine)
    if allowed:
        assert _save(engine, world, actor=world.actor(role), header={"resources": role})["saved"]
    else:
        with pytest.raises(PermissionDenied):
            _save(engine, world, actor=world.actor(role), header={"resources": role})


def test_approved_revision_is_frozen(engine):
    """After both sign-offs no save is possible, not even by an admin."""
    world = make_world(engine)
    for step, actor in ((workflow.submit, world.owner), (workflow.sign, world.lead), (workflow.sign, world.mentor)):
        step(engine, actor=actor, standard_id=world.standard_id, expected_version=version_of(engine, world.standard_id))
    assert workflow.workflow_state(engine, standard_id=world.standard_id)["status"] == "approved"
    with pytest.raises(ValidationFailed) as info:
        _save(engine, world, actor=world.admin, header={"nature": "x"})
    assert info.value.key == "standards.error.frozen" and info.value.params == {"revision": 1}
    assert "approved" in str(info.value) and error_lines(info.value, "en")[0].startswith("Revision 1")


def test_saving_during_review_clears_sign_offs(engine):
    """A signature is for reviewed content: a later save clears it."""
    world = make_world(engine)
    workflow.submit(engine, actor=world.owner, standard_id=world.standard_id,
                    expected_version=version_of(engine, world.standard_id))
    workflow.sign(engine, actor=world.mentor, standard_id=world.standard_id,
                  expected_version=version_of(engine, world.standard_id))
    result = _save(engine, world, header={"resources": "新增实训设备"})
    assert result["signoffs_cleared"]
    state = workflow.workflow_state(engine, standard_id=world.standard_id)
    assert state["status"] == "in_review" and state["enterprise_signed_by"] == ""


# --------------------------------------------------------------------------- conflicts


def test_stale_save_gets_a_conflict_with_the_current_content(engine):
    """Two editors read the same version; the second save gets Conflict carrying the first one's content."""
    world = make_world(engine)
    version = version_of(engine, world.standard_id)
    mine, theirs = _args(engine, world), _args(engine, world)
    theirs["units"][0]["title"] = "单元一（企业修改）"
    standards.save_standard(engine, actor=world.lead, standard_id=world.standard_id, expected_version=version,
                            **theirs)
    mine["units"][1]["hours_theory"] = 14
    mine["units"][1]["hours_practice"] = 18
    with pytest.raises(Conflict) as info:
        standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id, expected_version=version,
                                **mine)
    current = info.value.current
    assert current["version"] == version + 1
    assert current["content"]["units"][0]["title"] == "单元一（企业修改）"
    assert standards.standard_content(engine, world.standard_id)["units"][1]["hours_theory"] == 16  # nothing lost


def test_conflict_view_then_merged_save_keeps_both_edits(engine):
    """The UI merges base / mine / theirs and saves the merge at the current version."""
    world = make_world(engine)
    base = standards.standard_content(engine, world.standard_id)
    version = version_of(engine, world.standard_id)
    theirs = standards.save_args_from_content(base)
    theirs["header"]["resources"] = "企业提供设备"
    theirs["units"][0]["alignments"].append({"code": "1.2.2", "level": 1})
    standards.save_standard(engine, actor=world.lead, standard_id=world.standard_id, expected_version=version,
                            **theirs)
    mine_content = json.loads(json.dumps(base))
    mine_content["units"][1]["title"] = "单元二 安装、调试与验收"
    mine_content["objectives"].append({"id": None, "dimension": "skill", "code": "S2", "text": "能够完成验收",
                                       "alignments": [{"code": "1.2.2", "level": 2}]})
    with pytest.raises(Conflict) as info:
        standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id, expected_version=version,
                                **standards.save_args_from_content(mine_content))
    merged = merge_content(base, mine_content, info.value.current["content"])
    assert merged["clean"]
    result = standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                                     expected_version=info.value.current["version"],
                                     **standards.save_args_from_content(merged["merged"]))
    content = result["content"]
    assert content["header"]["resources"] == "企业提供设备"
    assert content["units"][1]["title"] == "单元二 安装、调试与验收"
    assert [a["code"] for a in content["units"][0]["alignments"]] == ["1.1.1", "1.1.2", "1.2.2"]
    assert [o["code"] for o in content["objectives"]] == ["K1", "S1", "Q1", "S2"]


def _race_save(url: str, standard_id: int, version: int, username: str, title: str, barrier, results) -> None:
    from services import standards as std
    from services.db import make_engine
    from services.users import get_actor

    engine = make_engine(url)
    actor = get_actor(engine, username=username)
    barrier.wait(timeout=30)
    try:
        std.save_standard(engine, actor=actor, standard_id=standard_id, expected_version=version,
                          header={"title": title}, units=[{"title": title, "hours_theory": 64}])
        results.put(("ok", title))
    except Conflict as exc:
        results.put(("conflict", exc.current["content"]["header"]["title"]))
    finally:
        engine.dispose()


def test_two_processes_saving_the_same_version_one_wins(engine, monkeypatch):
    """Two app processes save a whole standard at once: one wins, the other gets Conflict with its content."""
    # AppTest runs app.py as __main__ in this process; spawned children would re-run it, so hide it
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    world = make_world(engine)
    version = version_of(engine, world.standard_id)
    url = engine.url.render_as_string(hide_password=False)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_race_save, args=(url, world.standard_id, version, who.username, title, barrier,
                                                  results))
             for who, title in ((world.owner, "教师版"), (world.lead, "带头人版"))]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=90)
        assert proc.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in procs)
    assert [o for o, _ in outcomes] == ["conflict", "ok"]
    winner = outcomes[1][1]
    assert outcomes[0][1] == winner  # the loser saw the winner's content
    content = standards.standard_content(engine, world.standard_id)
    assert content["header"]["title"] == winner and [u["title"] for u in content["units"]] == [winner]
    assert version_of(engine, world.standard_id) == version + 1


# --------------------------------------------------------------------------- the demo


def test_faculty_edits_units_and_alignments_of_a_demo_standard(seeded_engine):
    """faculty aligns ZJ2011's orphan HMI unit, fixes hours across units and saves; history has it."""
    from services.users import get_actor

    faculty = get_actor(seeded_engine, username="faculty")
    sid = demo_standard_id(seeded_engine, "ZJ2011")
    content = standards.standard_content(seeded_engine, sid)
    args = standards.save_args_from_content(content)
    hmi = next(u for u in args["units"] if u["title"].startswith("项目五"))
    hmi["alignments"] = [{"code": "3.1.4", "level": 2}]
    args["units"][0]["hours_practice"] += 2
    args["units"][-1]["hours_practice"] -= 2
    result = standards.save_standard(seeded_engine, actor=faculty, standard_id=sid,
                                     expected_version=version_of(seeded_engine, sid), note="align HMI unit", **args)
    assert result["changes"]["units"]["updated"] == 2 and result["changes"]["alignments"]["created"] == 1
    saved_hmi = next(u for u in result["content"]["units"] if u["title"].startswith("项目五"))
    assert saved_hmi["alignments"] == [{"code": "3.1.4", "level": 2, "status": "proposed",
                                        "proposed_side": "school", "reason": ""}]
    doc = standards.standard_document(seeded_engine, standard_id=sid)
    assert doc["unit_hours_total"] == doc["course"]["hours_total"]
    assert result["version_number"] == 2  # the demo's seed is version 1


def test_mentor_cannot_edit_demo_text_but_lead_can(seeded_engine):
    """Roles on the demo: mentor → PermissionDenied, lead → saved."""
    from services.users import get_actor

    sid = demo_standard_id(seeded_engine, "ZH3021")
    for username, allowed in (("mentor", False), ("mentor2", False), ("faculty2", False), ("lead", True)):
        actor = get_actor(seeded_engine, username=username)
        call = dict(actor=actor, standard_id=sid, expected_version=version_of(seeded_engine, sid),
                    header={"reviewer_name": username})
        if allowed:
            assert standards.save_standard(seeded_engine, **call)["saved"]
        else:
            with pytest.raises(PermissionDenied):
                standards.save_standard(seeded_engine, **call)


def test_good_units_fixture_is_untouched_by_saves(engine):
    """Factories hand out copies: a save never mutates the module-level sample rows."""
    world = make_world(engine)
    args = _args(engine, world)
    args["units"][0]["alignments"].append({"code": "1.2.2", "level": 1})
    _save(engine, world, **args)
    assert len(GOOD_UNITS[0]["alignments"]) == 2 and "id" not in GOOD_UNITS[0]
