"""Verification surveys: open one on a job role, invite raters (accounts, personal links), follow progress, close."""

import pandas as pd
import streamlit as st

from services.errors import DomainError
from services.exports.survey_workbook import blank_survey_workbook
from services.framework import list_job_roles
from services.surveys import (
    add_offline_ratings,
    close_survey,
    create_invitation_link,
    invitable_users,
    invite_users,
    list_surveys,
    open_survey,
    revoke_invitation,
    survey_raters,
)
from ui.context import page_setup
from ui.i18n import enum_label, show_error, t
from ui.survey import invitation_url
from ui.widgets import flash_toast

ctx = page_setup()
st.title(t("surveys.title"))
st.caption(t("surveys.intro"))

roles = list_job_roles(ctx.engine, program_id=ctx.program_id)
with st.expander(t("surveys.open_new"), expanded=False):
    if not roles:
        st.info(t("surveys.no_roles"))
    else:
        with st.form("survey_open_form"):
            role_names = {r["id"]: r["name"] for r in roles}
            role_id = st.selectbox(t("field.job_role"), list(role_names), format_func=role_names.__getitem__,
                                   key="survey_open_role")
            title = st.text_input(t("surveys.survey_title"), key="survey_open_title")
            apply = st.checkbox(t("surveys.apply_importance"), value=True, key="survey_open_apply")
            tasks = st.checkbox(t("surveys.include_tasks"), key="survey_open_tasks")
            if st.form_submit_button(t("surveys.open"), type="primary", key="survey_open_submit"):
                try:
                    made = open_survey(ctx.engine, actor=ctx.actor, job_role_id=role_id, title=title,
                                       apply_importance=apply, include_tasks=tasks)
                    flash_toast("surveys.opened", now=True, n=made["items"])  # first: it needs no st call
                    st.session_state["survey_selected"] = made["id"]
                except DomainError as exc:
                    show_error(exc)

surveys = list_surveys(ctx.engine, program_id=ctx.program_id)
if not surveys:
    st.info(t("surveys.none"))
    st.stop()
st.dataframe(pd.DataFrame([{
    t("surveys.col.title"): s["title"], t("field.job_role"): s["job_role"],
    t("field.status"): enum_label("survey_status", s["status"]), t("surveys.col.items"): s["items"],
    t("surveys.col.raters"): s["raters"], t("surveys.col.finished"): s["finished"],
    t("surveys.col.opened_at"): s["opened_at"][:10],
} for s in surveys]), hide_index=True, width="stretch", key="survey_table")

by_id = {s["id"]: s for s in surveys}
if st.session_state.get("survey_selected") not in by_id:
    st.session_state["survey_selected"] = surveys[0]["id"]
choices = {i: f"{s['title']} · {enum_label('survey_status', s['status'])}" for i, s in by_id.items()}
survey_id = st.selectbox(t("surveys.select"), list(choices), key="survey_selected", format_func=choices.__getitem__)
survey = by_id[survey_id]

if survey["status"] == "closed":
    st.success(t("surveys.closed_note", at=(survey["closed_at"] or "")[:16].replace("T", " ")))
    st.page_link("pages/survey_results.py", label=t("surveys.see_results"), icon=":material/bar_chart:")
    st.stop()

st.subheader(t("surveys.raters"))
raters = survey_raters(ctx.engine, actor=ctx.actor, survey_id=survey_id)
if raters:
    st.dataframe(pd.DataFrame([{
        t("field.name"): r["name"], t("field.side"): enum_label("side", r["side"]),
        t("surveys.col.kind"): t("surveys.kind.link" if r["link"] else "surveys.kind.offline" if r["offline"]
                                 else "surveys.kind.account"),
        t("surveys.col.answered"): f"{r['answered']} / {survey['items']}",
        t("surveys.col.expires"): (r["expires_at"] or "")[:10],
        t("surveys.col.revoked"): "✓" if r["revoked"] else "",
    } for r in raters]), hide_index=True, width="stretch", key="survey_raters")

people = {u["id"]: f"{u['name']} · {enum_label('role', u['role'])}" for u in invitable_users(ctx.engine)}
c1, c2 = st.columns(2)
with c1.form("survey_invite_form"):
    chosen = st.multiselect(t("surveys.invite_accounts"), list(people), format_func=people.__getitem__,
                            key="survey_invite_users")
    if st.form_submit_button(t("surveys.invite"), key="survey_invite_submit"):
        try:
            added = invite_users(ctx.engine, actor=ctx.actor, survey_id=survey_id, user_ids=chosen)
            flash_toast("surveys.invited", n=len(added))
            st.rerun()
        except DomainError as exc:
            show_error(exc)
with c2.form("survey_link_form"):
    name = st.text_input(t("surveys.link_name"), key="survey_link_name")
    days = st.number_input(t("surveys.link_days"), min_value=1, max_value=90, value=14, key="survey_link_days")
    if st.form_submit_button(t("surveys.make_link"), key="survey_link_submit"):
        try:
            link = create_invitation_link(ctx.engine, actor=ctx.actor, survey_id=survey_id, name=name, days=int(days))
            st.session_state["survey_new_link"] = {"name": link["name"], "url": invitation_url(link["token"])}
        except DomainError as exc:
            show_error(exc)
new_link = st.session_state.get("survey_new_link")
if new_link:
    st.info(t("surveys.link_once", name=new_link["name"]))
    st.code(new_link["url"], language=None)

links = [r for r in raters if r["link"] and not r["revoked"]]
if links:
    names = {r["id"]: r["name"] for r in links}
    revoke_id = st.selectbox(t("surveys.revoke_which"), list(names), format_func=names.__getitem__,
                             key="survey_revoke_pick")
    if st.button(t("surveys.revoke"), key="survey_revoke"):
        try:
            revoke_invitation(ctx.engine, actor=ctx.actor, rater_id=revoke_id)
            flash_toast("surveys.revoked")
            st.rerun()
        except DomainError as exc:
            show_error(exc)

with st.expander(t("surveys.offline"), expanded=False):
    blank = blank_survey_workbook(ctx.engine, actor=ctx.actor, job_role_id=survey["job_role_id"], lang=ctx.lang)
    st.download_button(t("surveys.download_blank"), blank.content, file_name=blank.filename, mime=blank.media_type,
                       key="survey_blank_download")
    if st.button(t("surveys.add_offline"), key="survey_add_offline"):
        try:
            added = add_offline_ratings(ctx.engine, actor=ctx.actor, survey_id=survey_id)
            flash_toast("surveys.offline_added", **added)
            st.rerun()
        except DomainError as exc:
            show_error(exc)

st.divider()
st.write(t("surveys.close_hint"))
if st.button(t("surveys.close"), type="primary", key="survey_close"):
    try:
        result = close_survey(ctx.engine, actor=ctx.actor, survey_id=survey_id, expected_version=survey["version"])
        flash_toast("surveys.closed", changed=result["importance_changed"], flagged=result["low_agreement"])
        st.session_state.pop("survey_new_link", None)
        st.rerun()
    except DomainError as exc:
        show_error(exc)
