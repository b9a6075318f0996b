"""Change impact: mark a task or competency as changing, and see what it reaches (courses, units, objectives, owners)."""

import pandas as pd
import streamlit as st

from models.enums import CHANGE_REASONS
from services.errors import DomainError
from services.framework import framework_frame
from services.impact import impact_report, list_marks, mark_changing, resolve_mark
from services.permissions import can
from ui.context import page_setup
from ui.i18n import enum_format, enum_label, show_error, t
from ui.widgets import clear_next_run, flash_toast, fresh_text

ctx = page_setup()
st.title(t("impact.title"))
st.caption(t("impact.intro"))

frame = framework_frame(ctx.engine, program_id=ctx.program_id)
nodes = frame[frame["kind"].isin(["task", "competency"])]
labels = {int(i): f"{c} {s[:60]}" for i, c, s in zip(nodes["id"], nodes["code"], nodes["statement"], strict=True)}

if can(ctx.actor, "change.mark") and labels:
    with st.expander(t("impact.mark_new"), expanded=False), st.form("impact_mark_form"):
        node_id = st.selectbox(t("impact.node"), list(labels), format_func=labels.__getitem__, key="impact_node")
        reason = st.selectbox(t("impact.reason"), CHANGE_REASONS, format_func=enum_format("change_reason"),
                              key="impact_reason")
        note = st.text_area(t("impact.note"), key=fresh_text("impact_note"), placeholder=t("impact.note_hint"))
        if st.form_submit_button(t("impact.mark"), type="primary", key="impact_mark_submit"):
            try:
                mark = mark_changing(ctx.engine, actor=ctx.actor, node_id=node_id, reason=reason, note=note)
                flash_toast("impact.marked", n=len(mark["notified"]))  # first: it needs no st call
                clear_next_run("impact_note")
                st.session_state["impact_selected"] = mark["id"]
                st.rerun()
            except DomainError as exc:
                show_error(exc)

marks = list_marks(ctx.engine, program_id=ctx.program_id)
if not marks:
    st.info(t("impact.none"))
    st.stop()
by_id = {m["id"]: m for m in marks}
choices = {i: f"{m['code']} {m['statement'][:40]} · {enum_label('change_reason', m['reason'])}"
           for i, m in by_id.items()}
if st.session_state.get("impact_selected") not in by_id:
    st.session_state["impact_selected"] = marks[0]["id"]
mark_id = st.selectbox(t("impact.open_marks", n=len(marks)), list(choices), format_func=choices.__getitem__,
                       key="impact_selected")
mark = by_id[mark_id]
st.info(t("impact.mark_line", who=mark["marked_by"] or "—", side=enum_label("side", mark["marked_side"]),
          at=mark["marked_at"][:10], note=mark["note"]))

report = impact_report(ctx.engine, node_id=mark["competency_id"])
st.subheader(t("impact.competencies", n=len(report["competencies"])))
st.dataframe(pd.DataFrame([{t("field.code"): c["code"], t("field.statement"): c["statement"],
                            t("field.importance"): c["importance"] or ""} for c in report["competencies"]]),
             hide_index=True, width="stretch", key="impact_competencies")
st.subheader(t("impact.courses", n=len(report["courses"])))
if not report["courses"]:
    st.success(t("impact.no_courses"))
for c in report["courses"]:
    with st.container(border=True):
        standard = c["standard"]
        st.markdown(t("impact.course_line", code=c["code"], name=c["name"],
                      owners="、".join(o["name"] for o in c["owners"]) or "—",
                      standard=t("impact.standard_line", revision=standard["revision"],
                                 status=enum_label("standard_status", standard["status"])) if standard else "—",
                      competencies="、".join(c["competencies"])))
        rows = ([{t("impact.col.where"): t("impact.where.unit"), t("impact.col.text"): u["title"],
                  t("field.code"): u["competency"], t("field.level"): u["level"]} for u in c["units"]]
                + [{t("impact.col.where"): t("impact.where.objective"), t("impact.col.text"): o["text"],
                    t("field.code"): o["competency"], t("field.level"): o["level"]} for o in c["objectives"]]
                + [{t("impact.col.where"): t("impact.where.course"), t("impact.col.text"): c["name"],
                    t("field.code"): a["competency"], t("field.level"): a["level"]} for a in c["course_level"]])
        st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key=f"impact_course_{c['course_id']}")

if can(ctx.actor, "change.mark") and st.button(t("impact.resolve"), key="impact_resolve"):
    try:
        resolve_mark(ctx.engine, actor=ctx.actor, mark_id=mark_id, expected_version=mark["version"])
        flash_toast("impact.resolved")
        st.rerun()
    except DomainError as exc:
        show_error(exc)
