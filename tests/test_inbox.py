"""Inbox (#13): one notification per event, for the right people, deduplicated, with a link; batch decisions."""

from __future__ import annotations

import pytest

from services import alignments, comments, framework, notifications, workflow
from services.db import session_scope
from services.errors import ValidationFailed
from services.i18n import translate
from services.importing import analyse, commit
from services.programs import get_program
from services.review_queue import decide_alignments, queue_groups
from tests.importing.conftest import xlsx_bytes
from tests.standard_factories import make_world, version_of


def _kinds(engine, actor) -> list[str]:
    return [n["kind"] for n in notifications.list_notifications(engine, actor=actor, unread_only=True)]


def _course_code(engine, world) -> str:
    from services.courses import get_course

    return get_course(engine, course_id=world.course_id)["code"]


def _proposals(engine, world, actor, n: int) -> list[dict]:
    """``n`` open unit proposals by ``actor`` (new links to the world's competencies)."""
    from services.standards import standard_content

    content = standard_content(engine, world.standard_id)
    targets = [("unit_id", u["id"]) for u in content["units"]] + [("objective_id", o["id"])
                                                                   for o in content["objectives"]]
    taken = {(a["unit_id"] or a["objective_id"], a["code"])
             for a in alignments.alignments_for_standard(engine, standard_id=world.standard_id)}
    codes = [c for c, node in world.nodes.items() if node["kind"] == "competency"]
    made = []
    for field, target_id in targets:
        for code in codes:
            if len(made) < n and (target_id, code) not in taken:
                made.append(alignments.propose_alignment(engine, actor=actor, code=code, level=2,
                                                         **{field: target_id}))
    assert len(made) == n
    return made


def test_a_mentors_decision_tells_the_proposer_with_the_reason_and_a_link(engine):
    """The faculty owner proposed; the mentor rejects with a reason: the owner gets one notification linking the standard."""
    world = make_world(engine)
    [proposal] = _proposals(engine, world, world.owner, 1)
    before = notifications.unread_count(engine, actor=world.mentor)
    alignments.decide_alignment(engine, actor=world.mentor, alignment_id=proposal["id"],
                                expected_version=proposal["version"], decision="reject", reason="与岗位不符")
    [note] = notifications.list_notifications(engine, actor=world.owner, unread_only=True)
    code = _course_code(engine, world)
    assert note["kind"] == "alignment_decided" and note["entity_id"] == proposal["id"]
    assert note["link"]["page"] == "standards" and note["link"]["query"]["course"] == code
    assert note["link"]["query"]["program"] == get_program(engine, program_id=world.program_id)["code"]
    for lang in ("zh", "en"):
        text = notifications.text_of(note, lang)
        assert "与岗位不符" in text and proposal["code"] in text and world.mentor.display_name in text
    assert translate("enum.alignment_status.rejected", "zh") in notifications.text_of(note, "zh")
    assert notifications.unread_count(engine, actor=world.mentor) == before  # never told about one's own change


def test_comments_tell_the_owner_and_replies_the_thread_once(engine):
    """A mentor's comment on the standard reaches the owner; two replies reach the mentor as one unread item."""
    world = make_world(engine)
    thread = comments.add_comment(engine, actor=world.mentor, entity_type="section", section="resources",
                                  entity_id=world.standard_id, body="请补充实训设备清单")
    assert _kinds(engine, world.owner) == ["comment"]
    assert "comment" not in _kinds(engine, world.mentor)
    comments.reply(engine, actor=world.owner, comment_id=thread["id"], body="已补充")
    comments.reply(engine, actor=world.owner, comment_id=thread["id"], body="再补充一台")
    replies = [n for n in notifications.list_notifications(engine, actor=world.mentor, unread_only=True)
               if n["kind"] == "reply"]
    assert len(replies) == 1 and replies[0]["params"]["body"] == "再补充一台"  # refreshed, not piled up
    assert "reply" not in _kinds(engine, world.owner)


def test_submit_asks_the_signers_and_each_signature_tells_the_owner(engine):
    """Submit: leads and mentors get a review request; each signature reaches the owner, the second says approved."""
    world = make_world(engine)
    sid = world.standard_id
    workflow.submit(engine, actor=world.owner, standard_id=sid, expected_version=version_of(engine, sid))
    assert "review_requested" in _kinds(engine, world.lead) and "review_requested" in _kinds(engine, world.mentor)
    assert "review_requested" not in _kinds(engine, world.owner)
    workflow.sign(engine, actor=world.lead, standard_id=sid, expected_version=version_of(engine, sid))
    workflow.sign(engine, actor=world.mentor, standard_id=sid, expected_version=version_of(engine, sid))
    given = [n for n in notifications.list_notifications(engine, actor=world.owner) if n["kind"] == "signoff_given"]
    assert len(given) == 1 and given[0]["params"]["side"] == "enterprise" and given[0]["params"]["approved"]
    assert translate("notification.approved", "en") in notifications.text_of(given[0], "en")
    unread = len(_kinds(engine, world.owner))
    assert notifications.mark_all_read(engine, actor=world.owner) == unread > 0
    assert notifications.unread_count(engine, actor=world.owner) == 0


def test_an_import_that_changes_a_course_tells_its_owners(engine):
    """A course sheet that renames the owner's course notifies the owner, linking the course."""
    world = make_world(engine)
    code = _course_code(engine, world)
    program = get_program(engine, program_id=world.program_id)
    rows = [["课程代码", "课程名称", "学分"], [code, "新的课程名称", 4]]
    preview = analyse(xlsx_bytes(rows), "plan.xlsx", engine=engine, program_code=program["code"])
    commit(engine, actor=world.lead, preview=preview)
    [note] = [n for n in notifications.list_notifications(engine, actor=world.owner) if n["kind"] == "import_changed"]
    assert note["params"]["file"] == "plan.xlsx" and note["link"] == {
        "page": "courses", "query": {"program": program["code"], "course": code}}
    assert "import_changed" not in _kinds(engine, world.faculty)


def test_a_changed_competency_tells_its_raters(engine):
    """A mentor rated a competency; the lead edits it: the mentor is told, with a link to the framework."""
    from models import Rating

    world = make_world(engine)
    node = world.nodes["1.1.1"]
    with session_scope(engine) as session:
        session.add(Rating(competency_id=node["id"], rater=world.mentor.display_name, rater_user_id=world.mentor.id,
                           rater_side="enterprise", importance=4))
    current = framework.get_node(engine, node_id=node["id"])
    framework.update_node(engine, actor=world.lead, node_id=node["id"], expected_version=current["version"],
                          changes={"statement": current["statement"] + "（修订）"})
    [note] = [n for n in notifications.list_notifications(engine, actor=world.mentor) if n["kind"] == "rating_changed"]
    assert note["link"]["page"] == "competencies" and note["link"]["query"]["code"] == "1.1.1"


def test_a_batch_accepts_five_and_reports_a_stale_row(engine):
    """Six picked, one stale: five accepted, the stale one reported by id; a batch reject needs one reason."""
    world = make_world(engine)
    made = _proposals(engine, world, world.owner, 6)
    queue = queue_groups(engine, actor=world.mentor, program_id=world.program_id, kinds=("alignment",))
    [group] = queue["groups"]
    shown = {a["id"]: a for a in group["alignments"]}
    assert set(shown) >= {m["id"] for m in made} and group["course_code"] == _course_code(engine, world)
    first = shown[made[0]["id"]]
    assert first["statement"] and first["target_label"] and first["importance"] is not None
    items = [{"id": m["id"], "version": m["version"]} for m in made]
    items[-1]["version"] -= 1  # the page showed an older version of this row
    with pytest.raises(ValidationFailed):
        decide_alignments(engine, actor=world.mentor, items=items, decision="reject", reason="  ")
    result = decide_alignments(engine, actor=world.mentor, items=items, decision="accept", lang="en")
    assert result["decided"] == [m["id"] for m in made[:5]]
    assert [f["id"] for f in result["failed"]] == [made[5]["id"]] and result["failed"][0]["error"] == "Conflict"
    status = {a["id"]: a["status"] for a in alignments.alignments_for_standard(engine, standard_id=world.standard_id)}
    assert [status[m["id"]] for m in made] == ["accepted"] * 5 + ["proposed"]
    assert len([n for n in notifications.list_notifications(engine, actor=world.owner)
                if n["kind"] == "alignment_decided"]) == 5


def test_the_queue_filters_by_kind_course_side_and_age(engine):
    """Filters keep only what they name; a signature waits for the mentor once the standard is in review."""
    world = make_world(engine)
    opened = queue_groups(engine, actor=world.mentor, program_id=world.program_id)["counts"]["alignment"]
    _proposals(engine, world, world.owner, 2)
    workflow.submit(engine, actor=world.owner, standard_id=world.standard_id,
                    expected_version=version_of(engine, world.standard_id))
    full = queue_groups(engine, actor=world.mentor, program_id=world.program_id)
    assert full["counts"]["alignment"] == opened + 2 and full["counts"]["signature"] == 1
    assert queue_groups(engine, actor=world.mentor, program_id=world.program_id,
                        kinds=("signature",))["counts"] == {"alignment": 0, "comment": 0, "signature": 1}
    assert queue_groups(engine, actor=world.mentor, program_id=world.program_id, side="enterprise",
                        kinds=("alignment",))["counts"]["alignment"] == 0
    assert queue_groups(engine, actor=world.mentor, program_id=world.program_id, min_age_days=1)["groups"] == []
    assert queue_groups(engine, actor=world.mentor, program_id=world.program_id, course_id=-1)["groups"] == []


def test_first_visits_at_once_do_not_collide(pg_engine):
    """The same account opening a programme in two sessions at once (found by the load test: two
    servers, one account): the second first visit used to read "none yet", insert, and fail on the
    primary key once the other committed. Now it waits for the other row and updates it."""
    import threading

    from sqlalchemy import text

    world = make_world(pg_engine)
    other = pg_engine.connect()
    tx = other.begin()
    other.execute(text("INSERT INTO last_visit (user_id, program_id, visited_at) VALUES (:u, :p, now())"),
                  {"u": world.owner.id, "p": world.program_id})  # another session's first visit, not committed
    outcome: list = []

    def visit() -> None:
        try:
            outcome.append(notifications.begin_visit(pg_engine, actor=world.owner, program_id=world.program_id))
        except Exception as exc:  # noqa: BLE001 - the failure this test is about
            outcome.append(exc)
    worker = threading.Thread(target=visit)
    worker.start()
    worker.join(1.0)  # it waits on the uncommitted row
    tx.commit()
    other.close()
    worker.join(30)
    assert outcome == [None], outcome  # its own read saw no earlier visit; no error
    later = notifications.begin_visit(pg_engine, actor=world.owner, program_id=world.program_id)
    assert later is not None


def test_last_visit_and_what_happened_since(engine):
    """The first visit has no previous one; after it, another user's change and notification are counted."""
    world = make_world(engine)
    assert notifications.begin_visit(engine, actor=world.owner, program_id=world.program_id) is None
    previous = notifications.begin_visit(engine, actor=world.owner, program_id=world.program_id)
    assert previous is not None
    comments.add_comment(engine, actor=world.mentor, entity_type="standard", entity_id=world.standard_id,
                         body="请核对学时")
    since = notifications.since(engine, actor=world.owner, program_id=world.program_id, after=previous)
    assert since["notifications"] == {"comment": 1} and since["changes"] >= 1
    assert notifications.since(engine, actor=world.mentor, program_id=world.program_id,
                               after=previous)["changes"] == 0
