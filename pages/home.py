"""Home: the chosen programme at a glance and what needs attention."""

import pandas as pd
import streamlit as st

from services.alignments import review_queue
from services.coverage import compute_coverage
from services.programs import get_program, program_summary
from services.workflow import current_revisions
from ui.context import page_setup
from ui.i18n import enum_label, t, tm

ctx = page_setup()
program = get_program(ctx.engine, program_id=ctx.program_id)
summary = program_summary(ctx.engine, program_id=ctx.program_id)

st.title(tm("home.title", name=program["name"]))
st.caption(tm("home.welcome", name=ctx.actor.display_name, code=program["code"]))
if program["description"]:
    st.text(program["description"])

cols = st.columns(6)
for col, key in zip(cols, ("job_roles", "areas", "tasks", "competencies", "courses", "alignments"), strict=True):
    col.metric(t(f"home.metric.{key}"), summary[key])

metrics = compute_coverage(ctx.engine, program_id=ctx.program_id).metrics
st.progress(metrics["coverage_ratio"], text=t("home.coverage", covered=metrics["covered"],
                                              total=metrics["competencies"], pct=f"{metrics['coverage_ratio']:.0%}",
                                              weighted=f"{metrics['weighted_coverage']:.0%}"))

st.subheader(t("home.attention"))
awaiting = review_queue(ctx.engine, actor=ctx.actor, program_id=ctx.program_id)["counts"]  # what the queue holds
items = [
    ("home.attention.core_uncovered", len(summary["core_uncovered"]), "pages/coverage.py"),
    ("home.attention.proposed", awaiting["alignments"], "pages/review.py"),
    ("home.attention.in_review", summary["standards_in_review"], "pages/standards.py"),
    ("home.attention.comments", awaiting["comments"], "pages/review.py"),
]
if not any(count for _, count, _ in items):
    st.success(t("home.attention.none"))
for key, count, target in items:
    if count:
        left, right = st.columns([5, 1], vertical_alignment="center")
        left.warning(t(key, count=count))
        right.page_link(target, label=t("home.open"), icon=":material/arrow_forward:")
if summary["core_uncovered"]:
    with st.expander(t("home.core_uncovered_list"), expanded=False):
        st.dataframe(
            pd.DataFrame(summary["core_uncovered"]).rename(columns={
                "code": t("field.code"), "statement": t("field.statement"), "importance": t("field.importance")}),
            hide_index=True, width="stretch", key="home_core_uncovered")

st.subheader(t("home.standards"))
standards = current_revisions(ctx.engine, program_id=ctx.program_id)
if not standards:
    st.info(t("home.standards.none"))
else:
    st.dataframe(
        pd.DataFrame([{
            t("field.course"): t("format.name_code", name=s["course_name"], code=s["course_code"]),
            t("field.revision"): s["revision"],
            t("field.version"): s["version_number"],
            t("field.status"): enum_label("standard_status", s["status"]),
            t("field.updated_at"): s["updated_at"][:16].replace("T", " "),
        } for s in standards]),
        hide_index=True, width="stretch", key="home_standards")
