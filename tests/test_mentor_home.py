"""The mentor's home section: surveys to fill, alignments and comments waiting, signatures, changes."""

from __future__ import annotations

import pytest

from services.framework import framework_frame, list_job_roles, update_node
from services.i18n import translate
from services.impact import mark_changing
from services.mentor_home import awaiting_enterprise_signature, mentor_home, mentor_job_roles
from services.programs import get_program
from services.surveys import invite_users, open_survey
from services.users import get_actor
from services.workflow import current_revisions, submit, workflow_state
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)
from tests.factories import make_user


def test_mentor_home_lists_what_waits(seeded_engine):
    program = get_program(seeded_engine, code="460305")
    mentor, lead = get_actor(seeded_engine, username="mentor"), get_actor(seeded_engine, username="lead")
    before = mentor_home(seeded_engine, actor=mentor, program_id=program["id"])
    assert before["surveys"] == [] and before["changes"] == []  # the demo survey is closed
    role = list_job_roles(seeded_engine, program_id=program["id"])[0]
    survey = open_survey(seeded_engine, actor=lead, job_role_id=role["id"])
    invite_users(seeded_engine, actor=lead, survey_id=survey["id"], user_ids=[mentor.id])
    frame = framework_frame(seeded_engine, program_id=program["id"])
    mark_changing(seeded_engine, actor=lead, node_id=int(frame[frame["kind"] == "task"].iloc[0]["id"]),
                  reason="trend", note="协作机器人普及")
    draft = next(s for s in current_revisions(seeded_engine, program_id=program["id"]) if s["status"] == "draft")
    state = workflow_state(seeded_engine, standard_id=draft["standard_id"])
    submit(seeded_engine, actor=lead, standard_id=draft["standard_id"], expected_version=state["version"])
    home = mentor_home(seeded_engine, actor=mentor, program_id=program["id"])
    assert [(s["id"], s["answered"]) for s in home["surveys"]] == [(survey["id"], 0)]
    assert len(home["changes"]) == 1
    in_review = [s for s in current_revisions(seeded_engine, program_id=program["id"]) if s["status"] == "in_review"]
    assert draft["standard_id"] in {s["standard_id"] for s in home["signatures"]}
    assert {s["standard_id"] for s in home["signatures"]} <= {s["standard_id"] for s in in_review}
    assert home["signatures"] == awaiting_enterprise_signature(seeded_engine, program_id=program["id"])
    assert home["recent"][0]["entity_type"] == "change_mark"


@pytest.mark.apptest
def test_the_home_page_shows_the_mentor_section_only_to_mentors(app_db):
    at = login("mentor", lang="en")
    assert not at.exception
    assert translate("home.mentor.title", "en") in [h.value for h in at.subheader]
    texts = [w.value for w in at.warning] + [s.value for s in at.success]
    assert translate("home.mentor.surveys", "en", n=0) in texts
    lead = login("lead", lang="en")
    assert translate("home.mentor.title", "en") not in [h.value for h in lead.subheader]


def _edit(engine, actor, frame, code):
    row = frame[frame["code"] == code].iloc[0]
    update_node(engine, actor=actor, node_id=int(row["id"]), expected_version=int(row["version"]),
                changes={"statement": row["statement"] + "（修订）"})
    return int(row["id"])


def test_recent_changes_are_those_of_the_job_roles_the_mentor_works_on(seeded_engine):
    """mentor2 only rated the demo survey on the vision role: a lead's edit in another job role is not listed;
    an account that works on no job role gets no list at all."""
    program = get_program(seeded_engine, code="460305")
    lead, mentor2 = get_actor(seeded_engine, username="lead"), get_actor(seeded_engine, username="mentor2")
    roles = {r["name"]: r["id"] for r in list_job_roles(seeded_engine, program_id=program["id"])}
    assert [r["name"] for r in mentor_job_roles(seeded_engine, actor=mentor2, program_id=program["id"])] == \
        ["工业视觉系统运维员"]
    frame = framework_frame(seeded_engine, program_id=program["id"])
    vision, operator = _edit(seeded_engine, lead, frame, "2.3.1"), _edit(seeded_engine, lead, frame, "2.1.1")
    home = mentor_home(seeded_engine, actor=mentor2, program_id=program["id"])
    assert home["roles"] == [{"id": roles["工业视觉系统运维员"], "name": "工业视觉系统运维员"}]
    listed = {(e["entity_type"], e["entity_id"]) for e in home["recent"]}
    assert ("competency", vision) in listed and ("competency", operator) not in listed
    # the demo mentor authored competencies of the operator's role, so it is theirs
    mentor = get_actor(seeded_engine, username="mentor")
    assert ("competency", operator) in {(e["entity_type"], e["entity_id"])
                                        for e in mentor_home(seeded_engine, actor=mentor, program_id=program["id"])["recent"]}
    newcomer = make_user(seeded_engine, role="mentor")
    fresh = mentor_home(seeded_engine, actor=newcomer, program_id=program["id"])
    assert fresh["roles"] == [] and fresh["recent"] == []


@pytest.mark.apptest
def test_a_mentor_without_job_roles_sees_why_the_list_is_empty(app_db):
    make_user(app_db, role="mentor", username="neuling", password="secret")
    at = login("neuling", password="secret", lang="en")
    assert not at.exception
    assert translate("home.mentor.no_roles", "en") in [i.value for i in at.info]
    mentor2 = login("mentor2", lang="zh")
    assert translate("home.mentor.no_roles", "zh") not in [i.value for i in mentor2.info]
