"""Courses: the catalogue, one course's detail and coverage, edit and add."""

import pandas as pd
import streamlit as st

from models import COURSE_TYPES
from services.courses import (
    create_course,
    get_course,
    list_course_owners_candidates,
    list_courses,
    set_course_owners,
    update_course,
)
from services.errors import DomainError
from services.permissions import can
from services.vocabulary import alignment_counts
from ui.context import page_setup
from ui.i18n import enum_format, enum_label, error_text, t, tm
from ui.links import follow_link, keep_link
from ui.widgets import flash_toast

ctx = page_setup()
st.title(t("courses.title"))

frame = list_courses(ctx.engine, program_id=ctx.program_id)
if frame.empty:
    st.info(t("courses.empty"))
else:
    total_hours = int(frame["hours_total"].sum())
    st.caption(tm("courses.counts", n=len(frame), credits=f"{frame['credits'].sum():g}", hours=total_hours))
    table = pd.DataFrame({
        t("field.code"): frame["code"], t("field.name"): frame["name"],
        t("field.course_type"): frame["course_type"].map(lambda v: enum_label("course_type", v)),
        t("field.semester"): frame["semester"], t("field.credits"): frame["credits"],
        t("field.hours_theory"): frame["hours_theory"], t("field.hours_practice"): frame["hours_practice"],
        t("field.hours_total"): frame["hours_total"], t("field.owners"): frame["owners"],
        t("field.competencies"): frame["competencies"],
        t("field.standard"): frame["standard_status"].map(lambda v: enum_label("standard_status", v) if v else "—"),
    })
    event = st.dataframe(table, hide_index=True, width="stretch", key="course_table",
                         on_select="rerun", selection_mode="single-row")
    ids = list(frame["id"])
    codes = dict(zip(ids, frame["code"], strict=True))
    follow_link("course", "course_selected", {code: cid for cid, code in codes.items()})
    if event and event.selection and event.selection.rows:
        st.session_state["course_selected"] = ids[event.selection.rows[0]]
    if st.session_state.get("course_selected") not in ids:
        st.session_state["course_selected"] = ids[0]
    names = dict(zip(frame["id"], frame["code"] + " " + frame["name"], strict=True))
    course_id = st.selectbox(t("courses.select"), ids, key="course_selected", format_func=names.__getitem__)
    keep_link("course", "course_selected", codes[course_id])
    course = get_course(ctx.engine, course_id=course_id)

    st.subheader(tm("format.name_code", name=course["name"], code=course["code"]))
    m = st.columns(5)
    m[0].metric(t("field.course_type"), enum_label("course_type", course["course_type"]))
    m[1].metric(t("field.semester"), course["semester"] or "—")
    m[2].metric(t("field.credits"), f"{course['credits']:g}")
    m[3].metric(t("field.hours_total"), course["hours_total"])
    counted = {a["competency_id"] for a in course["alignments"] if alignment_counts(a)}
    m[4].metric(t("field.competencies"), len(counted))
    st.write(tm("courses.owners", owners=", ".join(o["display_name"] for o in course["owners"]) or "—"))
    if course["description"]:
        st.text(course["description"])
    for s in course["standards"]:
        st.write(tm("courses.standard_line", revision=s["revision"], status=enum_label("standard_status", s["status"])))
    st.markdown(f"**{t('courses.alignments')}**")
    if course["alignments"]:
        st.dataframe(pd.DataFrame([{
            t("field.code"): a["code"], t("field.statement"): a["statement"], t("field.target"): a["target"],
            t("field.level"): a["level"], t("field.status"): enum_label("alignment_status", a["status"]),
            t("field.proposed_side"): enum_label("side", a["proposed_side"]),
        } for a in course["alignments"]]), hide_index=True, width="stretch", key="course_alignments")
    else:
        st.warning(t("courses.no_alignments"))

    owner_ids = {o["id"] for o in course["owners"]}
    if can(ctx.actor, "course.edit", owns_course=ctx.actor.id in owner_ids):
        if st.session_state.get("course_edit_for") != course["id"]:  # fresh form values for a new course
            for key in [k for k in st.session_state if str(k).startswith("course_edit_")]:
                del st.session_state[key]
            st.session_state["course_edit_for"] = course["id"]
        with st.form("course_edit"):
            st.markdown(f"**{t('courses.edit')}**")
            e1, e2 = st.columns(2)
            changes = {
                "name": e1.text_input(t("field.name"), course["name"], key="course_edit_name"),
                "course_type": e2.selectbox(t("field.course_type"), COURSE_TYPES,
                                            index=COURSE_TYPES.index(course["course_type"]), key="course_edit_type",
                                            format_func=enum_format("course_type")),
            }
            n1, n2, n3, n4 = st.columns(4)
            changes["credits"] = n1.number_input(t("field.credits"), 0.0, 60.0, float(course["credits"]), 0.5,
                                                 key="course_edit_credits")
            changes["hours_theory"] = int(n2.number_input(t("field.hours_theory"), 0, 2000, course["hours_theory"],
                                                          key="course_edit_theory"))
            changes["hours_practice"] = int(n3.number_input(t("field.hours_practice"), 0, 2000,
                                                            course["hours_practice"], key="course_edit_practice"))
            changes["semester"] = int(n4.number_input(t("field.semester"), 1, 12, course["semester"] or 1,
                                                      key="course_edit_semester"))
            changes["description"] = st.text_area(t("field.description"), course["description"],
                                                  key="course_edit_description")
            if st.form_submit_button(t("action.save"), type="primary", key="course_edit_save"):
                try:
                    update_course(ctx.engine, actor=ctx.actor, course_id=course["id"],
                                  expected_version=course["version"],
                                  changes={k: v for k, v in changes.items() if v != course.get(k)})
                    flash_toast("saved")
                    st.rerun()
                except DomainError as exc:
                    st.error(error_text(exc))

    if can(ctx.actor, "course.edit") and not frame.empty:
        candidates = {u["id"]: u["display_name"] for u in list_course_owners_candidates(ctx.engine)}
        with st.form("course_owners_form"):
            chosen = st.multiselect(t("field.owners"), list(candidates), default=sorted(owner_ids & set(candidates)),
                                    key=f"course_owners_{course['id']}", format_func=candidates.get)
            if st.form_submit_button(t("courses.save_owners"), key="course_owners_save"):
                try:
                    set_course_owners(ctx.engine, actor=ctx.actor, course_id=course["id"], user_ids=chosen)
                    flash_toast("saved")
                    st.rerun()
                except DomainError as exc:
                    st.error(error_text(exc))

if can(ctx.actor, "course.create"):
    with st.expander(t("courses.add"), expanded=frame.empty), st.form("course_add"):
        a1, a2, a3 = st.columns(3)
        code = a1.text_input(t("field.code"), key="course_add_code")
        name = a2.text_input(t("field.name"), key="course_add_name")
        course_type = a3.selectbox(t("field.course_type"), COURSE_TYPES, key="course_add_type",
                                   format_func=enum_format("course_type"))
        b1, b2, b3, b4 = st.columns(4)
        credits = b1.number_input(t("field.credits"), 0.0, 60.0, 2.0, 0.5, key="course_add_credits")
        theory = b2.number_input(t("field.hours_theory"), 0, 2000, 16, key="course_add_theory")
        practice = b3.number_input(t("field.hours_practice"), 0, 2000, 16, key="course_add_practice")
        semester = b4.number_input(t("field.semester"), 1, 12, 1, key="course_add_semester")
        if st.form_submit_button(t("action.add"), key="course_add_submit"):
            try:
                create_course(ctx.engine, actor=ctx.actor, program_id=ctx.program_id, code=code, name=name,
                              course_type=course_type, credits=float(credits), hours_theory=int(theory),
                              hours_practice=int(practice), semester=int(semester))
                flash_toast("saved")
                st.rerun()
            except DomainError as exc:
                st.error(error_text(exc))
