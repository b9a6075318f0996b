"""Alignments: proposals from one side, decisions by the other, levels, removal, queue and search."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import AuditEvent, StandardVersion
from services import alignments, comments, framework, standards, workflow
from services.actor import SYSTEM
from services.db import session_scope
from services.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from services.users import get_actor
from tests.standard_factories import demo_standard_id, make_world, version_of


def _units(engine, world):
    return standards.standard_content(engine, world.standard_id)["units"]


def _links(engine, world, **match):
    rows = alignments.alignments_for_standard(engine, standard_id=world.standard_id)
    return [r for r in rows if all(r[k] == v for k, v in match.items())]


def _one(engine, world, **match):
    rows = _links(engine, world, **match)
    assert len(rows) == 1, rows
    return rows[0]


# --------------------------------------------------------------------------- proposing


def test_mentor_proposes_on_a_unit_from_the_enterprise_side(engine):
    """A mentor's proposal is 'proposed' with provenance; the standard gets a new version."""
    world = make_world(engine)
    unit = _units(engine, world)[1]
    before = version_of(engine, world.standard_id)
    result = alignments.propose_alignment(engine, actor=world.mentor, unit_id=unit["id"], code="1.2.2", level=2)
    assert (result["status"], result["proposed_side"], result["proposed_by_id"]) == (
        "proposed", "enterprise", world.mentor.id)
    assert result["target"] == f"unit:{unit['id']}" and result["course_id"] == world.course_id
    assert result["code"] == "1.2.2" and result["standard"]["version"] == before + 1
    with session_scope(engine) as s:
        latest = s.exec(select(StandardVersion).where(StandardVersion.standard_id == world.standard_id)
                        .order_by(StandardVersion.number.desc())).first()
        event = s.exec(select(AuditEvent).where(AuditEvent.entity_type == "alignment")
                       .order_by(AuditEvent.id.desc())).first()
    assert latest.note == "alignment 1.2.2 proposed" and latest.author_id == world.mentor.id
    assert (event.action, event.username, event.after["proposed_side"]) == ("create", world.mentor.username,
                                                                              "enterprise")


def test_course_and_objective_targets(engine):
    """Course-level links do not touch the standard; objective links do; exactly one target is required."""
    world = make_world(engine)
    before = version_of(engine, world.standard_id)
    course_link = alignments.propose_alignment(engine, actor=world.lead, course_id=world.course_id, code="1.2.2",
                                               level=1)
    assert course_link["target"] == f"course:{world.course_id}" and "standard" not in course_link
    assert version_of(engine, world.standard_id) == before
    objective = standards.standard_content(engine, world.standard_id)["objectives"][0]
    link = alignments.propose_alignment(engine, actor=world.owner, objective_id=objective["id"],
                                        competency_id=world.nodes["1.2.2"]["id"], level=3)
    assert link["objective_id"] == objective["id"] and link["standard"]["version"] == before + 1
    with pytest.raises(ValidationFailed) as info:
        alignments.propose_alignment(engine, actor=world.lead, course_id=world.course_id, unit_id=1, code="1.1.1",
                                     level=1)
    assert info.value.key == "alignments.error.target"
    with pytest.raises(NotFound):
        alignments.propose_alignment(engine, actor=world.lead, unit_id=987654, code="1.1.1", level=1)


@pytest.mark.parametrize(("code", "level", "key"), [
    ("9.9.9", 1, "standards.error.unknown_competency"),
    ("1.1", 1, "standards.error.unknown_competency"),  # a task, not a competency
    ("1.1.1", 4, "standards.error.level"),
    ("1.1.1", 2, "alignments.error.duplicate"),  # unit one already has 1.1.1
])
def test_invalid_proposals_are_refused(engine, code, level, key):
    """Unknown or non-leaf codes, levels outside 1–3 and duplicates raise ValidationFailed with a key."""
    world = make_world(engine)
    with pytest.raises(ValidationFailed) as info:
        alignments.propose_alignment(engine, actor=world.mentor, unit_id=_units(engine, world)[0]["id"], code=code,
                                     level=level)
    assert info.value.key == key


def test_retired_competency_cannot_be_proposed(engine):
    """A retired competency is refused."""
    world = make_world(engine)
    node = world.nodes["1.2.2"]
    framework.update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                          changes={"status": "retired"})
    with pytest.raises(ValidationFailed) as info:
        alignments.propose_alignment(engine, actor=world.mentor, course_id=world.course_id, code="1.2.2", level=1)
    assert info.value.key == "standards.error.retired_competency"


def test_only_leads_and_admins_accept_directly(engine):
    """accept=True records an accepted link by a lead; faculty and mentors may not skip the review."""
    world = make_world(engine)
    unit = _units(engine, world)[1]
    accepted = alignments.propose_alignment(engine, actor=world.lead, unit_id=unit["id"], code="1.2.2", level=2,
                                            accept=True)
    assert (accepted["status"], accepted["decided_by_id"]) == ("accepted", world.lead.id)
    for actor in (world.owner, world.mentor):
        with pytest.raises(PermissionDenied):
            alignments.propose_alignment(engine, actor=actor, course_id=world.course_id, code="1.1.1", level=1,
                                         accept=True)


def test_faculty_propose_only_on_courses_they_own(engine):
    """Another faculty member may not add links to this course's standard."""
    world = make_world(engine)
    with pytest.raises(PermissionDenied):
        alignments.propose_alignment(engine, actor=world.faculty, unit_id=_units(engine, world)[0]["id"],
                                     code="1.2.2", level=1)


def test_reproposing_a_rejected_link_opens_it_again(engine):
    """A rejected link proposed again becomes proposed by the new proposer with the new level."""
    world = make_world(engine)
    unit = _units(engine, world)[0]
    link = _one(engine, world, unit_id=unit["id"], code="1.1.1")
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"], expected_version=link["version"],
                                decision="reject", reason="单元一只涉及认识，不到 3 级")
    again = alignments.propose_alignment(engine, actor=world.mentor, unit_id=unit["id"], code="1.1.1", level=1)
    assert again["id"] == link["id"] and (again["status"], again["level"], again["proposed_side"], again["reason"]) == (
        "proposed", 1, "enterprise", "")


# --------------------------------------------------------------------------- deciding


def test_mentor_rejects_a_school_proposal_with_a_reason(engine):
    """The enterprise side decides school proposals; the reason is kept; the standard gets a version."""
    world = make_world(engine)
    link = _one(engine, world, code="1.2.1", target_type="unit")
    with pytest.raises(ValidationFailed) as info:
        alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                    expected_version=link["version"], decision="reject", reason="  ")
    assert info.value.key == "alignments.error.reason_required"
    result = alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                         expected_version=link["version"], decision="reject", reason="单元二不训练该能力")
    assert (result["status"], result["reason"], result["decided_by_id"]) == ("rejected", "单元二不训练该能力",
                                                                              world.mentor.id)
    row = _one(engine, world, id=link["id"])
    assert row["decided_by"] == world.mentor.display_name and row["decided_at"]
    assert row["proposed_by"] == world.owner.display_name and row["deciding_side"] == "enterprise"
    assert result["standard"]["version_number"] >= 3


def test_the_proposing_side_cannot_decide_its_own_proposal(engine):
    """School proposals are not decided by the school (lead, owner), enterprise ones not by mentors."""
    world = make_world(engine)
    school = _one(engine, world, code="1.2.1", target_type="unit")
    for actor in (world.lead, world.owner, world.faculty):
        with pytest.raises(PermissionDenied):
            alignments.decide_alignment(engine, actor=actor, alignment_id=school["id"],
                                        expected_version=school["version"], decision="accept")
    enterprise = alignments.propose_alignment(engine, actor=world.mentor, unit_id=school["unit_id"], code="1.2.2",
                                              level=2)
    with pytest.raises(PermissionDenied):
        alignments.decide_alignment(engine, actor=world.mentor, alignment_id=enterprise["id"],
                                    expected_version=enterprise["version"], decision="accept")


@pytest.mark.parametrize(("role", "allowed"), [("owner", True), ("lead", True), ("admin", True), ("faculty", False)])
def test_school_side_decides_enterprise_proposals(engine, role, allowed):
    """Owners and leads (and admins) decide enterprise proposals; faculty who do not own the course may not."""
    world = make_world(engine)
    unit = _units(engine, world)[1]
    proposal = alignments.propose_alignment(engine, actor=world.mentor, unit_id=unit["id"], code="1.2.2", level=2)
    call = dict(actor=world.actor(role), alignment_id=proposal["id"], expected_version=proposal["version"],
                decision="accept")
    if allowed:
        assert alignments.decide_alignment(engine, **call)["status"] == "accepted"
    else:
        with pytest.raises(PermissionDenied):
            alignments.decide_alignment(engine, **call)


def test_admin_decides_either_side_and_decisions_can_be_revised(engine):
    """Admins decide any proposal; the deciding side may change its mind (reject → accept)."""
    world = make_world(engine)
    link = _one(engine, world, code="1.1.2", target_type="unit")
    rejected = alignments.decide_alignment(engine, actor=world.admin, alignment_id=link["id"],
                                           expected_version=link["version"], decision="reject", reason="重复")
    accepted = alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                           expected_version=rejected["version"], decision="accept")
    assert accepted["status"] == "accepted" and accepted["decided_by_id"] == world.mentor.id
    with pytest.raises(ValidationFailed) as info:
        alignments.decide_alignment(engine, actor=world.admin, alignment_id=link["id"],
                                    expected_version=accepted["version"], decision="maybe")
    assert info.value.key == "alignments.error.decision"


def test_concurrent_decisions_conflict(engine):
    """Two mentors decide the same proposal from the same version: the second gets Conflict."""
    world = make_world(engine)
    link = _one(engine, world, code="1.1.2", target_type="unit")
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"], expected_version=link["version"],
                                decision="accept")
    with pytest.raises(Conflict) as info:
        alignments.decide_alignment(engine, actor=world.admin, alignment_id=link["id"],
                                    expected_version=link["version"], decision="reject", reason="不对")
    assert info.value.current["status"] == "accepted"


# --------------------------------------------------------------------------- level and removal


def test_changing_the_level_reopens_a_decided_link_for_the_other_side(engine):
    """An accepted school link changed by a mentor becomes an enterprise proposal the school decides."""
    world = make_world(engine)
    link = _one(engine, world, code="1.1.1", target_type="unit")
    accepted = alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                           expected_version=link["version"], decision="accept")
    changed = alignments.change_level(engine, actor=world.mentor, alignment_id=link["id"],
                                      expected_version=accepted["version"], level=2)
    assert (changed["level"], changed["status"], changed["proposed_side"], changed["decided_by_id"]) == (
        2, "proposed", "enterprise", None)
    with pytest.raises(Conflict):
        alignments.change_level(engine, actor=world.owner, alignment_id=link["id"],
                                expected_version=accepted["version"], level=1)
    with pytest.raises(ValidationFailed):
        alignments.change_level(engine, actor=world.owner, alignment_id=link["id"],
                                expected_version=changed["version"], level=0)


def test_who_may_remove_a_link(engine):
    """Editors remove any link; a mentor withdraws only an own open proposal; comments move to the unit."""
    world = make_world(engine)
    unit = _units(engine, world)[1]
    school = _one(engine, world, code="1.2.1", target_type="unit")
    with pytest.raises(PermissionDenied):
        alignments.remove_alignment(engine, actor=world.mentor, alignment_id=school["id"],
                                    expected_version=school["version"])
    proposal = alignments.propose_alignment(engine, actor=world.mentor, unit_id=unit["id"], code="1.2.2", level=2)
    thread = comments.add_comment(engine, actor=world.owner, entity_type="alignment", entity_id=proposal["id"],
                                  body="为什么是 2 级？")
    removed = alignments.remove_alignment(engine, actor=world.mentor, alignment_id=proposal["id"],
                                          expected_version=proposal["version"])
    assert removed["deleted"] and removed["standard"]["version_number"]
    moved = comments.list_threads(engine, entity_type="unit", entity_id=unit["id"])
    assert [t["id"] for t in moved] == [thread["id"]]
    owner_removes = alignments.remove_alignment(engine, actor=world.owner, alignment_id=school["id"],
                                                expected_version=school["version"])
    assert owner_removes["deleted"] and _links(engine, world, unit_id=unit["id"]) == []
    with pytest.raises(NotFound):
        alignments.remove_alignment(engine, actor=world.owner, alignment_id=school["id"], expected_version=1)


def test_links_of_an_approved_revision_are_frozen(engine):
    """No proposal, decision, level change or removal on an approved revision."""
    world = make_world(engine)
    link = _one(engine, world, code="1.1.2", target_type="unit")
    workflow.submit(engine, actor=world.owner, standard_id=world.standard_id,
                    expected_version=version_of(engine, world.standard_id))
    for actor in (world.lead, world.mentor):
        workflow.sign(engine, actor=actor, standard_id=world.standard_id,
                      expected_version=version_of(engine, world.standard_id))
    calls = [
        lambda: alignments.propose_alignment(engine, actor=world.mentor, unit_id=link["unit_id"], code="1.2.2",
                                             level=1),
        lambda: alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                            expected_version=link["version"], decision="accept"),
        lambda: alignments.change_level(engine, actor=world.owner, alignment_id=link["id"],
                                        expected_version=link["version"], level=1),
        lambda: alignments.remove_alignment(engine, actor=world.owner, alignment_id=link["id"],
                                            expected_version=link["version"]),
    ]
    for call in calls:
        with pytest.raises(ValidationFailed) as info:
            call()
        assert info.value.key == "standards.error.frozen"
    # course-level links belong to the programme plan, not to the frozen document
    assert alignments.propose_alignment(engine, actor=world.mentor, course_id=world.course_id, code="1.2.2",
                                        level=1)["status"] == "proposed"


def test_a_decision_during_review_clears_sign_offs(engine):
    """Signatures are for reviewed content: accepting a link in review clears them."""
    world = make_world(engine)
    workflow.submit(engine, actor=world.owner, standard_id=world.standard_id,
                    expected_version=version_of(engine, world.standard_id))
    workflow.sign(engine, actor=world.lead, standard_id=world.standard_id,
                  expected_version=version_of(engine, world.standard_id))
    link = _one(engine, world, code="1.1.2", target_type="unit")
    result = alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                         expected_version=link["version"], decision="accept")
    assert result["standard"]["signoffs_cleared"]
    assert workflow.workflow_state(engine, standard_id=world.standard_id)["school_signed_by"] == ""


# --------------------------------------------------------------------------- queue and search


def test_review_queue_shows_each_side_what_waits_for_it(engine):
    """Mentors see school proposals; owners see enterprise ones on their courses; others see none of those."""
    world = make_world(engine)
    unit = _units(engine, world)[1]
    proposal = alignments.propose_alignment(engine, actor=world.mentor, unit_id=unit["id"], code="1.2.2", level=2)
    mentor_queue = alignments.review_queue(engine, actor=world.mentor, program_id=world.program_id)
    assert mentor_queue["counts"]["alignments"] == 6
    assert {r["proposed_side"] for r in mentor_queue["alignments"]} == {"school"}
    first = mentor_queue["alignments"][0]
    assert first["course_code"] and first["target_label"] and first["statement"] and first["standard_id"]
    owner_queue = alignments.review_queue(engine, actor=world.owner, program_id=world.program_id)
    assert [r["id"] for r in owner_queue["alignments"]] == [proposal["id"]]
    assert alignments.review_queue(engine, actor=world.faculty, program_id=world.program_id)["alignments"] == []
    assert [r["id"] for r in alignments.review_queue(engine, actor=world.lead,
                                                     program_id=world.program_id)["alignments"]] == [proposal["id"]]
    assert alignments.review_queue(engine, actor=world.admin, program_id=world.program_id)["counts"]["alignments"] == 7


def test_review_queue_lists_threads_awaiting_the_side(engine):
    """A mentor's question waits for the school; once the owner answers it waits for the mentor."""
    world = make_world(engine)
    thread = comments.add_comment(engine, actor=world.mentor, entity_type="standard", entity_id=world.standard_id,
                                  body="考核权重是否过于偏重过程？")
    assert alignments.review_queue(engine, actor=world.owner, program_id=world.program_id)["comments"][0]["id"] == \
        thread["id"]
    assert alignments.review_queue(engine, actor=world.mentor, program_id=world.program_id)["comments"] == []
    comments.reply(engine, actor=world.owner, comment_id=thread["id"], body="已调整为 60/40")
    assert alignments.review_queue(engine, actor=world.owner, program_id=world.program_id)["counts"]["comments"] == 0
    assert alignments.review_queue(engine, actor=world.mentor, program_id=world.program_id)["counts"]["comments"] == 1


def test_search_competencies_with_programme_coverage(engine):
    """Search by code prefix or words; each hit carries its current programme coverage level."""
    world = make_world(engine)
    hits = alignments.search_competencies(engine, program_id=world.program_id, query="1.1", limit=10)
    assert [h["code"] for h in hits] == ["1.1.1", "1.1.2"]
    assert hits[0]["coverage_level"] == 3 and hits[1]["coverage_level"] == 3  # unit 1: 1.1.1@3; S1: 1.1.2@3
    assert hits[0]["task_code"] == "1.1" and hits[0]["area"] == "领域一" and hits[0]["required_level"] == 3
    by_words = alignments.search_competencies(engine, program_id=world.program_id, query="第2项 操作", limit=10)
    assert [h["code"] for h in by_words] == ["1.1.2", "1.2.2"]
    assert by_words[1]["coverage_level"] == 0
    assert [h["code"] for h in alignments.search_competencies(engine, program_id=world.program_id, query="1.2.1",
                                                              limit=10)] == ["1.2.1"]
    assert len(alignments.search_competencies(engine, program_id=world.program_id, query="", limit=3)) == 3
    link = _one(engine, world, code="1.2.1", target_type="unit")
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"], expected_version=link["version"],
                                decision="reject", reason="不对应")
    hit = alignments.search_competencies(engine, program_id=world.program_id, query="1.2.1", limit=1)[0]
    assert hit["coverage_level"] == 2  # Q1 still links it at level 2; the rejected unit link does not count


def test_retired_competencies_are_left_out_of_search(engine):
    """Retired leaves are hidden unless asked for."""
    world = make_world(engine)
    node = world.nodes["1.2.2"]
    framework.update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                          changes={"status": "retired"})
    assert [h["code"] for h in alignments.search_competencies(engine, program_id=world.program_id, query="1.2")] == \
        ["1.2.1"]
    assert len(alignments.search_competencies(engine, program_id=world.program_id, query="1.2",
                                              include_retired=True)) == 2


# --------------------------------------------------------------------------- the demo


def test_demo_mentor_rejects_a_school_proposal_and_comments(seeded_engine):
    """mentor rejects ZH3021's proposed Q2 → 4.3.4 with a reason, then explains in a thread."""
    mentor = get_actor(seeded_engine, username="mentor")
    faculty = get_actor(seeded_engine, username="faculty")
    sid = demo_standard_id(seeded_engine, "ZH3021")
    queue = alignments.review_queue(seeded_engine, actor=mentor, program_id=1)
    item = next(r for r in queue["alignments"] if r["standard_id"] == sid and r["code"] == "4.3.4")
    assert item["target_label"].startswith("Q2") and item["proposed_side"] == "school"
    decided = alignments.decide_alignment(seeded_engine, actor=mentor, alignment_id=item["id"],
                                          expected_version=item["version"], decision="reject",
                                          reason="质量意识属于4.3.3，不是4.3.4")
    assert decided["status"] == "rejected"
    thread = comments.add_comment(seeded_engine, actor=mentor, entity_type="alignment", entity_id=item["id"],
                                  body="建议改为对应 4.3.3")
    waiting = alignments.review_queue(seeded_engine, actor=faculty, program_id=1)
    assert thread["id"] in {t["id"] for t in waiting["comments"]}
    assert item["id"] not in {r["id"] for r in alignments.review_queue(seeded_engine, actor=mentor,
                                                                       program_id=1)["alignments"]}
    content = standards.standard_content(seeded_engine, sid)
    q2 = next(o for o in content["objectives"] if o["code"] == "Q2")
    assert {a["code"]: a["status"] for a in q2["alignments"]}["4.3.4"] == "rejected"


def test_level_change_rule_is_pure():
    """The one rule: unchanged level → nothing; open proposal → level only; decided → re-opened for the changer."""
    lead = SYSTEM
    assert alignments.level_change({"level": 2, "status": "accepted"}, 2, actor=lead) == {}
    assert alignments.level_change({"level": 2, "status": "proposed"}, 3, actor=lead) == {"level": 3}
    for status in ("accepted", "rejected"):
        assert alignments.level_change({"level": 2, "status": status}, 1, actor=lead) == {
            "level": 1, "status": "proposed", "proposed_by_id": lead.id, "proposed_side": lead.side,
            "decided_by_id": None, "decided_at": None, "reason": ""}


PROVENANCE = ("level", "status", "proposed_by_id", "proposed_side", "decided_by_id", "decided_at", "reason")


def test_a_level_change_reopens_an_accepted_link_the_same_way_in_the_editor_and_a_matrix_import(engine):
    """Propose (lead), accept (mentor), change the level (lead): the editor and a matrix import leave the same
    status and provenance, and both audit the re-opening (accepted → proposed by the school side)."""
    from models import Alignment, Competency, Course, Program
    from services.importing import analyse, commit
    from tests.importing.conftest import xlsx_bytes

    world = make_world(engine)
    ids = {}
    for code in ("1.1.1", "1.1.2"):
        link = alignments.propose_alignment(engine, actor=world.lead, course_id=world.course_id, code=code, level=2)
        accepted = alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                               expected_version=link["version"], decision="accept")
        assert accepted["status"] == "accepted" and accepted["decided_by_id"] == world.mentor.id
        ids[code] = (link["id"], accepted["version"])
    alignments.change_level(engine, actor=world.lead, alignment_id=ids["1.1.1"][0],
                            expected_version=ids["1.1.1"][1], level=3)
    with session_scope(engine) as s:
        course = s.get(Course, world.course_id)
        program_code = s.get(Program, course.program_id).code
        header = f"{course.name}（{course.code}）"
    data = xlsx_bytes([["能力编码", "职业能力", header], ["1.1.1", "能完成第1项操作", 3], ["1.1.2", "能完成第2项操作", 3]])
    preview = analyse(data, "m.xlsx", engine=engine, program_code=program_code)
    assert preview.ok and preview.counts["updated"]["alignment"] == 1, preview.errors
    change = next(c for c in preview.changes if c["entity"] == "alignment")
    assert change["key"] == f"1.1.2 → {course.code}" and change["changes"]["status"] == ["accepted", "proposed"]
    result = commit(engine, actor=world.lead, preview=preview)
    assert result.ok, result.errors
    with session_scope(engine) as s:
        rows = {code: s.exec(select(Alignment).join(Competency, Competency.id == Alignment.competency_id)
                             .where(Competency.program_id == world.program_id, Competency.code == code,
                                    Alignment.target == f"course:{world.course_id}")).one() for code in ids}
    # the history as every page reads it: the editor's own audit event, the import's entry from its record
    from types import SimpleNamespace

    from services.history import audit_events

    events = {}
    for code in ids:
        frame = audit_events(engine, actor=world.lead, entity_type="alignment", entity_id=rows[code].id,
                             action="update")
        assert len(frame) == 1, frame
        events[code] = SimpleNamespace(**frame.iloc[0].to_dict())
    editor, imported = ({c: getattr(rows[code], c) for c in PROVENANCE} for code in ("1.1.1", "1.1.2"))
    assert editor == imported == {"level": 3, "status": "proposed", "proposed_by_id": world.lead.id,
                                  "proposed_side": "school", "decided_by_id": None, "decided_at": None, "reason": ""}
    editor_event, import_event = (events[code] for code in ("1.1.1", "1.1.2"))
    assert set(editor_event.before) == set(import_event.before) == {"level", "status", "decided_by_id", "decided_at"}
    for event in (editor_event, import_event):
        assert (event.username, event.before["status"], event.after["status"]) == (world.lead.username, "accepted",
                                                                                  "proposed")
        assert event.before["decided_by_id"] == world.mentor.id and event.after["decided_by_id"] is None
        assert event.before["level"] == 2 and event.after["level"] == 3 and event.after["decided_at"] is None


def test_the_level_change_scenario_survives_a_restore_with_the_same_statuses_and_provenance(engine):
    """The same scenario (propose, accept, change the level) through the editor, then the programme's backup
    restored under another code: each restored link has the status and provenance the editor left, and the
    restore is audited on the programme it created (a backup holds no audit log to replay)."""
    import json

    from models import Alignment, Competency, Program
    from services.exports import backup_document, restore_backup

    world = make_world(engine)
    link = alignments.propose_alignment(engine, actor=world.lead, course_id=world.course_id, code="1.1.1", level=2)
    accepted = alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                           expected_version=link["version"], decision="accept")
    other = alignments.propose_alignment(engine, actor=world.lead, course_id=world.course_id, code="1.1.2", level=1)
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=other["id"],
                                expected_version=other["version"], decision="accept")
    alignments.change_level(engine, actor=world.lead, alignment_id=link["id"], expected_version=accepted["version"],
                            level=3)
    doc = backup_document(engine, actor=SYSTEM, program_id=world.program_id)
    original = doc["programs"][0]["code"]
    doc["programs"][0]["code"] = f"{original}R"
    report = restore_backup(engine, actor=SYSTEM, data=json.dumps(doc).encode())
    assert report.ok, report.errors

    def links(code: str) -> dict[str, dict]:
        with session_scope(engine) as s:
            rows = s.exec(select(Alignment, Competency.code).join(Competency, Competency.id == Alignment.competency_id)
                          .join(Program, Program.id == Competency.program_id)
                          .where(Program.code == code, Alignment.target.like("course:%"))).all()
            return {c: {k: getattr(a, k) for k in (*PROVENANCE, "source")} for a, c in rows}

    before, after = links(original), links(f"{original}R")
    assert set(before) == set(after) == {"1.1.1", "1.1.2"}
    for values in (before, after):
        assert values["1.1.1"] == {"level": 3, "status": "proposed", "proposed_by_id": world.lead.id,
                                   "proposed_side": "school", "decided_by_id": None, "decided_at": None,
                                   "reason": "", "source": "manual"}
        assert values["1.1.2"]["status"] == "accepted" and values["1.1.2"]["decided_by_id"] == world.mentor.id
    assert after["1.1.2"]["decided_at"].replace(tzinfo=None) == before["1.1.2"]["decided_at"].replace(tzinfo=None)
    with session_scope(engine) as s:
        restored = s.exec(select(Program).where(Program.code == f"{original}R")).one()
        events = s.exec(select(AuditEvent).where(AuditEvent.entity_type == "program",
                                                 AuditEvent.entity_id == restored.id)).all()
    assert [e.action for e in events] == ["restore"]


@pytest.mark.parametrize(("role", "school_proposal", "enterprise_proposal"), [
    ("owner", False, True), ("lead", False, True), ("faculty", False, False), ("mentor", True, False),
    ("admin", True, True)])
def test_each_row_says_whether_the_viewer_may_decide_it(engine, role, school_proposal, enterprise_proposal):
    """``may_decide`` on a standard's alignment rows is the decision rule of the service (the other side decides;
    on the school side only owners and leads; admins either), so the editor shows accept/reject exactly where
    ``decide_alignment`` would allow it; decided rows and rows listed without a viewer are never decidable."""
    world = make_world(engine)
    school = _one(engine, world, code="1.2.1", target_type="unit")
    enterprise = alignments.propose_alignment(engine, actor=world.mentor, unit_id=school["unit_id"], code="1.2.2",
                                              level=2)
    actor = world.actor(role)
    rows = {r["id"]: r for r in alignments.alignments_for_standard(engine, standard_id=world.standard_id, actor=actor)}
    assert rows[school["id"]]["may_decide"] is school_proposal
    assert rows[enterprise["id"]]["may_decide"] is enterprise_proposal
    assert not any(r["may_decide"] for r in alignments.alignments_for_standard(engine, standard_id=world.standard_id))
    for row_id, allowed in ((school["id"], school_proposal), (enterprise["id"], enterprise_proposal)):
        call = dict(actor=actor, alignment_id=row_id, expected_version=rows[row_id]["version"], decision="accept")
        if allowed:
            assert alignments.decide_alignment(engine, **call)["status"] == "accepted"
            after = {r["id"]: r for r in alignments.alignments_for_standard(engine, standard_id=world.standard_id,
                                                                            actor=actor)}
            assert after[row_id]["may_decide"] is False
        else:
            with pytest.raises(PermissionDenied):
                alignments.decide_alignment(engine, **call)
