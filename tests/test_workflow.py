"""Review and sign-off: draft → in review → approved (frozen) → new revision; and who may do what."""

from __future__ import annotations

import shutil
import sys

import pytest

from services import alignments, checks, comments, history, standards, workflow
from services.actor import SYSTEM
from services.courses import set_course_owners
from services.db import make_engine
from services.errors import Conflict, PermissionDenied, ValidationFailed, error_lines
from services.users import get_actor
from tests.factories import make_course
from tests.standard_factories import demo_standard_id, make_world, version_of


def _v(engine, world) -> int:
    return version_of(engine, world.standard_id)


def _submit(engine, world, actor=None):
    return workflow.submit(engine, actor=actor or world.owner, standard_id=world.standard_id,
                           expected_version=_v(engine, world))


def _sign(engine, world, actor, side=None):
    return workflow.sign(engine, actor=actor, standard_id=world.standard_id, expected_version=_v(engine, world),
                         side=side)


@pytest.fixture
def snapshots(monkeypatch):
    """Record calls of services.coverage.take_snapshot instead of computing coverage."""
    import services.coverage as coverage

    calls = []

    def fake(engine, **kwargs):
        calls.append(kwargs)
        return {"id": len(calls), **kwargs}

    monkeypatch.setattr(coverage, "take_snapshot", fake)
    return calls


# --------------------------------------------------------------------------- the happy path


def test_submit_sign_both_sides_approves_and_freezes(engine, snapshots):
    """Owner submits, mentor and lead sign: approved, frozen, audited, coverage snapshot after commit."""
    world = make_world(engine)
    submitted = _submit(engine, world)
    assert submitted["status"] == "in_review" and submitted["submitted_at"]
    assert submitted["checklist"]["errors"] == 0 and submitted["checklist"]["warnings"] == 1  # open proposals
    first = _sign(engine, world, world.mentor)
    assert first["status"] == "in_review" and not first["approved"] and first["coverage_snapshot"] is None
    assert first["enterprise_signed_by"] == world.mentor.display_name and first["school_signed_by"] == ""
    second = _sign(engine, world, world.lead)
    assert second["approved"] and second["status"] == "approved" and second["frozen"] and second["approved_at"]
    assert second["school_signed_by"] == world.lead.display_name and second["school_signed_at"]
    assert snapshots == [{"actor": SYSTEM, "program_id": world.program_id, "reason": "approval",
                          "label": f"{standards.standard_content(engine, world.standard_id)['meta']['course_code']}"
                                   " r1 approved"}]
    assert second["coverage_snapshot"]["reason"] == "approval"
    events = history.audit_events(engine, actor=world.lead, entity_type="standard", entity_id=world.standard_id)
    assert list(events["action"])[:3] == ["sign_school", "sign_enterprise", "submit"]
    with pytest.raises(ValidationFailed) as info:
        standards.save_standard(engine, actor=world.lead, standard_id=world.standard_id,
                                expected_version=_v(engine, world), header={"nature": "改"})
    assert info.value.key == "standards.error.frozen"


def test_school_may_sign_first_and_a_lead_signs_for_the_school(engine, snapshots):
    """Either order; a lead signs for the school side."""
    world = make_world(engine)
    _submit(engine, world)
    assert not _sign(engine, world, world.lead)["approved"]
    assert _sign(engine, world, world.mentor)["approved"]
    assert len(snapshots) == 1


def test_admin_signs_for_both_sides_when_named_explicitly(engine, snapshots):
    """An admin's own side is the default; the other side must be named."""
    world = make_world(engine)
    _submit(engine, world, actor=world.admin)
    assert _sign(engine, world, world.admin)["school_signed_by"] == world.admin.display_name
    assert _sign(engine, world, world.admin, side="enterprise")["approved"]


def test_approval_survives_without_the_coverage_module(engine, monkeypatch):
    """No services.coverage (ImportError): approval works, no snapshot."""
    world = make_world(engine)
    monkeypatch.setitem(sys.modules, "services.coverage", None)
    _submit(engine, world)
    _sign(engine, world, world.mentor)
    result = _sign(engine, world, world.lead)
    assert result["approved"] and result["coverage_snapshot"] is None


def test_a_failing_snapshot_does_not_undo_the_approval(engine, monkeypatch):
    """The snapshot runs after the commit; its failure is logged, not raised."""
    import services.coverage as coverage

    def broken(engine, **kwargs):
        raise RuntimeError("coverage is down")

    monkeypatch.setattr(coverage, "take_snapshot", broken)
    world = make_world(engine)
    _submit(engine, world)
    _sign(engine, world, world.mentor)
    assert _sign(engine, world, world.lead)["coverage_snapshot"] is None
    assert workflow.workflow_state(engine, standard_id=world.standard_id)["status"] == "approved"


# --------------------------------------------------------------------------- guards


def test_whoever_wrote_the_standard_or_owns_the_course_may_not_sign_for_the_school(engine):
    """Separation of duties: the owner and a lead who saved it are refused; a colleague who did not write it signs."""
    world = make_world(engine)
    standards.save_standard(engine, actor=world.lead, standard_id=world.standard_id,
                            expected_version=_v(engine, world), header={"resources": "实训室 A"})
    _submit(engine, world)
    for writer in (world.owner, world.lead):
        assert not workflow.allowed_actions(engine, actor=writer, standard_id=world.standard_id)["sign_school"]
        with pytest.raises(PermissionDenied) as info:
            _sign(engine, world, writer)
        assert info.value.key == "permission.error.not_independent"
    assert workflow.allowed_actions(engine, actor=world.faculty, standard_id=world.standard_id)["sign_school"]
    assert _sign(engine, world, world.faculty)["school_signed_by"] == world.faculty.display_name
    assert _sign(engine, world, world.mentor)["approved"]


def test_blocking_checks_refuse_the_submission(engine):
    """Hours or weights that do not add up block the submission, with every error listed."""
    world = make_world(engine)
    content = standards.standard_content(engine, world.standard_id)
    args = standards.save_args_from_content(content)
    args["units"][0]["hours_theory"] = 10
    args["assessment"][0]["weight"] = 50
    standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                            expected_version=_v(engine, world), units=args["units"], assessment=args["assessment"])
    with pytest.raises(ValidationFailed) as info:
        _submit(engine, world)
    assert info.value.key == "workflow.error.checks_failed" and info.value.params == {"errors": 2}
    assert [e.params["key"] for e in info.value.errors] == ["checks.hours_mismatch", "checks.weights_mismatch"]
    assert {f["key"] for f in info.value.findings} >= {"checks.hours_mismatch", "checks.open_proposals"}
    assert error_lines(info.value, "en")[0] == "Unit hours add up to 58, but the course has 64 hours."
    assert workflow.workflow_state(engine, standard_id=world.standard_id)["status"] == "draft"


def test_warnings_do_not_block(engine):
    """An orphan unit and a badly worded objective are warnings: the submission goes through."""
    world = make_world(engine)
    args = standards.save_args_from_content(standards.standard_content(engine, world.standard_id))
    args["units"][1]["alignments"] = []
    args["objectives"][0]["text"] = "使学生了解工作原理"
    standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                            expected_version=_v(engine, world), **args)
    result = _submit(engine, world)
    assert result["status"] == "in_review"
    assert {"checks.unit_not_aligned", "lint.zh.student_as_object"} <= {f["key"] for f in
                                                                        result["checklist"]["findings"]}


def test_steps_need_the_right_status(engine):
    """Submit only drafts, sign and reject only in review, start a revision only from approved."""
    world = make_world(engine)
    with pytest.raises(ValidationFailed) as info:
        _sign(engine, world, world.mentor)
    assert info.value.key == "workflow.error.not_in_review"
    with pytest.raises(ValidationFailed) as info:
        workflow.reject(engine, actor=world.mentor, standard_id=world.standard_id,
                        expected_version=_v(engine, world), reason="x")
    assert info.value.key == "workflow.error.not_in_review"
    with pytest.raises(ValidationFailed) as info:
        workflow.start_revision(engine, actor=world.owner, standard_id=world.standard_id)
    assert info.value.key == "workflow.error.not_approved"
    _submit(engine, world)
    with pytest.raises(ValidationFailed) as info:
        _submit(engine, world)
    assert info.value.key == "workflow.error.not_draft"
    _sign(engine, world, world.mentor)
    with pytest.raises(ValidationFailed) as info:
        _sign(engine, world, world.admin, side="enterprise")
    assert info.value.key == "workflow.error.already_signed"
    with pytest.raises(ValidationFailed) as info:
        _sign(engine, world, world.admin, side="both")
    assert info.value.key == "workflow.error.side"


def test_signing_names_the_reviewed_version(engine):
    """A change after the signer loaded the standard makes the signature conflict."""
    world = make_world(engine)
    _submit(engine, world)
    seen = _v(engine, world)
    link = next(a for a in alignments.alignments_for_standard(engine, standard_id=world.standard_id)
                if a["code"] == "1.1.2" and a["target_type"] == "unit")
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"], expected_version=link["version"],
                                decision="accept")
    with pytest.raises(Conflict):
        workflow.sign(engine, actor=world.lead, standard_id=world.standard_id, expected_version=seen)


def test_reject_returns_to_draft_with_the_reason(engine):
    """A reason is required; sign-offs are cleared; the reason stays until the next submission."""
    world = make_world(engine)
    _submit(engine, world)
    _sign(engine, world, world.lead)
    with pytest.raises(ValidationFailed) as info:
        workflow.reject(engine, actor=world.mentor, standard_id=world.standard_id,
                        expected_version=_v(engine, world), reason=" ")
    assert info.value.key == "workflow.error.reason_required"
    state = workflow.reject(engine, actor=world.mentor, standard_id=world.standard_id,
                            expected_version=_v(engine, world), reason="实践学时偏少，请增加企业项目")
    assert state["status"] == "draft" and state["rejection_reason"] == "实践学时偏少，请增加企业项目"
    assert state["school_signed_by"] == "" and state["submitted_at"] is None
    assert _submit(engine, world)["rejection_reason"] == ""
    events = history.audit_events(engine, actor=world.admin, action="reject")
    assert events["summary"].str.contains("实践学时偏少").all() and len(events) == 1


def test_start_revision_copies_the_approved_revision(engine, snapshots):
    """Revision 2 is a draft copy with provenance and decisions; revision 1 stays frozen."""
    world = make_world(engine)
    link = next(a for a in alignments.alignments_for_standard(engine, standard_id=world.standard_id)
                if a["code"] == "1.1.2" and a["target_type"] == "unit")
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"], expected_version=link["version"],
                                decision="reject", reason="单元一不涉及")
    _submit(engine, world)
    _sign(engine, world, world.mentor)
    _sign(engine, world, world.lead)
    old = standards.standard_content(engine, world.standard_id)
    new = workflow.start_revision(engine, actor=world.owner, standard_id=world.standard_id)
    assert new["revision"] == 2 and new["version_number"] == 1
    content = new["content"]
    assert content["meta"]["status"] == "draft" and content["header"] == old["header"]
    for table in ("objectives", "units"):
        strip = [{k: v for k, v in r.items() if k != "id"} for r in old[table]]
        assert [{k: v for k, v in r.items() if k != "id"} for r in content[table]] == strip
    assert {a["code"]: a["status"] for a in content["units"][0]["alignments"]}["1.1.2"] == "rejected"
    assert standards.current_standard(engine, course_id=world.course_id)["revision"] == 2
    assert [s["revision"] for s in standards.list_standards(engine, program_id=world.program_id)] == [1, 2]
    assert history.list_versions(engine, standard_id=new["standard_id"])[0]["note"].startswith("revision 2")
    with pytest.raises(ValidationFailed) as info:
        workflow.start_revision(engine, actor=world.owner, standard_id=world.standard_id)
    assert info.value.key == "workflow.error.not_latest"
    saved = standards.save_standard(engine, actor=world.owner, standard_id=new["standard_id"],
                                    expected_version=new["version"], header={"nature": "第二版定位"})
    assert saved["saved"]
    assert standards.standard_content(engine, world.standard_id) == old


# --------------------------------------------------------------------------- permissions: every role × action

ROLES = ("admin", "lead", "owner", "faculty", "mentor")
# action → roles allowed ("owner": faculty who owns the course; "faculty": one who does not)
EXPECTED = {
    "standard.create": {"admin", "lead", "owner"},
    "standard.save": {"admin", "lead", "owner"},
    "standard.restore": {"admin", "lead", "owner"},
    "alignment.propose": {"admin", "lead", "owner", "mentor"},
    "alignment.accept_directly": {"admin", "lead"},
    "alignment.decide_school_proposal": {"admin", "mentor"},
    "alignment.decide_enterprise_proposal": {"admin", "lead", "owner"},
    "alignment.change_level": {"admin", "lead", "owner", "mentor"},
    "alignment.remove": {"admin", "lead", "owner"},
    "alignment.withdraw_own_proposal": {"admin", "lead", "owner", "mentor"},
    "comment.write": set(ROLES),
    "comment.resolve": set(ROLES),
    "workflow.submit": {"admin", "lead", "owner"},
    "workflow.sign_school": {"admin", "lead", "faculty"},  # never the owner, who wrote it
    "workflow.sign_enterprise": {"admin", "mentor"},
    "workflow.reject": set(ROLES),
    "workflow.start_revision": {"admin", "lead", "owner"},
    "audit.view": {"admin", "lead"},
    "standard.read": set(ROLES),
}
# the allowed_actions key that predicts each action in the state the test sets up
PREDICTED_BY = {
    "standard.save": "edit", "standard.restore": "restore", "alignment.propose": "propose_alignment",
    "comment.write": "comment", "workflow.submit": "submit", "workflow.sign_school": "sign_school",
    "workflow.sign_enterprise": "sign_enterprise", "workflow.reject": "reject",
    "workflow.start_revision": "start_revision", "audit.view": "view_audit",
}


@pytest.fixture(scope="module")
def world_template(sqlite_template, tmp_path_factory):
    """One world built once (users, framework, course, standard); each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("world") / "world.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    world = make_world(engine)
    engine.dispose()
    return path, world


@pytest.fixture
def world_engine(world_template, tmp_path):
    path, world = world_template
    copy = tmp_path / "world.db"
    shutil.copy(path, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine, world
    engine.dispose()


def _link(engine, world, code="1.1.1"):
    return next(a for a in alignments.alignments_for_standard(engine, standard_id=world.standard_id)
                if a["code"] == code and a["target_type"] == "unit")


def _prepare(action: str, engine, world):
    """Bring the world into the state the action needs; return a callable taking the actor."""
    sid, unit_id = world.standard_id, standards.standard_content(engine, world.standard_id)["units"][1]["id"]
    if action == "standard.create":
        course = make_course(engine, world.program_id)
        set_course_owners(engine, actor=SYSTEM, course_id=course["id"], user_ids=[world.owner.id])
        return lambda a: standards.create_standard(engine, actor=a, course_id=course["id"])
    if action == "standard.save":
        return lambda a: standards.save_standard(engine, actor=a, standard_id=sid, expected_version=_v(engine, world),
                                                 header={"resources": a.username})
    if action == "standard.restore":
        return lambda a: history.restore_version(engine, actor=a, standard_id=sid, version_number=1,
                                                 expected_version=_v(engine, world))
    if action == "alignment.propose":
        return lambda a: alignments.propose_alignment(engine, actor=a, unit_id=unit_id, code="1.2.2", level=1)
    if action == "alignment.accept_directly":
        return lambda a: alignments.propose_alignment(engine, actor=a, course_id=world.course_id, code="1.2.2",
                                                      level=1, accept=True)
    if action == "alignment.decide_school_proposal":
        link = _link(engine, world)
        return lambda a: alignments.decide_alignment(engine, actor=a, alignment_id=link["id"],
                                                     expected_version=link["version"], decision="accept")
    if action == "alignment.decide_enterprise_proposal":
        link = alignments.propose_alignment(engine, actor=world.mentor, unit_id=unit_id, code="1.2.2", level=1)
        return lambda a: alignments.decide_alignment(engine, actor=a, alignment_id=link["id"],
                                                     expected_version=link["version"], decision="accept")
    if action == "alignment.change_level":
        link = _link(engine, world)
        return lambda a: alignments.change_level(engine, actor=a, alignment_id=link["id"],
                                                 expected_version=link["version"], level=1)
    if action == "alignment.remove":
        link = _link(engine, world)
        return lambda a: alignments.remove_alignment(engine, actor=a, alignment_id=link["id"],
                                                     expected_version=link["version"])
    if action == "alignment.withdraw_own_proposal":
        return lambda a: alignments.remove_alignment(engine, actor=a, **_own_proposal(engine, world, a, unit_id))
    if action == "comment.write":
        return lambda a: comments.add_comment(engine, actor=a, entity_type="standard", entity_id=sid, body="意见")
    if action == "comment.resolve":
        thread = comments.add_comment(engine, actor=world.mentor, entity_type="standard", entity_id=sid, body="意见")
        return lambda a: comments.resolve_thread(engine, actor=a, comment_id=thread["id"],
                                                 expected_version=thread["version"])
    if action == "workflow.submit":
        return lambda a: workflow.submit(engine, actor=a, standard_id=sid, expected_version=_v(engine, world))
    if action in ("workflow.sign_school", "workflow.sign_enterprise", "workflow.reject"):
        _submit(engine, world)
        if action == "workflow.reject":
            return lambda a: workflow.reject(engine, actor=a, standard_id=sid, expected_version=_v(engine, world),
                                             reason="请修改")
        side = action.rsplit("_", 1)[1]
        return lambda a: workflow.sign(engine, actor=a, standard_id=sid, expected_version=_v(engine, world),
                                       side=side)
    if action == "workflow.start_revision":
        _submit(engine, world)
        _sign(engine, world, world.admin)
        _sign(engine, world, world.admin, side="enterprise")
        return lambda a: workflow.start_revision(engine, actor=a, standard_id=sid)
    if action == "audit.view":
        return lambda a: history.audit_events(engine, actor=a, program_id=world.program_id)
    if action == "standard.read":
        def read(a):
            checks.checklist(engine, standard_id=sid)
            checks.task_table(engine, standard_id=sid)
            history.list_versions(engine, standard_id=sid)
            history.diff_versions(engine, standard_id=sid, a=1, b=2)
            comments.standard_threads(engine, standard_id=sid)
            alignments.review_queue(engine, actor=a, program_id=world.program_id)
            alignments.search_competencies(engine, program_id=world.program_id, query="1")
            return workflow.allowed_actions(engine, actor=a, standard_id=sid)
        return read
    raise AssertionError(action)


def _own_proposal(engine, world, actor, unit_id):
    """A still-open proposal made by ``actor`` itself (the owner's side-effect-free way for the others)."""
    if actor.role == "faculty" and actor.id != world.owner.id:
        link = _link(engine, world)  # non-owners cannot propose here; try to withdraw someone else's
        return {"alignment_id": link["id"], "expected_version": link["version"]}
    link = alignments.propose_alignment(engine, actor=actor, unit_id=unit_id, code="1.2.2", level=1)
    return {"alignment_id": link["id"], "expected_version": link["version"]}


def test_matrix_lists_every_action_once():
    """Every service action has a row; the prediction keys are all allowed_actions keys."""
    assert len(EXPECTED) == 19 and set(PREDICTED_BY) <= set(EXPECTED)
    assert set(PREDICTED_BY.values()) <= {"edit", "restore", "submit", "sign_school", "sign_enterprise", "reject",
                                          "start_revision", "comment", "propose_alignment", "decide_alignments",
                                          "view_audit"}


@pytest.mark.parametrize("action", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_role_action(world_engine, role, action):
    """Allowed roles succeed; all others get PermissionDenied; allowed_actions predicts the outcome."""
    engine, world = world_engine
    actor = world.actor(role)
    call = _prepare(action, engine, world)
    allowed = role in EXPECTED[action]
    if action in PREDICTED_BY:
        predicted = workflow.allowed_actions(engine, actor=actor, standard_id=world.standard_id)[PREDICTED_BY[action]]
        assert predicted is allowed
    if allowed:
        call(actor)
    else:
        with pytest.raises(PermissionDenied):
            call(actor)


def test_allowed_actions_follow_the_status(world_engine):
    """Draft: edit/submit; in review: sign/reject, no submit; approved: only a new revision and comments."""
    engine, world = world_engine
    owner = lambda: workflow.allowed_actions(engine, actor=world.owner, standard_id=world.standard_id)  # noqa: E731
    assert owner()["edit"] and owner()["submit"] and not owner()["sign_school"] and not owner()["start_revision"]
    _submit(engine, world)
    assert not owner()["sign_school"] and owner()["reject"] and not owner()["submit"] and owner()["edit"]
    lead = lambda: workflow.allowed_actions(engine, actor=world.lead, standard_id=world.standard_id)  # noqa: E731
    assert lead()["sign_school"]
    _sign(engine, world, world.lead)
    assert not lead()["sign_school"]
    _sign(engine, world, world.mentor)
    final = owner()
    assert final["start_revision"] and final["comment"] and not final["edit"] and not final["propose_alignment"]
    assert not final["decide_alignments"] and not final["reject"]


# --------------------------------------------------------------------------- the demo, end to end


def test_demo_flow_from_draft_to_approved_and_frozen(seeded_engine):
    """faculty edits and saves, mentor rejects a link with a reason and comments, faculty answers,
    mentor and lead sign (faculty wrote it, so may not): ZH3021 is approved and frozen, revision 2 can start."""
    faculty = get_actor(seeded_engine, username="faculty")
    mentor = get_actor(seeded_engine, username="mentor")
    lead = get_actor(seeded_engine, username="lead")
    sid = demo_standard_id(seeded_engine, "ZH3021")

    def version():
        return version_of(seeded_engine, sid)

    args = standards.save_args_from_content(standards.standard_content(seeded_engine, sid))
    k3 = next(o for o in args["objectives"] if o["code"] == "K3")
    k3["text"] = "能够概述工业机器人的发展历程与典型应用场景"
    k3["alignments"] = [{"code": "1.3.3", "level": 1}]
    standards.save_standard(seeded_engine, actor=faculty, standard_id=sid, expected_version=version(), **args,
                            note="K3 rewritten")
    result = checks.checklist(seeded_engine, standard_id=sid)
    assert not [f for f in result["findings"] if f["check"] in ("wording", "objectives_aligned")]

    queue = alignments.review_queue(seeded_engine, actor=mentor, program_id=1)
    proposal = next(r for r in queue["alignments"] if r["standard_id"] == sid and r["code"] == "1.3.3")
    alignments.decide_alignment(seeded_engine, actor=mentor, alignment_id=proposal["id"],
                                expected_version=proposal["version"], decision="reject",
                                reason="发展历程不支撑坐标系标定能力")
    thread = comments.add_comment(seeded_engine, actor=mentor, entity_type="objective",
                                  entity_id=proposal["objective_id"], body="K3 是否可以删去？")
    comments.reply(seeded_engine, actor=faculty, comment_id=thread["id"], body="保留为拓展知识")
    comments.resolve_thread(seeded_engine, actor=mentor, comment_id=thread["id"], expected_version=thread["version"])

    workflow.submit(seeded_engine, actor=faculty, standard_id=sid, expected_version=version())
    workflow.sign(seeded_engine, actor=mentor, standard_id=sid, expected_version=version())
    with pytest.raises(PermissionDenied):
        workflow.sign(seeded_engine, actor=faculty, standard_id=sid, expected_version=version())
    done = workflow.sign(seeded_engine, actor=lead, standard_id=sid, expected_version=version())
    assert done["approved"] and done["frozen"]
    if done["coverage_snapshot"] is not None:
        assert done["coverage_snapshot"]["reason"] == "approval"
    with pytest.raises(ValidationFailed):
        standards.save_standard(seeded_engine, actor=lead, standard_id=sid, expected_version=version(),
                                header={"nature": "x"})
    versions = history.list_versions(seeded_engine, standard_id=sid)
    assert [v["note"] for v in versions][:2] == ["alignment 1.3.3 rejected", "K3 rewritten"]
    assert versions[-1]["has_content"] is True  # the demo seed stores a real first snapshot
    diff = history.diff_versions(seeded_engine, standard_id=sid, a=versions[1]["number"], b=versions[0]["number"])
    assert diff["alignments"]["changed"][0]["fields"]["status"] == {"old": "proposed", "new": "rejected"}
    revision = workflow.start_revision(seeded_engine, actor=faculty, standard_id=sid)
    assert revision["revision"] == 2
    assert workflow.allowed_actions(seeded_engine, actor=faculty, standard_id=revision["standard_id"])["edit"]
