"""Inbox: the notifications of the logged-in user, newest first, each opening its record."""

import streamlit as st

from services.errors import DomainError
from services.notifications import list_notifications, mark_all_read, mark_read, text_of
from ui.context import page_setup
from ui.i18n import show_error, t
from ui.nav import spec_by_slug
from ui.safe import md_escape
from ui.widgets import flash_toast

ctx = page_setup()
st.title(t("inbox.title"))
st.caption(t("inbox.caption"))

left, middle, right = st.columns([1, 1, 1], vertical_alignment="center")
unread_only = left.toggle(t("inbox.unread_only"), key="inbox_unread_only")
this_program = middle.toggle(t("inbox.this_program"), key="inbox_this_program")
if right.button(t("inbox.mark_all"), key="inbox_mark_all", icon=":material/done_all:"):
    flash_toast("inbox.marked_all", now=True, n=mark_all_read(ctx.engine, actor=ctx.actor))

notes = list_notifications(ctx.engine, actor=ctx.actor, unread_only=unread_only,
                           program_id=ctx.program_id if this_program else None)
if not notes:
    st.info(t("inbox.empty"))
for note in notes:
    nid = note["id"]
    with st.container(border=True, key=f"inbox_item_{nid}"):
        text_col, buttons = st.columns([5, 2], vertical_alignment="center")
        actions = buttons.container(horizontal=True, horizontal_alignment="right")
        badge = "" if note["read"] else f":blue-badge[{t('inbox.unread_badge')}] "
        kind = t(f"inbox.kind.{note['kind']}")
        text = md_escape(text_of(note, ctx.lang))
        text_col.markdown(f"{badge}**{kind}** · {text if note['read'] else f'**{text}**'}")
        text_col.caption(note["created_at"][:16].replace("T", " ") + " UTC")
        if note["link"] and actions.button(t("inbox.open"), key=f"inbox_open_{nid}", icon=":material/open_in_new:"):
            try:
                mark_read(ctx.engine, actor=ctx.actor, notification_id=nid)  # opening it is reading it
            except DomainError as exc:
                show_error(exc)
            st.switch_page(spec_by_slug(note["link"]["page"]).path, query_params=note["link"]["query"])
        if not note["read"] and actions.button(t("inbox.mark_read"), key=f"inbox_read_{nid}"):
            try:
                mark_read(ctx.engine, actor=ctx.actor, notification_id=nid)
                st.rerun()
            except DomainError as exc:
                show_error(exc)
