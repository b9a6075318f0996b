"""Course standards: pick a course, edit its current standard, align, check, discuss, sign, compare and restore."""

import streamlit as st

from services.comments import standard_threads
from services.courses import list_courses
from services.errors import DomainError
from services.standards import create_standard, current_standard, list_standards
from services.workflow import allowed_actions, workflow_state
from ui.context import page_setup
from ui.i18n import enum_label, show_error, t, tm
from ui.links import follow_link, keep_link
from ui.standard_editor import base_for, conflict_view, content_editor, rebase, save_bar
from ui.standard_panels import (
    alignment_panel,
    checklist_panel,
    comments_panel,
    downloads,
    history_panel,
    task_table_panel,
    workflow_bar,
)
from ui.suggestion_review import standard_review

ctx = page_setup()
st.title(t("standards.title"))

courses = list_courses(ctx.engine, program_id=ctx.program_id, first_for=ctx.actor.id)  # own courses first
if courses.empty:
    st.info(t("courses.empty"))
    st.stop()
names = dict(zip(courses["id"].astype(int), courses["code"] + " " + courses["name"], strict=True))
codes = dict(zip(courses["id"].astype(int), courses["code"], strict=True))
follow_link("course", "std_course", {code: cid for cid, code in codes.items()})
course_id = st.selectbox(t("field.course"), list(names), key="std_course", format_func=names.__getitem__)
keep_link("course", "std_course", codes[course_id])
current = current_standard(ctx.engine, course_id=course_id)

if current is None:
    st.info(t("standards.page.none"))
    others = {s["id"]: f"{s.get('course_code', '')} r{s.get('revision', '')}"
              for s in list_standards(ctx.engine, program_id=ctx.program_id) if s.get("course_id") != course_id}
    source = st.selectbox(t("standards.page.copy_from"), [None, *others], key="std_copy_from",
                          format_func=lambda s: t("standards.page.blank") if s is None else others[s])
    if st.button(t("standards.page.create"), key="std_create", type="primary"):
        try:
            created = create_standard(ctx.engine, actor=ctx.actor, course_id=course_id, copy_from_standard_id=source)
            rebase(ctx.engine, created["standard_id"], created)
            st.rerun()
        except DomainError as exc:
            show_error(exc)
    st.stop()

sid = current["id"]
state = workflow_state(ctx.engine, standard_id=sid)
actions = allowed_actions(ctx.engine, actor=ctx.actor, standard_id=sid)
st.caption(tm("standards.page.revision_line", revision=state["revision"],
             status=enum_label("standard_status", state["status"]), version=state["version_number"]))
workflow_bar(ctx, state, actions)

base = base_for(ctx.engine, sid)
read_only = not actions["edit"]
if read_only and not state["frozen"]:
    st.caption(t("standards.page.read_only"))

parts = ("header", "objectives", "units", "assessment", "task_table", "alignments", "checks", "comments", "history")
tabs = dict(zip(parts, st.tabs([t(f"standards.part.{part}") for part in parts]), strict=True))
in_conflict = conflict_view(ctx, base)  # while open, it is the one thing to decide; the parts stay read-only
mine = content_editor(base, read_only=read_only or in_conflict, places=tabs)
if not read_only and not in_conflict:
    save_bar(ctx, base, mine)
downloads(ctx, sid)

threads = standard_threads(ctx.engine, standard_id=sid)  # the comment threads, once for both panels below

with tabs["task_table"]:
    task_table_panel(ctx, sid)

with tabs["alignments"]:
    standard_review(ctx, sid, actions)
    alignment_panel(ctx, sid, base["content"], actions, threads)

with tabs["checks"]:
    checklist_panel(ctx, sid, mine if not read_only else None)

with tabs["comments"]:
    comments_panel(ctx, sid, actions, threads)

with tabs["history"]:
    history_panel(ctx, state, actions)
