"""Home: the chosen programme at a glance and what needs attention."""

import pandas as pd
import streamlit as st

from services.programs import get_program, program_summary
from services.standards import list_standards
from ui.context import page_setup
from ui.i18n import enum_label, t

ctx = page_setup()
program = get_program(ctx.engine, program_id=ctx.program_id)
summary = program_summary(ctx.engine, program_id=ctx.program_id)

st.title(t("home.title", name=program["name"]))
st.caption(t("home.welcome", name=ctx.actor.display_name, code=program["code"]))
if program["description"]:
    st.write(program["description"])

cols = st.columns(6)
for col, key in zip(cols, ("job_roles", "areas", "tasks", "competencies", "courses", "alignments"), strict=True):
    col.metric(t(f"home.metric.{key}"), summary[key])

coverage = summary["covered"] / summary["competencies"] if summary["competencies"] else 0.0
st.progress(coverage, text=t("home.coverage", covered=summary["covered"], total=summary["competencies"],
                              pct=f"{coverage:.0%}"))

st.subheader(t("home.attention"))
items = [
    (summary["core_uncovered"], "home.attention.core_uncovered", len(summary["core_uncovered"])),
    (summary["alignments_proposed"], "home.attention.proposed", summary["alignments_proposed"]),
    (summary["standards_in_review"], "home.attention.in_review", summary["standards_in_review"]),
    (summary["unresolved_comments"], "home.attention.comments", summary["unresolved_comments"]),
]
if not any(count for _, _, count in items):
    st.success(t("home.attention.none"))
for _, key, count in items:
    if count:
        st.warning(t(key, n=count))
if summary["core_uncovered"]:
    with st.expander(t("home.core_uncovered_list"), expanded=False):
        st.dataframe(
            pd.DataFrame(summary["core_uncovered"]).rename(columns={
                "code": t("field.code"), "statement": t("field.statement"), "importance": t("field.importance")}),
            hide_index=True, width="stretch", key="home_core_uncovered")

st.subheader(t("home.standards"))
standards = list_standards(ctx.engine, program_id=ctx.program_id)
if not standards:
    st.info(t("home.standards.none"))
else:
    st.dataframe(
        pd.DataFrame([{
            t("field.course"): f"{s['course_name']}（{s['course_code']}）",
            t("field.revision"): s["revision"],
            t("field.status"): enum_label("standard_status", s["status"]),
            t("field.updated_at"): s["updated_at"][:16].replace("T", " "),
        } for s in standards]),
        hide_index=True, width="stretch", key="home_standards")
