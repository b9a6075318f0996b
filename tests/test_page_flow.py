"""AppTests of issue #13's everyday flow: inbox link, batch accept, Word headings, since the last visit."""

from __future__ import annotations

import io

import pytest
from docx import Document

from services.alignments import alignments_for_standard, propose_alignment, search_competencies
from services.i18n import translate
from services.notifications import begin_visit, list_notifications
from services.programs import get_program
from services.review_queue import queue_groups
from services.standards import standard_content
from services.workflow import workflow_state
from tests.apptest_support import app_db, login  # noqa: F401 - fixture
from tests.test_page_standards import _actor, _course_id, _standard

pytestmark = pytest.mark.apptest


def _proposals(engine, username: str, code: str, n: int) -> list[dict]:
    """``n`` new proposals by ``username`` on the units and objectives of ``code``'s standard."""
    sid = _standard(engine, code)["id"]
    content = standard_content(engine, sid)
    targets = [("unit_id", u["id"]) for u in content["units"]] + [("objective_id", o["id"])
                                                                  for o in content["objectives"]]
    taken = {(a["unit_id"] or a["objective_id"], a["code"]) for a in alignments_for_standard(engine, standard_id=sid)}
    program_id = get_program(engine, code="460305")["id"]
    codes = [h["code"] for h in search_competencies(engine, program_id=program_id, query="", limit=200)]
    actor, made = _actor(engine, username), []
    for field, target_id in targets:
        for comp in codes:
            if len(made) < n and (target_id, comp) not in taken:
                made.append(propose_alignment(engine, actor=actor, code=comp, level=2, **{field: target_id}))
                taken.add((target_id, comp))
    assert len(made) == n
    return made


def test_a_mentors_decision_appears_in_the_faculty_inbox_with_a_working_link(app_db):
    """The mentor rejects a faculty proposal on the review page; faculty's inbox shows it with the
    reason, and Open leads to that course's standard and marks it read."""
    proposal, = _proposals(app_db, "faculty", "ZH3021", 1)
    at = login("mentor")
    at.switch_page("pages/review.py").run()
    at.checkbox(key=f"review_pick_{proposal['id']}").check()
    at.text_input(key=f"review_reason_{proposal['course_id']}").input("与岗位任务不符")
    at.button(key=f"review_reject_{proposal['course_id']}").click().run()
    assert not at.exception and not at.error

    faculty = _actor(app_db, "faculty")
    note = next(n for n in list_notifications(app_db, actor=faculty, unread_only=True)
                if n["kind"] == "alignment_decided" and n["entity_id"] == proposal["id"])
    at = login("faculty")
    at.switch_page("pages/inbox.py").run()
    shown = " ".join(m.value for m in at.markdown)
    assert "与岗位任务不符" in shown and translate("enum.alignment_status.rejected", "zh") in shown
    at.button(key=f"inbox_open_{note['id']}").click().run()
    assert not at.exception and not at.error
    assert at.selectbox(key="std_course").value == _course_id(app_db, "ZH3021")
    assert at.query_params.get("course") in ("ZH3021", ["ZH3021"])
    assert not any(n["id"] == note["id"] for n in list_notifications(app_db, actor=faculty, unread_only=True))


def test_a_ticked_alignment_decided_meanwhile_by_someone_else_is_said_so(app_db):
    """The mentor ticks two proposals; a colleague decides one of them before the mentor presses Accept.
    The ticked one left the queue: the page used to say "select some alignments first" (or accept the
    rest silently); it now says the ticked one was decided by someone else."""
    from services.alignments import decide_alignment

    first, second = _proposals(app_db, "faculty", "ZH3021", 2)
    at = login("mentor")
    at.switch_page("pages/review.py").run()
    at.checkbox(key=f"review_pick_{first['id']}").check()
    decide_alignment(app_db, actor=_actor(app_db, "mentor2"), alignment_id=first["id"],
                     expected_version=first["version"], decision="accept")
    at.button(key=f"review_accept_{first['course_id']}").click().run()
    assert not at.exception and not at.error
    assert [w.value for w in at.warning] == [translate("review.batch.gone", "zh")]
    status = {a["id"]: a["status"] for a in alignments_for_standard(app_db, standard_id=_standard(app_db, "ZH3021")["id"])}
    assert status[second["id"]] == "proposed"  # not ticked, not decided


def test_a_batch_accept_of_five_alignments(app_db):
    """Five proposals of faculty, ticked on the mentor's review page, are accepted with one click."""
    made = _proposals(app_db, "faculty", "ZH3021", 5)
    at = login("mentor")
    at.switch_page("pages/review.py").run()
    before = at.metric[0].value
    for proposal in made:
        at.checkbox(key=f"review_pick_{proposal['id']}").check()
    at.button(key=f"review_accept_{made[0]['course_id']}").click().run()
    assert not at.exception and not at.error
    status = {a["id"]: a["status"] for a in alignments_for_standard(app_db, standard_id=_standard(app_db, "ZH3021")["id"])}
    assert [status[p["id"]] for p in made] == ["accepted"] * 5
    assert int(at.metric[0].value) == int(before) - 5
    assert translate("review.batch.done", "zh", n=5) in [t.value for t in at.toast]
    _proposals(app_db, "faculty", "ZH3021", 2)
    at.run()
    course_id = made[0]["course_id"]
    waiting = queue_groups(app_db, actor=_actor(app_db, "mentor"), program_id=get_program(app_db, code="460305")["id"],
                           course_id=course_id, kinds=("alignment",))["groups"][0]["alignments"]
    at.button(key=f"review_all_{course_id}").click().run()  # the rest of the course in one click
    picked = {c.key for c in at.checkbox if str(c.key).startswith("review_pick_") and c.value}
    assert picked == {f"review_pick_{a['id']}" for a in waiting} and len(picked) >= 2


def test_the_exported_docx_has_word_headings_and_its_status_in_the_file_name(app_db):
    """The course standard .docx the exports page offers has Heading 1 / Heading 2 paragraphs and a
    file name with its status and language."""
    at = login("faculty", lang="en")
    at.switch_page("pages/exports.py").run()
    at.selectbox(key="export_standard_course").set_value("ZH3021")
    at.selectbox(key="export_standard_format").set_value("docx")
    at.button(key="export_prepare_standard").click().run()
    assert not at.exception and not at.error
    result = at.session_state["exports_prepared"]["standard"][1]
    status = workflow_state(app_db, standard_id=_standard(app_db, "ZH3021")["id"])["status"]
    assert f"-{translate(f'export.filename.status.{status}', 'en')}-en-" in result.filename
    assert result.filename.endswith(".docx")
    styles = [p.style.name for p in Document(io.BytesIO(result.content)).paragraphs if p.text.strip()]
    assert "Heading 1" in styles and "Heading 2" in styles


def test_home_says_what_happened_since_the_last_visit(app_db):
    """After a visit, a mentor's comment shows on faculty's Home as a change and a notification."""
    from services.comments import add_comment

    faculty, program_id = _actor(app_db, "faculty"), get_program(app_db, code="460305")["id"]
    begin_visit(app_db, actor=faculty, program_id=program_id)
    add_comment(app_db, actor=_actor(app_db, "mentor"), entity_type="standard",
                entity_id=_standard(app_db, "ZH3021")["id"], body="请补充考核细则")
    at = login("faculty", lang="en")
    assert not at.exception
    texts = [m.value for m in at.markdown]
    assert translate("home.since.notifications", "en", count=1) in texts
    assert any(translate("inbox.kind.comment", "en") in text for text in texts)
    at.run()  # a rerun keeps the same "since" (the visit is recorded once per session)
    assert translate("home.since.notifications", "en", count=1) in [m.value for m in at.markdown]
