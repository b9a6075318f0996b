"""AppTests of the course-standard editor and the review queue, driven by widget key on the demo database."""

from __future__ import annotations

import pytest

from services.actor import SYSTEM, Actor
from services.alignments import alignments_for_standard, propose_alignment, search_competencies
from services.comments import standard_threads
from services.courses import list_courses
from services.history import list_versions
from services.programs import get_program
from services.standards import save_args_from_content, save_standard, standard_content
from services.users import list_users
from services.workflow import workflow_state
from tests.apptest_support import app_db, login  # noqa: F401 - fixture

pytestmark = pytest.mark.apptest


def _course_id(engine, code: str) -> int:
    program_id = get_program(engine, code="460305")["id"]
    frame = list_courses(engine, program_id=program_id)
    return int(frame.loc[frame["code"] == code, "id"].iloc[0])


def _standard(engine, code: str) -> dict:
    from services.standards import current_standard

    return current_standard(engine, course_id=_course_id(engine, code))


def _actor(engine, username: str) -> Actor:
    user = next(u for u in list_users(engine, actor=SYSTEM) if u["username"] == username)
    return Actor(id=user["id"], username=username, display_name=user["display_name"], role=user["role"],
                 side=user["side"])


def _open(engine, username: str, code: str, lang: str = "zh"):
    at = login(username, lang=lang)
    at.switch_page("pages/standards.py").run()
    at.selectbox(key="std_course").set_value(_course_id(engine, code)).run()
    assert not at.exception, at.exception
    return at


def _edit_first_unit_hours(at, engine, code: str) -> tuple[int, int]:
    """Seed the units editor's edit state: first unit gets 2 more practice hours; returns (unit id, new hours)."""
    unit = standard_content(engine, _standard(engine, code)["id"])["units"][0]
    hours = int(unit["hours_practice"] or 0) + 2
    at.session_state[_table_key(at, "units")] = {"edited_rows": {"0": {"hours_practice": hours}}, "added_rows": [],
                                         "deleted_rows": []}
    return unit["id"], hours


def test_faculty_edits_unit_hours_and_saves_a_new_version(app_db):
    """Editing hours in the units data editor and saving stores a new version."""
    at = _open(app_db, "faculty", "ZH3021")
    sid = _standard(app_db, "ZH3021")["id"]
    before = len(list_versions(app_db, standard_id=sid))
    unit_id, hours = _edit_first_unit_hours(at, app_db, "ZH3021")
    at.button(key="std_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    content = standard_content(app_db, sid)
    assert next(u for u in content["units"] if u["id"] == unit_id)["hours_practice"] == hours
    assert len(list_versions(app_db, standard_id=sid)) == before + 1
    at.toggle(key="std_dl_prepare").set_value(True).run()
    assert not at.exception and not at.error, "the .xlsx and .docx downloads are built"


def test_faculty_adds_an_alignment_to_a_unit(app_db):
    """Search a competency beside a unit, pick a level and add it."""
    at = _open(app_db, "faculty", "ZH3021")
    sid = _standard(app_db, "ZH3021")["id"]
    unit = standard_content(app_db, sid)["units"][0]
    had = {a["code"] for a in alignments_for_standard(app_db, standard_id=sid) if a["unit_id"] == unit["id"]}
    at.text_input(key=f"std_q_unit_{unit['id']}").input("2.1").run()
    picker = at.selectbox(key=f"std_pick_unit_{unit['id']}")
    code = next(o for o in picker.options if o.split()[0] not in had).split()[0]
    picker.set_value(code)
    at.selectbox(key=f"std_newlvl_unit_{unit['id']}").set_value(3)
    at.button(key=f"std_add_unit_{unit['id']}").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    added = [a for a in alignments_for_standard(app_db, standard_id=sid)
             if a["unit_id"] == unit["id"] and a["code"] == code]
    assert added and added[0]["level"] == 3 and added[0]["status"] in ("proposed", "accepted")


def test_mentor_rejects_with_a_reason_and_comments(app_db):
    """On the review page a reject needs a reason; with one it is saved; the mentor then comments."""
    sid = _standard(app_db, "ZH3021")["id"]
    unit = standard_content(app_db, sid)["units"][0]
    had = {a["code"] for a in alignments_for_standard(app_db, standard_id=sid) if a["unit_id"] == unit["id"]}
    program_id = get_program(app_db, code="460305")["id"]
    hits = search_competencies(app_db, program_id=program_id, query="2.")
    code = next(h["code"] for h in hits if h["code"] not in had)
    proposal = propose_alignment(app_db, actor=_actor(app_db, "faculty"), code=code, level=2, unit_id=unit["id"])
    at = login("mentor")
    at.switch_page("pages/review.py").run()
    aid, gid = proposal["id"], proposal["course_id"]
    at.checkbox(key=f"review_pick_{aid}").check()
    at.button(key=f"review_reject_{gid}").click().run()
    assert at.error, "a reject without a reason is refused"
    at.checkbox(key=f"review_pick_{aid}").check()
    at.text_input(key=f"review_reason_{gid}").input("与岗位不符")
    at.button(key=f"review_reject_{gid}").click().run()
    assert not at.exception and not at.error
    link = next(a for a in alignments_for_standard(app_db, standard_id=sid) if a["id"] == aid)
    assert link["status"] == "rejected" and link["reason"] == "与岗位不符"

    at = _open(app_db, "mentor", "ZH3021")
    with pytest.raises(KeyError):
        at.button(key="std_save")
    at.text_input(key="std_new_standard").input("请补充安全规范。")
    at.button(key="std_post_standard").click().run()
    assert not at.exception and not at.error
    thread = next(th for th in standard_threads(app_db, standard_id=sid) if th["body"] == "请补充安全规范。")
    at.button(key=f"std_flip_standard_{thread['id']}").click().run()
    assert not at.exception and not at.error
    assert next(th for th in standard_threads(app_db, standard_id=sid) if th["id"] == thread["id"])["resolved"]


def test_submit_and_both_signatures_approve_and_freeze(app_db):
    """Faculty submits, the lead signs for the school (the author may not), the mentor for the
    enterprise: approved and read-only."""
    sid = _standard(app_db, "ZH3021")["id"]
    at = _open(app_db, "faculty", "ZH3021")
    at.button(key="std_wf_submit").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert workflow_state(app_db, standard_id=sid)["status"] == "in_review"
    with pytest.raises(KeyError):
        at.button(key="std_wf_sign_school")
    at = _open(app_db, "lead", "ZH3021")
    at.button(key="std_wf_sign_school").click().run()
    assert not at.exception and not at.error
    at = _open(app_db, "mentor", "ZH3021")
    at.button(key="std_wf_sign_enterprise").click().run()
    assert not at.exception and not at.error
    state = workflow_state(app_db, standard_id=sid)
    assert state["status"] == "approved" and state["frozen"]
    at = _open(app_db, "faculty", "ZH3021")
    with pytest.raises(KeyError):
        at.button(key="std_save")
    assert at.toggle(key="std_prose_preview").value  # read-only: the prose shows as its preview
    assert not [w for w in at.text_area if str(w.key).startswith("std_h_nature")]
    at.toggle(key="std_prose_preview").set_value(False).run()
    assert _widget(at, "text_area", "std_h_nature").disabled
    assert any(i.value for i in at.info)


def test_a_stale_save_shows_the_conflict_view(app_db):
    """Someone saves behind the page's back: each differing field is shown with the changed side chosen; Save keeps both."""
    sid = _standard(app_db, "ZJ2011")["id"]
    at = _open(app_db, "faculty", "ZJ2011")
    content = standard_content(app_db, sid)
    _other_saves_resources(app_db, sid, (content["header"]["resources"] or "") + " 另加实训室。")
    _edit_first_unit_hours(at, app_db, "ZJ2011")
    at.button(key="std_save").click().run()
    assert not at.exception
    assert at.error, "the conflict is announced"
    shown = " ".join(m.value for m in at.markdown)
    assert "教学资源" in shown or "资源" in shown, "header fields are named in the user's language"
    assert [r.value for r in at.radio] == ["theirs", "mine"], "the side that changed each field is preselected"
    for key in ("std_conflict_theirs", "std_conflict_all_mine", "std_conflict_all_theirs"):
        at.button(key=key)
    at.button(key="std_conflict_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    merged = standard_content(app_db, sid)
    assert merged["header"]["resources"].endswith("另加实训室。")
    assert merged["units"][0]["hours_practice"] == (content["units"][0]["hours_practice"] or 0) + 2
    assert "std_conflict" not in at.session_state


def test_a_clash_needs_an_explicit_choice_and_the_view_survives_reruns(app_db):
    """Both changed the same field: no side is chosen, Save waits; the choice survives reruns; theirs is kept."""
    sid = _standard(app_db, "ZJ2011")["id"]
    at = _open(app_db, "faculty", "ZJ2011")
    _other_saves_resources(app_db, sid, "同事的实训资源。")
    _widget(at, "text_area", "std_h_resources").input("我的资源。")
    at.button(key="std_save").click().run()
    assert [r.value for r in at.radio] == [None]
    assert at.button(key="std_conflict_save").disabled and at.warning
    at.radio[0].set_value("theirs").run()
    at.run()  # any other rerun (another widget, a tab) keeps the view and the choice
    assert at.session_state["std_conflict"] and [r.value for r in at.radio] == ["theirs"]
    assert not at.button(key="std_conflict_save").disabled
    at.button(key="std_conflict_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert standard_content(app_db, sid)["header"]["resources"] == "同事的实训资源。"
    assert _widget(at, "text_area", "std_h_resources").value == "同事的实训资源。"


def test_restore_from_history_makes_a_new_version(app_db):
    """After a save, restoring the version before it brings the old hours back as a new version."""
    sid = _standard(app_db, "ZH3021")["id"]
    at = _open(app_db, "faculty", "ZH3021")
    old_hours = standard_content(app_db, sid)["units"][0]["hours_practice"]
    _edit_first_unit_hours(at, app_db, "ZH3021")
    at.button(key="std_save").click().run()
    assert not at.error
    versions = list_versions(app_db, standard_id=sid)
    previous = next(v["number"] for v in versions[1:] if v["has_content"])
    at.selectbox(key="std_restore_pick").set_value(previous).run()
    at.button(key="std_restore").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert standard_content(app_db, sid)["units"][0]["hours_practice"] == old_hours
    assert len(list_versions(app_db, standard_id=sid)) == len(versions) + 1


def test_faculty_changes_a_level_and_answers_a_comment_on_the_review_page(app_db):
    """A level click changes that alignment only; a mentor's comment waits for faculty, who replies inline."""
    sid = _standard(app_db, "ZH3021")["id"]
    link = alignments_for_standard(app_db, standard_id=sid)[0]
    at = _open(app_db, "faculty", "ZH3021")
    new_level = 1 if link["level"] != 1 else 2
    at.button_group(key=f"std_lvl_{link['id']}_{link['version']}").set_value(new_level).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert next(a for a in alignments_for_standard(app_db, standard_id=sid)
                if a["id"] == link["id"])["level"] == new_level

    from services.comments import add_comment

    thread = add_comment(app_db, actor=_actor(app_db, "mentor"), entity_type="standard", entity_id=sid,
                         body="学时是否够用？")
    at = login("faculty")
    at.switch_page("pages/review.py").run()
    at.text_input(key=f"review_reply_{thread['id']}").input("够用，已核对。")
    at.button(key=f"review_send_{thread['id']}").click().run()
    assert not at.exception and not at.error
    answered = next(th for th in standard_threads(app_db, standard_id=sid) if th["id"] == thread["id"])
    assert [r["body"] for r in answered["replies"]] == ["够用，已核对。"]


def _widget(at, kind: str, name: str):
    """The editor widget whose key starts with ``name`` (keys carry the record and a generation)."""
    return next(w for w in getattr(at, kind) if str(w.key).startswith(name))


def _table_key(at, table: str) -> str:
    from ui.standard_editor import editor_key

    return editor_key(at.session_state["std_base"], f"std_tbl_{table}")


def _other_saves_resources(engine, sid: int, text: str) -> None:
    args = save_args_from_content(standard_content(engine, sid))
    args["header"]["resources"] = text
    save_standard(engine, actor=_actor(engine, "lead"), standard_id=sid,
                  expected_version=workflow_state(engine, standard_id=sid)["version"], **args)


def test_the_editor_continues_from_the_version_its_save_returned(app_db, monkeypatch):
    """Someone saves right after my save: my next save is stale and gets the conflict view, not an overwrite."""
    import ui.standard_editor as editor

    sid = _standard(app_db, "ZH3021")["id"]
    at = _open(app_db, "faculty", "ZH3021")
    real_save = editor.save_standard

    def save_then_someone_else_saves(*args, **kwargs):
        result = real_save(*args, **kwargs)
        _other_saves_resources(app_db, sid, "同事刚保存的资源。")
        return result

    monkeypatch.setattr(editor, "save_standard", save_then_someone_else_saves)
    _widget(at, "text_area", "std_h_nature").input("我的课程性质。")
    at.button(key="std_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    monkeypatch.setattr(editor, "save_standard", real_save)
    _widget(at, "text_area", "std_h_design_rationale").input("我的设计思路。")
    at.button(key="std_save").click().run()
    assert not at.exception
    assert at.session_state["std_conflict"], "the stale save opens the conflict view"
    assert standard_content(app_db, sid)["header"]["resources"] == "同事刚保存的资源。"


def test_take_theirs_then_save_keeps_the_other_users_text(app_db):
    """After "take theirs" the widgets show their text, and the next Save does not revert it."""
    sid = _standard(app_db, "ZJ2011")["id"]
    at = _open(app_db, "faculty", "ZJ2011")
    _other_saves_resources(app_db, sid, "同事的实训资源。")
    _widget(at, "text_area", "std_h_resources").input("我的资源。")
    at.button(key="std_save").click().run()
    assert at.session_state["std_conflict"]
    at.button(key="std_conflict_theirs").click().run()
    assert not at.exception
    assert _widget(at, "text_area", "std_h_resources").value == "同事的实训资源。"
    _widget(at, "text_area", "std_h_nature").input("我的课程性质。")
    at.button(key="std_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    saved = standard_content(app_db, sid)["header"]
    assert saved["resources"] == "同事的实训资源。" and saved["nature"] == "我的课程性质。"


def test_restore_then_save_keeps_the_restored_text(app_db):
    """After a restore the widgets show the restored text, and the next Save keeps it."""
    sid = _standard(app_db, "ZH3021")["id"]
    at = _open(app_db, "faculty", "ZH3021")
    old = standard_content(app_db, sid)["header"]["resources"]
    _widget(at, "text_area", "std_h_resources").input("改过的资源。")
    at.button(key="std_save").click().run()
    assert standard_content(app_db, sid)["header"]["resources"] == "改过的资源。"
    previous = list_versions(app_db, standard_id=sid)[1]["number"]
    at.selectbox(key="std_restore_pick").set_value(previous).run()
    at.button(key="std_restore").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert _widget(at, "text_area", "std_h_resources").value == old
    _widget(at, "text_area", "std_h_nature").input("恢复后再改性质。")
    at.button(key="std_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    saved = standard_content(app_db, sid)["header"]
    assert saved["resources"] == old and saved["nature"] == "恢复后再改性质。"


def test_an_own_level_change_after_someone_elses_save_does_not_hide_their_save(app_db):
    """Someone saves, then I change a level: my next Save still meets their version (conflict view)."""
    sid = _standard(app_db, "ZH3021")["id"]
    link = alignments_for_standard(app_db, standard_id=sid)[0]
    at = _open(app_db, "faculty", "ZH3021")
    _other_saves_resources(app_db, sid, "同事刚保存的资源。")
    at.button_group(key=f"std_lvl_{link['id']}_{link['version']}").set_value(1 if link["level"] != 1 else 2).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    _widget(at, "text_area", "std_h_nature").input("我的课程性质。")
    at.button(key="std_save").click().run()
    assert at.session_state["std_conflict"], "the save meets their version instead of overwriting it"
    assert standard_content(app_db, sid)["header"]["resources"] == "同事刚保存的资源。"


def test_a_teacher_opens_the_standards_page_on_a_course_of_their_own(app_db):
    """The course pick starts with the teacher's own courses (then courses with a standard), not with the
    first course of the programme, which may be someone else's course without a standard."""
    faculty = _actor(app_db, "faculty")
    program_id = get_program(app_db, code="460305")["id"]
    everyone = list_courses(app_db, program_id=program_id)
    ordered = list_courses(app_db, program_id=program_id, first_for=faculty.id)
    assert sorted(ordered["code"]) == sorted(everyone["code"])  # the same courses, only the order differs
    owned = [code for code, owners in zip(ordered["code"], ordered["owners"], strict=True)
             if faculty.display_name in owners.split(", ")]
    assert owned and list(ordered["code"][:len(owned)]) == owned
    assert everyone["code"].iloc[0] not in owned  # the old first pick was not the teacher's
    at = login("faculty")
    at.switch_page("pages/standards.py").run()
    assert not at.exception
    assert at.selectbox(key="std_course").value == int(ordered["id"].iloc[0])
