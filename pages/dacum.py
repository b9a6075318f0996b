"""DACUM chart of a job role: view (projector size in workshop mode), add duties and tasks, move tasks, side panels, export."""

import streamlit as st

from models.enums import DACUM_PANELS
from services.dacum import add_duty, add_task, dacum_chart, move_task, save_panels, task_options, undo_last
from services.errors import DomainError
from services.exports.dacum_chart import export_dacum
from services.framework import list_job_roles, merge_nodes
from services.permissions import can
from ui.context import page_setup
from ui.dacum_view import chart_html
from ui.i18n import error_text, show_error, t
from ui.widgets import clear_next_run, flash_toast, fresh_text

ctx = page_setup()
st.title(t("dacum.title"))
roles = list_job_roles(ctx.engine, program_id=ctx.program_id)
if not roles:
    st.info(t("dacum.no_roles"))
    st.stop()
names = {r["id"]: r["name"] for r in roles}
role_id = st.selectbox(t("field.job_role"), list(names), format_func=names.__getitem__, key="dacum_role")
large = st.toggle(t("dacum.workshop"), key="dacum_workshop", help=t("dacum.workshop_help"))
chart = dacum_chart(ctx.engine, job_role_id=role_id)
st.html(chart_html(chart, large=large))

left, right = st.columns(2)
for col, fmt in ((left, "xlsx"), (right, "docx")):
    export = export_dacum(ctx.engine, actor=ctx.actor, job_role_id=role_id, fmt=fmt, lang=ctx.lang)
    col.download_button(t(f"dacum.download_{fmt}"), export.content, file_name=export.filename,
                        mime=export.media_type, key=f"dacum_download_{fmt}", width="stretch")

if not can(ctx.actor, "framework.edit"):
    st.stop()
if st.button(t("dacum.undo"), key="dacum_undo", icon=":material/undo:", help=t("dacum.undo_help")):
    try:
        undone = undo_last(ctx.engine, actor=ctx.actor, job_role_id=role_id)
        st.session_state["dacum_undone"] = t("dacum.undone", what=undone["summary"]) if undone else t("dacum.nothing")
        st.rerun()
    except DomainError as exc:
        show_error(exc)
if "dacum_undone" in st.session_state:
    st.info(st.session_state.pop("dacum_undone"))
duties = {d["id"]: f"{d['code']} {d['statement']}" for d in chart["duties"]}
add_tab, duty_tab, move_tab, merge_tab, panel_tab = st.tabs([
    t("dacum.tab.add_task"), t("dacum.tab.add_duty"), t("dacum.tab.move"), t("dacum.tab.merge"), t("dacum.tab.panels")])
with add_tab:
    if not duties:
        st.info(t("dacum.add_duty_first"))
    else:
        with st.form("dacum_task_form"):  # Enter submits: quick keyboard entry while the panel talks
            duty_id = st.selectbox(t("dacum.duty"), list(duties), format_func=duties.__getitem__, key="dacum_task_duty")
            text = st.text_input(t("dacum.task_statement"), key=fresh_text("dacum_task_text"),
                                 placeholder=t("dacum.task_hint"))
            if st.form_submit_button(t("dacum.add_task"), type="primary", key="dacum_task_submit"):
                try:
                    added = add_task(ctx.engine, actor=ctx.actor, job_role_id=role_id, duty_id=duty_id, statement=text)
                    clear_next_run("dacum_task_text")
                    st.session_state["dacum_lint"] = [t(w["key"], **w["params"]) for w in added["warnings"]]
                    st.rerun()
                except DomainError as exc:
                    show_error(exc)
        for line in st.session_state.pop("dacum_lint", []):
            st.warning(line)
with duty_tab, st.form("dacum_duty_form"):
    text = st.text_input(t("dacum.duty_statement"), key=fresh_text("dacum_duty_text"))
    if st.form_submit_button(t("dacum.add_duty"), key="dacum_duty_submit"):
        try:
            add_duty(ctx.engine, actor=ctx.actor, job_role_id=role_id, statement=text)
            clear_next_run("dacum_duty_text")
            st.rerun()
        except DomainError as exc:
            show_error(exc)
with move_tab:
    tasks = {x["id"]: x for x in task_options(chart)}
    if not tasks:
        st.info(t("dacum.no_tasks"))
    else:
        with st.form("dacum_move_form"):
            task_id = st.selectbox(t("dacum.task"), list(tasks), key="dacum_move_task",
                                   format_func=lambda i: f"{tasks[i]['code']} {tasks[i]['statement']}")
            target = st.selectbox(t("dacum.to_duty"), list(duties), format_func=duties.__getitem__,
                                  key="dacum_move_duty")
            position = st.number_input(t("dacum.position"), min_value=1, value=1, step=1, key="dacum_move_pos")
            if st.form_submit_button(t("dacum.move"), key="dacum_move_submit"):
                try:
                    move_task(ctx.engine, actor=ctx.actor, task_id=task_id, expected_version=tasks[task_id]["version"],
                              duty_id=target, position=int(position) - 1)
                    flash_toast("dacum.moved")
                    st.rerun()
                except DomainError as exc:
                    st.error(error_text(exc))
with merge_tab:
    cards = {x["id"]: f"{x['code']} {x['statement']}" for x in task_options(chart)}
    if len(cards) < 2 or not can(ctx.actor, "framework.confirm"):
        st.info(t("dacum.merge_none"))
    else:
        with st.form("dacum_merge_form"):
            keep_id = st.selectbox(t("dacum.merge_keep"), list(cards), format_func=cards.__getitem__, key="dacum_keep")
            drop_id = st.selectbox(t("dacum.merge_drop"), list(cards), format_func=cards.__getitem__, key="dacum_drop")
            if st.form_submit_button(t("dacum.merge"), key="dacum_merge_submit"):
                versions = {x["id"]: x["version"] for x in task_options(chart)}
                try:
                    merged = merge_nodes(ctx.engine, actor=ctx.actor, keep_id=keep_id, drop_id=drop_id,
                                         keep_version=versions[keep_id], drop_version=versions[drop_id])
                    flash_toast("dacum.merged", n=merged["children"])
                    st.rerun()
                except DomainError as exc:
                    show_error(exc)
with panel_tab:
    panels = chart["role"]["dacum_panels"]
    with st.form("dacum_panel_form"):
        texts = {name: st.text_area(t(f"dacum.panel.{name}"), "\n".join(panels[name]), key=f"dacum_panel_{name}_{role_id}",
                                    help=t("dacum.panel_help")) for name in DACUM_PANELS}
        if st.form_submit_button(t("dacum.save_panels"), key="dacum_panel_submit"):
            try:
                save_panels(ctx.engine, actor=ctx.actor, job_role_id=role_id,
                            expected_version=chart["role"]["version"], panels=texts)
                flash_toast("dacum.panels_saved")
                st.rerun()
            except DomainError as exc:
                show_error(exc)
