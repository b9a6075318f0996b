"""History: versions, diffs, restore as a new version, three-way merge, and the audit trail."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from services import alignments, history, standards
from services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.history import diff_content, merge_content, text_diff
from services.users import get_actor
from tests.standard_factories import demo_standard_id, make_world, version_of


def _save(engine, world, actor=None, **kwargs):
    return standards.save_standard(engine, actor=actor or world.owner, standard_id=world.standard_id,
                                   expected_version=version_of(engine, world.standard_id), **kwargs)


def _args(engine, world):
    return standards.save_args_from_content(standards.standard_content(engine, world.standard_id))


# --------------------------------------------------------------------------- versions and diffs


def test_every_save_is_a_version_listed_newest_first(engine):
    """create → v1, first draft → v2, each later save adds one; authors and notes are kept."""
    world = make_world(engine)
    _save(engine, world, actor=world.lead, header={"nature": "改"}, note="lead tweak")
    versions = history.list_versions(engine, standard_id=world.standard_id)
    assert [(v["number"], v["note"], v["author"]) for v in versions] == [
        (3, "lead tweak", world.lead.display_name), (2, "first draft", world.owner.display_name),
        (1, "created", world.owner.display_name)]
    assert all(v["has_content"] for v in versions)
    one = history.get_version(engine, standard_id=world.standard_id, number=2)
    assert one["content"]["header"]["nature"] == "专业核心课程"
    with pytest.raises(NotFound):
        history.get_version(engine, standard_id=world.standard_id, number=99)


def test_diff_of_two_versions_shows_prose_and_table_changes(engine):
    """Prose as text diffs; units, objectives, assessment and alignments as added / removed / changed rows."""
    world = make_world(engine)
    args = _args(engine, world)
    args["header"]["nature"] = "专业核心课程，面向系统运维岗位"
    args["units"][0]["title"] = "单元一 认识、选用与检测"
    args["units"][0]["alignments"] = [{"code": "1.1.1", "level": 2}, {"code": "1.2.2", "level": 1}]
    del args["objectives"][2]
    args["assessment"].append({"name": "企业评价", "category": "process", "weight": 0})
    _save(engine, world, **args)
    diff = history.diff_versions(engine, standard_id=world.standard_id, a=2, b=3)
    assert (diff["a"], diff["b"], diff["identical"]) == (2, 3, False)
    nature = diff["header"][0]
    assert nature["field"] == "nature" and nature["new"].endswith("面向系统运维岗位")
    assert {"op": "insert", "old": "", "new": "，面向系统运维岗位"} in nature["ops"]
    assert nature["unified"][0] == "--- old" and "+专业核心课程，面向系统运维岗位" in nature["unified"]
    assert diff["units"]["changed"] == [{"label": "单元一 认识、选用与检测", "id": args["units"][0]["id"],
                                         "fields": {"title": {"old": "单元一 认识与选用",
                                                              "new": "单元一 认识、选用与检测"}}}]
    assert [o["code"] for o in diff["objectives"]["removed"]] == ["Q1"]
    assert [a["name"] for a in diff["assessment"]["added"]] == ["企业评价"]
    links = diff["alignments"]
    assert [(a["code"], a["target"]) for a in links["added"]] == [("1.2.2", "单元一 认识、选用与检测")]
    assert [(a["code"], a["target_type"]) for a in links["removed"]] == [("1.2.1", "objective"), ("1.1.2", "unit")]
    assert links["changed"][0]["fields"] == {"level": {"old": 3, "new": 2}}
    assert diff["summary"]["units"] == {"added": 0, "removed": 0, "changed": 1}
    same = history.diff_versions(engine, standard_id=world.standard_id, a=3, b=3)
    assert same["identical"] and same["summary"]["header"] == 0


def test_rows_without_matching_ids_are_matched_by_code_title_or_name():
    """Re-created rows (new ids) still pair up by objective code, unit title or assessment name."""
    old = {"header": {}, "objectives": [{"id": 1, "code": "K1", "text": "a", "dimension": "knowledge",
                                         "alignments": [{"code": "1.1.1", "level": 2}]}],
           "units": [{"id": 5, "title": "单元一", "hours_theory": 4, "alignments": []}],
           "assessment": [{"id": 9, "name": "过程", "weight": 50}]}
    new = copy.deepcopy(old)
    new["objectives"][0].update(id=11, text="b")
    new["objectives"][0]["alignments"][0]["level"] = 3
    new["units"][0].update(id=15, hours_theory=6)
    new["assessment"][0]["id"] = 19
    diff = diff_content(old, new)
    assert diff["objectives"]["changed"][0]["fields"] == {"text": {"old": "a", "new": "b"}}
    assert diff["units"]["changed"][0]["fields"] == {"hours_theory": {"old": 4, "new": 6}}
    assert diff["assessment"] == {"added": [], "removed": [], "changed": []}
    assert diff["alignments"]["changed"][0]["code"] == "1.1.1"
    assert not diff["objectives"]["added"] and not diff["objectives"]["removed"]


def test_text_diff_works_for_chinese_paragraphs():
    """One-line Chinese prose gives character-level ops."""
    result = text_diff("基于典型工作任务", "基于企业典型工作任务")
    assert [op["op"] for op in result["ops"]] == ["equal", "insert", "equal"]
    assert result["ops"][1]["new"] == "企业"
    assert text_diff("", "")["ops"] == [] and text_diff("a", "a")["unified"] == []


def test_demo_seed_version_holds_the_real_content(seeded_engine):
    """The demo's first version is a full snapshot: identical to the standard as seeded."""
    sid = demo_standard_id(seeded_engine, "ZH3021")
    assert history.list_versions(seeded_engine, standard_id=sid)[0]["has_content"] is True
    seeded = history.get_version(seeded_engine, standard_id=sid, number=1)["content"]
    assert diff_content(seeded, standards.standard_content(seeded_engine, sid))["identical"] is True


def test_placeholder_versions_cannot_be_compared_or_restored(seeded_engine):
    """A version without a snapshot (older data) gives a clear key instead of a misleading diff."""
    from sqlmodel import select

    from models import StandardVersion
    from services.db import session_scope

    faculty = get_actor(seeded_engine, username="faculty")
    sid = demo_standard_id(seeded_engine, "ZH3021")
    with session_scope(seeded_engine) as session:
        row = session.exec(select(StandardVersion).where(StandardVersion.standard_id == sid)).one()
        row.content = {"seed": True}
    assert history.list_versions(seeded_engine, standard_id=sid)[0]["has_content"] is False
    with pytest.raises(ValidationFailed) as info:
        history.diff_versions(seeded_engine, standard_id=sid, a=1, b=1)
    assert info.value.key == "history.error.no_content" and info.value.params == {"number": 1}
    with pytest.raises(ValidationFailed):
        history.restore_version(seeded_engine, actor=faculty, standard_id=sid, version_number=1,
                                expected_version=version_of(seeded_engine, sid))


# --------------------------------------------------------------------------- restore


def test_restore_saves_the_old_content_as_a_new_version(engine):
    """Restoring v2 after two edits re-creates the deleted unit, undoes edits, and adds v5 (history kept)."""
    world = make_world(engine)
    original = standards.standard_content(engine, world.standard_id)
    args = _args(engine, world)
    args["units"] = args["units"][:1]
    args["units"][0]["hours_theory"] = 32
    args["units"][0]["hours_practice"] = 32
    _save(engine, world, **args)
    _save(engine, world, header={"nature": "完全改写"})
    result = history.restore_version(engine, actor=world.owner, standard_id=world.standard_id, version_number=2,
                                     expected_version=version_of(engine, world.standard_id))
    assert result["restored_from"] == 2 and result["version_number"] == 5 and result["skipped_codes"] == []
    restored = result["content"]
    assert restored["header"] == original["header"]
    for table in ("objectives", "units", "assessment"):
        assert [{k: v for k, v in r.items() if k != "id"} for r in restored[table]] == \
            [{k: v for k, v in r.items() if k != "id"} for r in original[table]]
    assert restored["units"][0]["id"] == original["units"][0]["id"]  # kept row, same id
    assert isinstance(restored["units"][1]["id"], int)  # deleted row, re-created (SQLite may reuse the id)
    versions = history.list_versions(engine, standard_id=world.standard_id)
    assert [v["number"] for v in versions] == [5, 4, 3, 2, 1] and versions[0]["note"] == "restored version 2"
    assert history.diff_versions(engine, standard_id=world.standard_id, a=2, b=5)["identical"]


def test_restore_keeps_decisions_of_links_that_stay_and_skips_vanished_codes(engine):
    """Kept links keep their status; links to competencies that no longer exist are skipped."""
    world = make_world(engine)
    link = next(a for a in alignments.alignments_for_standard(engine, standard_id=world.standard_id)
                if a["code"] == "1.1.1" and a["target_type"] == "unit")
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"], expected_version=link["version"],
                                decision="accept")
    version = history.get_version(engine, standard_id=world.standard_id, number=2)
    content = copy.deepcopy(version["content"])
    content["units"][1]["alignments"].append({"code": "7.7.7", "level": 1, "status": "proposed"})
    standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                            expected_version=version_of(engine, world.standard_id), header={"nature": "x"})
    # a snapshot pointing at a code the framework no longer has (e.g. renumbered since)
    from models import StandardVersion
    from services.db import session_scope
    with session_scope(engine) as s:
        s.add(StandardVersion(standard_id=world.standard_id, number=99, content=content, note="imported"))
    result = history.restore_version(engine, actor=world.owner, standard_id=world.standard_id, version_number=99,
                                     expected_version=version_of(engine, world.standard_id))
    assert result["skipped_codes"] == ["7.7.7"]
    first = {a["code"]: a["status"] for a in result["content"]["units"][0]["alignments"]}
    assert first == {"1.1.1": "accepted", "1.1.2": "proposed"}
    assert result["content"]["header"]["nature"] == "专业核心课程"


def test_restore_needs_the_current_version_and_the_edit_right(engine):
    """A stale expected_version conflicts; a mentor may not restore."""
    world = make_world(engine)
    stale = version_of(engine, world.standard_id)
    _save(engine, world, header={"nature": "改"})
    with pytest.raises(Conflict):
        history.restore_version(engine, actor=world.owner, standard_id=world.standard_id, version_number=2,
                                expected_version=stale)
    with pytest.raises(PermissionDenied):
        history.restore_version(engine, actor=world.mentor, standard_id=world.standard_id, version_number=2,
                                expected_version=version_of(engine, world.standard_id))


# --------------------------------------------------------------------------- three-way merge (pure)


def _doc():
    return {
        "meta": {"standard_id": 1},
        "header": {"nature": "n", "resources": "r", "title": "t"},
        "objectives": [
            {"id": 1, "dimension": "knowledge", "code": "K1", "text": "能说明", "alignments": [
                {"code": "1.1.1", "level": 2, "status": "accepted"}]},
            {"id": 2, "dimension": "skill", "code": "S1", "text": "能完成", "alignments": []},
        ],
        "units": [
            {"id": 10, "title": "U1", "content": "c1", "hours_theory": 4, "hours_practice": 4, "alignments": [
                {"code": "1.1.1", "level": 3, "status": "proposed"}, {"code": "1.1.2", "level": 1}]},
            {"id": 11, "title": "U2", "content": "c2", "hours_theory": 4, "hours_practice": 4, "alignments": []},
            {"id": 12, "title": "U3", "content": "c3", "hours_theory": 4, "hours_practice": 4, "alignments": []},
        ],
        "assessment": [{"id": 20, "name": "A", "category": "process", "weight": 100, "method": ""}],
    }


def test_merge_keeps_both_sides_non_conflicting_changes():
    """Different fields, different rows, new rows on both sides, a deletion: all merged, no conflict."""
    base, mine, theirs = _doc(), _doc(), _doc()
    mine["header"]["nature"] = "mine nature"
    theirs["header"]["resources"] = "their resources"
    mine["units"][0]["hours_theory"] = 6
    theirs["units"][0]["content"] = "their content"
    theirs["units"][0]["alignments"][0]["status"] = "accepted"  # a decision made meanwhile
    mine["units"][0]["alignments"].append({"code": "1.2.1", "level": 2})
    theirs["units"][0]["alignments"] = [a for a in theirs["units"][0]["alignments"] if a["code"] != "1.1.2"]
    del mine["units"][2]
    mine["units"].append({"id": None, "title": "U-mine", "hours_theory": 1, "hours_practice": 0, "alignments": []})
    theirs["units"].insert(1, {"id": 13, "title": "U-theirs", "hours_theory": 2, "hours_practice": 0,
                               "alignments": []})
    theirs["meta"]["standard_id"] = "theirs"
    result = merge_content(base, mine, theirs)
    assert result["clean"] and result["conflicts"] == []
    merged = result["merged"]
    assert merged["meta"] == {"standard_id": "theirs"}
    assert merged["header"] == {**base["header"], "nature": "mine nature", "resources": "their resources",
                                **{f: "" for f in standards.HEADER_FIELDS if f not in base["header"]}}
    assert [u["title"] for u in merged["units"]] == ["U1", "U-theirs", "U2", "U-mine"]
    u1 = merged["units"][0]
    assert (u1["hours_theory"], u1["content"]) == (6, "their content")
    assert [(a["code"], a["level"], a.get("status")) for a in u1["alignments"]] == [
        ("1.1.1", 3, "accepted"), ("1.2.1", 2, None)]
    assert merged["objectives"] == base["objectives"] and merged["assessment"] == base["assessment"]


def test_merge_reports_fields_changed_differently_on_both_sides():
    """Same field, different values: a conflict; ``prefer`` picks the merged value."""
    base, mine, theirs = _doc(), _doc(), _doc()
    mine["header"]["title"], theirs["header"]["title"] = "mine", "theirs"
    mine["objectives"][0]["text"], theirs["objectives"][0]["text"] = "能说明A", "能说明B"
    mine["units"][0]["alignments"][0]["level"], theirs["units"][0]["alignments"][0]["level"] = 1, 2
    result = merge_content(base, mine, theirs)
    assert not result["clean"]
    assert [(c["table"], c["id"], c["field"], c["mine"], c["theirs"]) for c in result["conflicts"]] == [
        ("header", None, "title", "mine", "theirs"), ("objectives", 1, "text", "能说明A", "能说明B"),
        ("units", 10, "alignment:1.1.1", 1, 2)]
    assert result["conflicts"][1]["base"] == "能说明" and result["conflicts"][1]["label"].startswith("K1")
    merged = result["merged"]
    assert merged["header"]["title"] == "mine" and merged["objectives"][0]["text"] == "能说明A"
    assert merged["units"][0]["alignments"][0]["level"] == 1
    theirs_first = merge_content(base, mine, theirs, prefer="theirs")["merged"]
    assert theirs_first["header"]["title"] == "theirs" and theirs_first["units"][0]["alignments"][0]["level"] == 2
    with pytest.raises(ValueError):
        merge_content(base, mine, theirs, prefer="both")


def test_merge_delete_against_change_is_a_conflict_and_nothing_silently_vanishes():
    """Deleted on one side and edited on the other: reported; prefer decides; a kept row loses a dead id."""
    base, mine, theirs = _doc(), _doc(), _doc()
    del mine["units"][1]  # mine deletes U2 …
    theirs["units"][1]["content"] = "edited by them"  # … which they edited
    theirs["units"] = [u for u in theirs["units"] if u["id"] != 12]  # they delete U3 …
    mine["units"][-1]["content"] = "edited by me"  # … which I edited
    result = merge_content(base, mine, theirs)
    assert [(c["id"], c["field"], c["mine"], c["theirs"]) for c in result["conflicts"]] == [
        (12, "row", "changed", "deleted"), (11, "row", "deleted", "changed")]
    titles = [(u["title"], u["id"]) for u in result["merged"]["units"]]
    assert titles == [("U1", 10), ("U3", None)]  # mine kept (re-created), their edit to a row I deleted dropped
    kept = merge_content(base, mine, theirs, prefer="theirs")["merged"]["units"]
    assert [(u["title"], u["content"]) for u in kept] == [("U1", "c1"), ("U2", "edited by them")]


def test_merge_of_untouched_deletions_and_link_removals():
    """A row or link deleted on one side and untouched on the other is deleted; removal vs level change conflicts."""
    base, mine, theirs = _doc(), _doc(), _doc()
    theirs["objectives"] = theirs["objectives"][:1]
    mine["units"][0]["alignments"] = mine["units"][0]["alignments"][:1]  # I remove 1.1.2 …
    theirs["units"][0]["alignments"][1]["level"] = 3  # … which they raised
    result = merge_content(base, mine, theirs)
    assert [o["code"] for o in result["merged"]["objectives"]] == ["K1"]
    assert [(c["field"], c["mine"], c["theirs"]) for c in result["conflicts"]] == [("alignment:1.1.2", None, 3)]
    assert [a["code"] for a in result["merged"]["units"][0]["alignments"]] == ["1.1.1"]
    assert [a["code"] for a in merge_content(base, mine, theirs, prefer="theirs")["merged"]["units"][0]
            ["alignments"]] == ["1.1.1", "1.1.2"]


def test_merged_content_saves_after_a_real_conflict(engine):
    """Two sessions edit the same field: the conflict view offers mine/theirs, the chosen merge saves."""
    world = make_world(engine)
    base = standards.standard_content(engine, world.standard_id)
    start = version_of(engine, world.standard_id)
    theirs_args = standards.save_args_from_content(base)
    theirs_args["units"][0]["hours_theory"] = 20
    theirs_args["units"][0]["hours_practice"] = 12
    standards.save_standard(engine, actor=world.lead, standard_id=world.standard_id, expected_version=start,
                            **theirs_args)
    mine = copy.deepcopy(base)
    mine["units"][0]["hours_theory"] = 18
    mine["units"][0]["hours_practice"] = 14
    with pytest.raises(Conflict) as info:
        standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id, expected_version=start,
                                **standards.save_args_from_content(mine))
    result = merge_content(base, mine, info.value.current["content"], prefer="theirs")
    assert {c["field"] for c in result["conflicts"]} == {"hours_theory", "hours_practice"}
    saved = standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                                    expected_version=info.value.current["version"],
                                    **standards.save_args_from_content(result["merged"]))
    assert saved["saved"] is False  # taking theirs changes nothing: nothing is stored twice
    mine_wins = merge_content(base, mine, info.value.current["content"])["merged"]
    saved = standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                                    expected_version=info.value.current["version"],
                                    **standards.save_args_from_content(mine_wins))
    assert saved["content"]["units"][0]["hours_theory"] == 18


# --------------------------------------------------------------------------- audit trail


def test_audit_events_filter_by_programme_user_entity_action_and_time(engine):
    """A filterable DataFrame, newest first; dates cover whole days; leads and admins only."""
    world = make_world(engine)
    other = make_world(engine)
    _save(engine, world, actor=world.lead, header={"nature": "改"})
    frame = history.audit_events(engine, actor=world.lead, program_id=world.program_id)
    assert list(frame.columns) == history.AUDIT_COLUMNS
    assert set(frame["program_id"]) == {world.program_id} and len(frame) > 10
    assert frame["at"].is_monotonic_decreasing
    by_lead = history.audit_events(engine, actor=world.admin, program_id=world.program_id,
                                   username=world.lead.username)
    assert set(by_lead["action"]) == {"update", "save"}
    saves = history.audit_events(engine, actor=world.admin, entity_type="standard", action="save")
    assert set(saves["entity_id"]) == {world.standard_id, other.standard_id}
    assert len(history.audit_events(engine, actor=world.admin, limit=3)) == 3
    today = datetime.now(UTC).date()
    assert len(history.audit_events(engine, actor=world.admin, since=today, until=today, limit=10000)) == \
        len(history.audit_events(engine, actor=world.admin, limit=10000))
    assert history.audit_events(engine, actor=world.admin, until=today - timedelta(days=1)).empty
    assert history.audit_events(engine, actor=world.admin, since=datetime.now(UTC) + timedelta(hours=1)).empty
    assert history.audit_events(engine, actor=world.admin, since=datetime.now() + timedelta(days=2)).empty
    update = history.audit_events(engine, actor=world.admin, program_id=world.program_id, action="update",
                                  entity_type="standard").iloc[0]
    assert update["before"] == {"nature": "专业核心课程"} and update["after"] == {"nature": "改"}
    filters = history.audit_filters(engine, actor=world.lead, program_id=world.program_id)
    assert world.lead.username in filters["usernames"] and "alignment" in filters["entity_types"]
    assert "save" in filters["actions"]
    for actor in (world.owner, world.mentor):
        with pytest.raises(PermissionDenied):
            history.audit_events(engine, actor=actor)
        with pytest.raises(PermissionDenied):
            history.audit_filters(engine, actor=actor)
