"""Audit log: who changed what and when, filtered and sorted, with before → after of one event."""

import pandas as pd
import streamlit as st

from services.history import audit_events, audit_filters
from ui.audit import audit_format, audit_label, change_table
from ui.context import page_setup
from ui.i18n import t, tm
from ui.links import follow_link, keep_link

LIMIT = 1000

ctx = page_setup()
st.title(t("audit.title"))

this_program = st.checkbox(t("audit.this_program"), value=True, key="audit_this_program",
                           help=t("audit.this_program_help"))
program_id = ctx.program_id if this_program else None
choices = audit_filters(ctx.engine, actor=ctx.actor, program_id=program_id)

any_label = t("audit.any")


def any_value(value: str) -> str:
    return value or any_label


f1, f2, f3 = st.columns(3)
username = f1.selectbox(t("audit.user"), ["", *choices["usernames"]], key="audit_user", format_func=any_value)
entity_name, action_name = audit_format("entity"), audit_format("act")
entity_type = f2.selectbox(t("audit.entity_type"), ["", *choices["entity_types"]], key="audit_entity_type",
                           format_func=lambda v: entity_name(v) if v else any_label)
action = f3.selectbox(t("audit.action"), ["", *choices["actions"]], key="audit_action",
                      format_func=lambda v: action_name(v) if v else any_label)
d1, d2 = st.columns(2)
since = d1.date_input(t("audit.since"), value=None, key="audit_since")
until = d2.date_input(t("audit.until"), value=None, key="audit_until")

events = audit_events(ctx.engine, actor=ctx.actor, program_id=program_id, username=username or None,
                      entity_type=entity_type or None, action=action or None, since=since, until=until,
                      limit=LIMIT)
if events.empty:
    st.info(t("audit.empty"))
    st.stop()
st.caption(t("audit.count_limited" if len(events) >= LIMIT else "audit.count", count=len(events), limit=LIMIT))
table = pd.DataFrame({
    t("audit.col.id"): events["id"], t("audit.col.at"): events["at"], t("audit.col.user"): events["username"],
    t("audit.col.entity_type"): events["entity_type"].map(entity_name), t("audit.col.entity_id"): events["entity_id"],
    t("audit.col.action"): events["action"].map(action_name), t("audit.col.summary"): events["summary"],
})
picked = st.dataframe(table, hide_index=True, width="stretch", key="audit_table", on_select="rerun",
                      selection_mode="single-row",
                      column_config={t("audit.col.at"): st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")})
ids = [int(i) for i in events["id"]]
follow_link("event", "audit_selected", {str(i): i for i in ids})
if picked and picked.selection and picked.selection.rows:
    st.session_state["audit_selected"] = ids[picked.selection.rows[0]]
if st.session_state.get("audit_selected") not in ids:
    st.session_state["audit_selected"] = ids[0]
labels = {int(r.id): f"#{r.id} · {r.username} · {action_name(r.action)} · {r.summary}" for r in events.itertuples()}
event_id = st.selectbox(t("audit.select"), ids, key="audit_selected", format_func=labels.__getitem__)
keep_link("event", "audit_selected", str(event_id))

event = events[events["id"] == event_id].iloc[0]
st.subheader(tm("audit.detail", id=event_id))
st.caption(tm("audit.detail_caption", at=f"{event['at']:%Y-%m-%d %H:%M:%S}", user=event["username"] or "—",
             entity=audit_label("entity", event["entity_type"]), action=audit_label("act", event["action"])))
changes = change_table(event["before"], event["after"])
if changes:
    st.dataframe(pd.DataFrame({
        t("audit.col.field"): [c["field"] for c in changes],
        t("audit.col.before"): [c["before"] for c in changes],
        t("audit.col.after"): [c["after"] for c in changes],
    }), hide_index=True, width="stretch", key="audit_changes")
else:
    st.info(t("audit.no_changes"))
with st.expander(t("audit.raw")):
    b, a = st.columns(2)
    b.markdown(f"**{t('audit.col.before')}**")
    b.json(event["before"] or {})
    a.markdown(f"**{t('audit.col.after')}**")
    a.json(event["after"] or {})
