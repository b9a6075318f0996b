"""Home: the chosen programme at a glance and what needs attention."""

import pandas as pd
import streamlit as st

from services.alignments import review_queue
from services.coverage import compute_coverage
from services.mentor_home import mentor_home
from services.programs import get_program, program_summary
from services.workflow import current_revisions
from ui.context import page_setup
from ui.i18n import enum_label, t, tm
from ui.visits import since_last_visit

ctx = page_setup()
program = get_program(ctx.engine, program_id=ctx.program_id)
summary = program_summary(ctx.engine, program_id=ctx.program_id)

st.title(tm("home.title", name=program["name"]))
st.caption(tm("home.welcome", name=ctx.actor.display_name, code=program["code"]))
if program["description"]:
    st.text(program["description"])
since_last_visit(ctx)

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

if ctx.actor.role == "mentor":
    mine = mentor_home(ctx.engine, actor=ctx.actor, program_id=ctx.program_id)
    st.subheader(t("home.mentor.title"))
    for key, count, target in (("home.mentor.surveys", len(mine["surveys"]), "pages/rate.py"),
                               ("home.mentor.alignments", mine["alignments"], "pages/review.py"),
                               ("home.mentor.comments", mine["comments"], "pages/review.py"),
                               ("home.mentor.signatures", len(mine["signatures"]), "pages/standards.py"),
                               ("home.mentor.changes", len(mine["changes"]), "pages/impact.py")):
        left, right = st.columns([5, 1], vertical_alignment="center")
        (left.warning if count else left.success)(t(key, n=count))
        if count:
            right.page_link(target, label=t("home.open"), icon=":material/arrow_forward:")
    for s in mine["surveys"]:
        st.caption(t("home.mentor.survey_line", title=s["title"], answered=s["answered"], items=s["items"]))
    for s in mine["signatures"]:
        st.caption(t("home.mentor.signature_line", code=s["course_code"], name=s["course_name"],
                     revision=s["revision"]))
    if not mine["roles"]:
        st.info(t("home.mentor.no_roles"))
    elif not mine["recent"]:
        st.caption(tm("home.mentor.no_recent", roles=t("format.list_separator").join(r["name"] for r in mine["roles"])))
    else:
        with st.expander(t("home.mentor.recent"), expanded=False):
            st.caption(tm("home.mentor.recent_roles",
                          roles=t("format.list_separator").join(r["name"] for r in mine["roles"])))
            st.dataframe(pd.DataFrame([{t("home.mentor.col.at"): e["at"][:16].replace("T", " "),
                                        t("home.mentor.col.who"): e["username"],
                                        t("home.mentor.col.what"): e["summary"]} for e in mine["recent"]]),
                         hide_index=True, width="stretch", key="home_mentor_recent")

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
