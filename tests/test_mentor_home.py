"""The mentor's home section: surveys to fill, alignments and comments waiting, signatures, changes."""

from __future__ import annotations

import pytest

from services.framework import framework_frame, list_job_roles
from services.i18n import translate
from services.impact import mark_changing
from services.mentor_home import awaiting_enterprise_signature, mentor_home
from services.programs import get_program
from services.surveys import invite_users, open_survey
from services.users import get_actor
from services.workflow import current_revisions, submit, workflow_state
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)


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
