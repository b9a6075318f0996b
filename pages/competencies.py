"""Competencies: the framework tree with search, one node's detail, edit and add."""

import pandas as pd
import streamlit as st

from models import COMPETENCY_TYPES
from services.errors import DomainError
from services.framework import create_node, framework_frame, get_node, list_job_roles, search_frame, update_node
from services.permissions import can
from ui.context import page_setup
from ui.i18n import enum_format, enum_label, error_text, t, tm
from ui.links import follow_link, keep_link
from ui.safe import md_escape
from ui.widgets import flash_toast

ctx = page_setup()
st.title(t("competencies.title"))

frame = framework_frame(ctx.engine, program_id=ctx.program_id)
if frame.empty:
    st.info(t("competencies.empty"))
query = st.text_input(t("competencies.search"), key="comp_search", placeholder=t("competencies.search_hint"))
shown = search_frame(frame, query)
leaves = frame[frame["kind"] == "competency"]
st.caption(tm("competencies.counts", shown=int((shown["kind"] == "competency").sum()), total=len(leaves)))

indent = {0: "", 1: "　", 2: "　　"}
table = pd.DataFrame({
    t("field.code"): shown["code"],
    t("field.statement"): [indent.get(d, "") + s for d, s in zip(shown["depth"], shown["statement"], strict=True)],
    t("field.kind"): shown["kind"].map(lambda v: enum_label("kind", v)),
    t("field.type"): shown["comp_type"].map(lambda v: enum_label("comp_type", v)),
    t("field.importance"): shown["importance"].astype("string").fillna(""),
    t("field.required_level"): shown["required_level"].astype("string").fillna(""),
    t("field.job_role"): shown["job_role"],
    t("field.proposed_side"): shown["proposed_side"].map(lambda v: enum_label("side", v)),
})
event = st.dataframe(table, hide_index=True, width="stretch", height=420, key="comp_table",
                     on_select="rerun", selection_mode="single-row")

selected_rows = event.selection.rows if event and event.selection else []
options = list(shown["id"])
labels = dict(zip(shown["id"], shown["code"] + " " + shown["statement"].str.slice(0, 40), strict=True))
follow_link("code", "comp_selected", dict(zip(shown["code"], options, strict=True)))
if selected_rows:
    st.session_state["comp_selected"] = options[selected_rows[0]]
if options:
    if st.session_state.get("comp_selected") not in options:
        st.session_state["comp_selected"] = options[0]
    node_id = st.selectbox(t("competencies.select"), options, key="comp_selected", format_func=labels.__getitem__)
    node = get_node(ctx.engine, node_id=node_id)
    keep_link("code", "comp_selected", node["code"])
    st.subheader(md_escape(f"{node['code']} {node['statement']}"))
    path = " › ".join(md_escape(f"{a['code']} {a['statement']}") for a in node["ancestors"])
    if path:
        st.caption(path)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric(t("field.kind"), enum_label("kind", node["kind"]))
    if node["kind"] == "competency":
        c2.metric(t("field.type"), enum_label("comp_type", node["comp_type"]) or "—")
        c3.metric(t("field.importance"), node["importance"] or "—")
        c4.metric(t("field.required_level"), node["required_level_effective"])
        st.write(tm("competencies.provenance", side=enum_label("side", node["proposed_side"]) or "—",
                   status=enum_label("node_status", node["status"])))
        if node["job_role"]:
            st.write(tm("competencies.job_role", role=node["job_role"]))
        if node["external_uri"]:
            st.write(tm("competencies.external", uri=node["external_uri"]))
        st.markdown(f"**{t('competencies.covered_by')}**")
        if node["alignments"]:
            st.dataframe(pd.DataFrame([{
                t("field.course"): t("format.name_code", name=a["course_name"], code=a["course_code"]), t("field.target"): a["target"],
                t("field.level"): a["level"], t("field.status"): enum_label("alignment_status", a["status"]),
            } for a in node["alignments"]]), hide_index=True, width="stretch", key="comp_alignments")
        else:
            st.warning(t("competencies.not_covered"))
    else:
        st.write(tm("competencies.children", count=len(node["children"])))

    if can(ctx.actor, "framework.edit"):
        roles = list_job_roles(ctx.engine, program_id=ctx.program_id)
        role_names = {None: "—", **{r["id"]: r["name"] for r in roles}}
        # keys name the node and its version: another node, or a save, gets fresh form widgets
        ek = f"{node['id']}_{node['version']}"
        with st.form("comp_edit"):
            st.markdown(f"**{t('competencies.edit')}**")
            statement = st.text_area(t("field.statement"), node["statement"], key=f"comp_edit_statement_{ek}")
            code = st.text_input(t("field.code"), node["code"], key=f"comp_edit_code_{ek}")
            changes = {"statement": statement, "code": code}
            if node["kind"] == "competency":
                e1, e2, e3 = st.columns(3)
                changes["comp_type"] = e1.selectbox(
                    t("field.type"), COMPETENCY_TYPES, index=COMPETENCY_TYPES.index(node["comp_type"] or "skill"),
                    key=f"comp_edit_type_{ek}", format_func=enum_format("comp_type"))
                changes["importance"] = e2.select_slider(
                    t("field.importance"), [1, 2, 3, 4, 5], value=node["importance"] or 3,
                    key=f"comp_edit_importance_{ek}")
                changes["required_level"] = e3.selectbox(
                    t("field.required_level_override"), [None, 1, 2, 3],
                    index=[None, 1, 2, 3].index(node["required_level"]), key=f"comp_edit_required_{ek}",
                    format_func=lambda v: t("competencies.from_importance") if v is None else str(v))
                changes["job_role_id"] = st.selectbox(
                    t("field.job_role"), list(role_names), index=list(role_names).index(node["job_role_id"])
                    if node["job_role_id"] in role_names else 0, key=f"comp_edit_role_{ek}", format_func=role_names.get)
            if st.form_submit_button(t("action.save"), type="primary", key=f"comp_edit_save_{ek}"):
                try:
                    update_node(ctx.engine, actor=ctx.actor, node_id=node["id"], expected_version=node["version"],
                                changes={k: v for k, v in changes.items() if v != node.get(k)})
                    flash_toast("saved")
                    st.rerun()
                except DomainError as exc:
                    st.error(error_text(exc))

if can(ctx.actor, "framework.edit"):
    with st.expander(t("competencies.add"), expanded=frame.empty):
        parents = frame[frame["kind"].isin(["area", "task"])]
        with st.form("comp_add"):
            kind = st.selectbox(t("field.kind"), ["competency", "task", "area"], key="comp_add_kind",
                                format_func=enum_format("kind"))
            parent_labels = {None: "—", **dict(zip(parents["id"], parents["code"] + " " + parents["statement"], strict=True))}
            parent_id = st.selectbox(t("field.parent"), list(parent_labels), key="comp_add_parent",
                                     format_func=parent_labels.get)
            code = st.text_input(t("field.code"), key="comp_add_code")
            statement = st.text_area(t("field.statement"), key="comp_add_statement")
            a1, a2 = st.columns(2)
            comp_type = a1.selectbox(t("field.type"), COMPETENCY_TYPES, key="comp_add_type",
                                     format_func=enum_format("comp_type"))
            importance = a2.select_slider(t("field.importance"), [1, 2, 3, 4, 5], value=3, key="comp_add_importance")
            if st.form_submit_button(t("action.add"), key="comp_add_submit"):
                try:
                    create_node(ctx.engine, actor=ctx.actor, program_id=ctx.program_id, kind=kind, code=code,
                                statement=statement, parent_id=parent_id if kind != "area" else None,
                                comp_type=comp_type if kind == "competency" else None,
                                importance=importance if kind == "competency" else None)
                    flash_toast("saved")
                    st.rerun()
                except DomainError as exc:
                    st.error(error_text(exc))
