"""Comment threads: on every kind of item, replies, resolve/reopen, counts per standard and programme."""

from __future__ import annotations

import pytest
from sqlmodel import select

from models import AuditEvent, Comment
from services import alignments, comments, programs, standards
from services.db import session_scope
from services.errors import Conflict, NotFound, ValidationFailed
from services.users import get_actor
from tests.standard_factories import demo_standard_id, make_world, version_of


def _ids(engine, world):
    content = standards.standard_content(engine, world.standard_id)
    link = alignments.alignments_for_standard(engine, standard_id=world.standard_id)[0]
    return {"standard": world.standard_id, "section": world.standard_id, "unit": content["units"][0]["id"],
            "objective": content["objectives"][0]["id"], "alignment": link["id"],
            "competency": world.nodes["1.1.1"]["id"]}


@pytest.mark.parametrize("entity_type", comments.ENTITY_TYPES)
def test_a_thread_on_every_kind_of_item(engine, entity_type):
    """Standard, section, unit, objective, alignment, competency: each takes a thread in its programme."""
    world = make_world(engine)
    entity_id = _ids(engine, world)[entity_type]
    section = "nature" if entity_type == "section" else None
    thread = comments.add_comment(engine, actor=world.mentor, entity_type=entity_type, entity_id=entity_id,
                                  body=" 请补充说明 ", section=section)
    assert (thread["entity_type"], thread["entity_id"], thread["section"]) == (entity_type, entity_id, section)
    assert (thread["body"], thread["author_side"], thread["author"]) == ("请补充说明", "enterprise",
                                                                         world.mentor.display_name)
    assert thread["program_id"] == world.program_id and thread["awaiting_side"] == "school"
    assert comments.list_threads(engine, entity_type=entity_type, entity_id=entity_id, section=section) == [thread]
    with session_scope(engine) as s:
        stored = s.get(Comment, thread["id"])
        event = s.exec(select(AuditEvent).where(AuditEvent.entity_type == "comment")).one()
    assert stored.entity_type == ("section:nature" if section else entity_type) and len(stored.entity_type) <= 32
    assert (event.action, event.entity_id, event.program_id) == ("create", thread["id"], world.program_id)


def test_every_section_name_fits_the_column(engine):
    """All section names stay within entity_type's 32 characters."""
    assert max(len(comments.SECTION_PREFIX + s) for s in standards.SECTIONS) <= 32


@pytest.mark.parametrize(("kwargs", "key"), [
    ({"entity_type": "course", "entity_id": 1}, "comments.error.entity_type"),
    ({"entity_type": "section", "entity_id": 1, "section": "preface"}, "comments.error.section"),
    ({"entity_type": "section", "entity_id": 1}, "comments.error.section"),
    ({"entity_type": "standard", "entity_id": 1, "body": "   "}, "comments.error.empty"),
    ({"entity_type": "standard", "entity_id": 1, "body": "x" * 5001}, "comments.error.too_long"),
])
def test_invalid_comments_are_refused(engine, kwargs, key):
    """Unknown entity types or sections, empty or oversized bodies raise ValidationFailed with a key."""
    world = make_world(engine, complete=False)
    with pytest.raises(ValidationFailed) as info:
        comments.add_comment(engine, actor=world.owner, **{"body": "ok", **kwargs})
    assert info.value.key == key


@pytest.mark.parametrize("entity_type", ["standard", "unit", "objective", "alignment", "competency"])
def test_comment_on_a_missing_item_is_not_found(engine, entity_type):
    """A thread needs an existing item."""
    world = make_world(engine, complete=False)
    with pytest.raises(NotFound):
        comments.add_comment(engine, actor=world.owner, entity_type=entity_type, entity_id=987654, body="?")


def test_replies_form_one_thread_and_track_whose_turn_it_is(engine):
    """Replies (also to a reply) join the root; last_side and awaiting_side follow the last message."""
    world = make_world(engine)
    root = comments.add_comment(engine, actor=world.owner, entity_type="standard", entity_id=world.standard_id,
                                body="请企业确认考核方式")
    assert (root["last_side"], root["awaiting_side"]) == ("school", "enterprise")
    first = comments.reply(engine, actor=world.mentor, comment_id=root["id"], body="建议增加企业评价")
    assert (first["last_side"], first["awaiting_side"]) == ("enterprise", "school")
    second = comments.reply(engine, actor=world.lead, comment_id=first["replies"][0]["id"], body="同意")
    assert second["id"] == root["id"] and [r["body"] for r in second["replies"]] == ["建议增加企业评价", "同意"]
    assert second["replies"][1]["author"] == world.lead.display_name and second["awaiting_side"] == "enterprise"
    assert len(comments.list_threads(engine, entity_type="standard", entity_id=world.standard_id)) == 1


def test_resolve_and_reopen_are_versioned_and_audited(engine):
    """Resolve names the thread's version; a stale one conflicts; reopen and reply-to-resolved reopen it."""
    world = make_world(engine)
    root = comments.add_comment(engine, actor=world.mentor, entity_type="section", entity_id=world.standard_id,
                                section="assessment", body="权重合计请核对")
    resolved = comments.resolve_thread(engine, actor=world.owner, comment_id=root["id"],
                                       expected_version=root["version"])
    assert resolved["resolved"] and resolved["resolved_by"] == world.owner.display_name
    assert resolved["resolved_at"] and resolved["awaiting_side"] is None
    with pytest.raises(Conflict):
        comments.reopen_thread(engine, actor=world.mentor, comment_id=root["id"], expected_version=root["version"])
    with pytest.raises(ValidationFailed) as info:
        comments.resolve_thread(engine, actor=world.owner, comment_id=root["id"],
                                expected_version=resolved["version"])
    assert info.value.key == "comments.error.already_resolved"
    reopened = comments.reopen_thread(engine, actor=world.mentor, comment_id=root["id"],
                                      expected_version=resolved["version"])
    assert not reopened["resolved"] and reopened["resolved_by"] == ""
    again = comments.resolve_thread(engine, actor=world.owner, comment_id=root["id"],
                                    expected_version=reopened["version"])
    answered = comments.reply(engine, actor=world.mentor, comment_id=root["id"], body="还有一处没改")
    assert again["resolved"] and not answered["resolved"]
    with session_scope(engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.entity_type == "comment")
                                            .order_by(AuditEvent.id)).all()]
    assert actions == ["create", "resolve", "reopen", "resolve", "reply", "reopen"]
    assert comments.list_threads(engine, entity_type="section", entity_id=world.standard_id, section="assessment",
                                 include_resolved=False)[0]["id"] == root["id"]


def test_unresolved_counts_cover_the_whole_standard(engine):
    """Counts include threads on the standard, its sections, units, objectives and alignments."""
    world = make_world(engine)
    ids = _ids(engine, world)
    made = {}
    for entity_type in comments.ENTITY_TYPES:
        section = "units" if entity_type == "section" else None
        made[entity_type] = comments.add_comment(engine, actor=world.mentor, entity_type=entity_type,
                                                 entity_id=ids[entity_type], body=entity_type, section=section)
    comments.resolve_thread(engine, actor=world.owner, comment_id=made["objective"]["id"],
                            expected_version=made["objective"]["version"])
    counts = comments.unresolved_counts(engine, standard_id=world.standard_id)
    assert counts == {"total": 4, "by_target": {"standard": 1, "section:units": 1, f"unit:{ids['unit']}": 1,
                                                f"alignment:{ids['alignment']}": 1}}
    threads = comments.standard_threads(engine, standard_id=world.standard_id)
    assert {t["target"] for t in threads} == {"standard", "section:units", f"unit:{ids['unit']}",
                                              f"objective:{ids['objective']}", f"alignment:{ids['alignment']}"}
    assert programs.program_summary(engine, program_id=world.program_id)["unresolved_comments"] == 5
    with pytest.raises(NotFound):
        comments.standard_threads(engine, standard_id=987654)


def test_threads_of_deleted_rows_move_to_their_section(engine):
    """Deleting a unit keeps its discussion, now on the units section (no dangling ids)."""
    world = make_world(engine)
    content = standards.standard_content(engine, world.standard_id)
    unit = content["units"][1]
    link = next(a for a in alignments.alignments_for_standard(engine, standard_id=world.standard_id)
                if a["unit_id"] == unit["id"])
    on_unit = comments.add_comment(engine, actor=world.mentor, entity_type="unit", entity_id=unit["id"], body="删吗？")
    on_link = comments.add_comment(engine, actor=world.mentor, entity_type="alignment", entity_id=link["id"],
                                   body="级别？")
    args = standards.save_args_from_content(content)
    args["units"] = args["units"][:1]
    args["units"][0]["hours_theory"] = 32
    args["units"][0]["hours_practice"] = 32
    standards.save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                            expected_version=version_of(engine, world.standard_id), units=args["units"])
    moved = comments.list_threads(engine, entity_type="section", entity_id=world.standard_id, section="units")
    assert {t["id"] for t in moved} == {on_unit["id"], on_link["id"]}
    assert comments.unresolved_counts(engine, standard_id=world.standard_id)["by_target"] == {"section:units": 2}


def test_awaiting_lists_only_threads_for_the_actor(engine):
    """Faculty see threads on their own standards; the other side's unanswered threads only."""
    world = make_world(engine)
    other = make_world(engine)
    mine = comments.add_comment(engine, actor=world.mentor, entity_type="standard", entity_id=world.standard_id,
                                body="问题一")
    comments.add_comment(engine, actor=world.owner, entity_type="standard", entity_id=world.standard_id,
                         body="我方自问")
    competency = comments.add_comment(engine, actor=world.mentor, entity_type="competency",
                                      entity_id=world.nodes["1.1.1"]["id"], body="该能力描述不清")
    waiting = comments.awaiting(engine, actor=world.owner, program_id=world.program_id)
    assert [t["id"] for t in waiting] == [mine["id"], competency["id"]]
    assert waiting[0]["standard_id"] == world.standard_id and waiting[1]["standard_id"] is None
    assert [t["id"] for t in comments.awaiting(engine, actor=world.faculty, program_id=world.program_id)] == \
        [competency["id"]]
    assert len(comments.awaiting(engine, actor=world.lead, program_id=world.program_id)) == 2
    assert len(comments.awaiting(engine, actor=world.mentor, program_id=world.program_id)) == 1
    assert comments.awaiting(engine, actor=other.owner, program_id=other.program_id) == []


def test_demo_home_page_counts(seeded_engine):
    """On the demo, a mentor's two threads show on ZH3021 and in the programme totals."""
    mentor = get_actor(seeded_engine, username="mentor")
    sid = demo_standard_id(seeded_engine, "ZH3021")
    content = standards.standard_content(seeded_engine, sid)
    k3 = next(o for o in content["objectives"] if o["code"] == "K3")
    comments.add_comment(seeded_engine, actor=mentor, entity_type="objective", entity_id=k3["id"],
                         body="请改为以学生为主语、可测量的表述")
    comments.add_comment(seeded_engine, actor=mentor, entity_type="section", entity_id=sid, section="assessment",
                         body="建议企业导师参与终结性考核")
    assert comments.unresolved_counts(seeded_engine, standard_id=sid)["total"] == 2
