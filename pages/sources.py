"""岗课赛证: job roles, certificates and competitions side by side — coverage per source and per level."""

import pandas as pd
import streamlit as st

from models.enums import LEVEL_ORDER, SOURCE_KINDS
from services.errors import DomainError
from services.exports.sources_xlsx import export_sources_xlsx
from services.framework import (
    competency_links,
    create_job_role,
    framework_frame,
    link_competencies,
    list_job_roles,
    unlink_competencies,
    update_job_role,
)
from services.occupations import search_occupations, seed_job_role
from services.permissions import can
from services.sources import skill_weight_tables, sources_overview
from ui.context import page_setup
from ui.i18n import enum_format, enum_label, show_error, t, tm
from ui.widgets import flash_toast

ctx = page_setup()
st.title(t("sources.title"))
st.caption(t("sources.intro"))

levels = {"": t("sources.all_levels"), **{v: t(f"sources.level_name.{n}") for n, v in enumerate(LEVEL_ORDER)}}
level = st.selectbox(t("sources.level"), list(levels), key="sources_level", format_func=levels.__getitem__)
confirmed = st.toggle(t("sources.confirmed_only"), key="sources_confirmed")
overview = sources_overview(ctx.engine, program_id=ctx.program_id, level=level or None, confirmed_only=confirmed)
frame_all = framework_frame(ctx.engine, program_id=ctx.program_id)

for col, kind in zip(st.columns(len(SOURCE_KINDS)), SOURCE_KINDS, strict=True):
    s = overview["by_kind"][kind]
    col.metric(enum_label("source_kind", kind), f"{s['covered']} / {s['competencies']}",
               help=t("sources.metric_help"))
    col.caption(t("sources.weighted", pct=f"{s['weighted_coverage']:.0%}") if s["competencies"] else t("sources.empty"))

report = export_sources_xlsx(ctx.engine, actor=ctx.actor, program_id=ctx.program_id, lang=ctx.lang, level=level or None,
                             confirmed_only=confirmed)
st.download_button(t("sources.download"), report.content, file_name=report.filename, mime=report.media_type,
                   key="sources_download")
st.subheader(t("sources.per_source"))
st.dataframe(pd.DataFrame([{
    t("sources.col.source"): s["name"], t("sources.col.kind"): enum_label("source_kind", s["kind"]),
    t("sources.col.levels"): " / ".join(s["levels"]), t("sources.col.requirements"): s["competencies"],
    t("sources.col.covered"): s["covered"], t("sources.col.ratio"): f"{s['coverage_ratio']:.0%}",
    t("sources.col.weighted"): f"{s['weighted_coverage']:.0%}",
} for s in overview["sources"]]), hide_index=True, width="stretch", key="sources_table")

for table in skill_weight_tables(ctx.engine, program_id=ctx.program_id):  # 国家职业技能标准 比重表
    with st.expander(tm("sources.weights.title", name=table["name"]), expanded=False):
        st.caption(t("sources.weights.note"))
        for part, content in table["parts"].items():
            st.caption(t(f"sources.weights.{part}"))
            st.dataframe(pd.DataFrame([{t("sources.weights.section"): r["section"], t("sources.weights.item"): r["item"],
                                        **{levels.get(lv, lv): r["weights"].get(lv) for lv in content["levels"]}}
                                       for r in content["rows"]]),
                         hide_index=True, width="stretch", key=f"sources_weights_{table['job_role_id']}_{part}")

kind = st.segmented_control(t("sources.uncovered_of"), SOURCE_KINDS, format_func=enum_format("source_kind"),
                            default="certificate", key="sources_uncovered_kind")
uncovered = overview["by_kind"][kind or "certificate"]["uncovered"]
if uncovered:
    st.dataframe(pd.DataFrame([{t("field.code"): u["code"], t("field.statement"): u["statement"],
                                t("sources.col.source"): u["source"], t("sources.col.level"): u["cert_level"]}
                               for u in uncovered]), hide_index=True, width="stretch", key="sources_uncovered")
else:
    st.success(t("sources.none_uncovered"))

if can(ctx.actor, "framework.edit"):
    with st.expander(t("sources.manage"), expanded=False):
        with st.form("sources_add_form"):
            name = st.text_input(t("sources.new_name"), key="sources_new_name", placeholder=t("sources.new_hint"))
            new_kind = st.selectbox(t("sources.col.kind"), SOURCE_KINDS, index=1, key="sources_new_kind",
                                    format_func=enum_format("source_kind"))
            if st.form_submit_button(t("sources.add"), key="sources_add_submit"):
                try:
                    create_job_role(ctx.engine, actor=ctx.actor, program_id=ctx.program_id, name=name, kind=new_kind)
                    flash_toast("sources.added")
                    st.rerun()
                except DomainError as exc:
                    show_error(exc)
        roles = {r["id"]: r for r in list_job_roles(ctx.engine, program_id=ctx.program_id)}
        with st.form("sources_kind_form"):  # an imported framework's job role becomes a certificate here
            role_id = st.selectbox(t("sources.col.source"), list(roles), key="sources_kind_role",
                                   format_func=lambda i: roles[i]["name"])
            set_kind = st.selectbox(t("sources.col.kind"), SOURCE_KINDS, key="sources_kind_value",
                                    format_func=enum_format("source_kind"))
            if st.form_submit_button(t("sources.set_kind"), key="sources_kind_submit"):
                try:
                    update_job_role(ctx.engine, actor=ctx.actor, job_role_id=role_id,
                                    expected_version=roles[role_id]["version"], changes={"kind": set_kind})
                    flash_toast("sources.kind_set")
                    st.rerun()
                except DomainError as exc:
                    show_error(exc)

if can(ctx.actor, "framework.edit"):
    with st.expander(t("sources.links"), expanded=False):
        leaves = {int(i): f"{c} {s[:50]}" for i, c, s, k in zip(frame_all["id"], frame_all["code"],
                                                                frame_all["statement"], frame_all["kind"], strict=True)
                  if k == "competency"}
        with st.form("sources_link_form"):
            a_id = st.selectbox(t("sources.link_a"), list(leaves), format_func=leaves.__getitem__, key="sources_link_a")
            b_id = st.selectbox(t("sources.link_b"), list(leaves), format_func=leaves.__getitem__, key="sources_link_b")
            if st.form_submit_button(t("sources.link"), key="sources_link_submit"):
                try:
                    link_competencies(ctx.engine, actor=ctx.actor, a_id=a_id, b_id=b_id)
                    flash_toast("sources.linked")
                    st.rerun()
                except DomainError as exc:
                    show_error(exc)
        for link in competency_links(ctx.engine, program_id=ctx.program_id):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.text(f"{link['low_code']} {link['low_statement'][:40]} ⇄ {link['high_code']} "
                      f"{link['high_statement'][:40]}")  # user text: never Markdown
            if right.button(t("sources.unlink"), key=f"sources_unlink_{link['id']}"):
                try:
                    unlink_competencies(ctx.engine, actor=ctx.actor, link_id=link["id"])
                    st.rerun()
                except DomainError as exc:
                    show_error(exc)

if can(ctx.actor, "import.run"):
    with st.expander(t("sources.from_occupation"), expanded=False):
        found = search_occupations(st.text_input(t("sources.occupation_search"), key="sources_occ_query"))
        if not found:
            st.info(t("sources.no_occupation"))
        else:
            options = {f"{o['source']}|{o['id']}": t("sources.occupation_option", source={"esco": "ESCO", "onet": "O*NET"}.get(o["source"], o["source"]),
                                                     label=o["label"], code=o["code"], n=o["items"]) for o in found}
            picked = st.selectbox(t("sources.occupation"), list(options), format_func=options.__getitem__,
                                  key="sources_occ_pick")
            if st.button(t("sources.seed"), key="sources_occ_import"):
                source, occupation_id = picked.split("|", 1)
                try:
                    result = seed_job_role(ctx.engine, actor=ctx.actor, program_code=overview["program_code"],
                                           source=source, occupation_id=occupation_id, lang=ctx.lang)
                    if result["ok"]:
                        flash_toast("sources.seeded", n=result["created"].get("competency", 0))
                        st.rerun()
                    for error in result["errors"]:
                        st.error(error["message"])
                except DomainError as exc:
                    show_error(exc)
