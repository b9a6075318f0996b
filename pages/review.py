"""Review queue: alignments waiting for this side's decision and comments waiting for an answer."""

import streamlit as st

from services.alignments import decide_alignment, review_queue
from services.comments import reply
from services.errors import DomainError
from ui.context import page_setup
from ui.i18n import enum_label, show_error, t
from ui.widgets import clear_next_run, fresh_text

ctx = page_setup()
st.title(t("review.title"))

queue = review_queue(ctx.engine, actor=ctx.actor, program_id=ctx.program_id)
m1, m2 = st.columns(2)
m1.metric(t("review.count.alignments"), queue["counts"]["alignments"])
m2.metric(t("review.count.comments"), queue["counts"]["comments"])


st.subheader(t("review.alignments"))
if not queue["alignments"]:
    st.info(t("review.no_alignments"))
for a in queue["alignments"]:
    aid = a["id"]
    with st.container(border=True):
        target = a["target_label"] or t(f"review.target.{a['target_type']}")
        st.markdown(t("review.alignment_line", course=a["course_code"], target=target, code=a["code"],
                      statement=a["statement"], level=a["level"], side=enum_label("side", a["proposed_side"]),
                      who=a["proposed_by"] or "—", coverage=a["coverage_level"]))
        with st.form(f"review_form_{aid}"):
            reason = st.text_input(t("review.reason"), key=f"review_reason_{aid}")
            c1, c2 = st.columns(2)
            accept = c1.form_submit_button(t("review.accept"), key=f"review_accept_{aid}", type="primary")
            rejected = c2.form_submit_button(t("review.reject"), key=f"review_reject_{aid}")
        if accept or rejected:
            if rejected and not reason.strip():
                st.error(t("review.reason_required"))
            else:
                try:
                    decide_alignment(ctx.engine, actor=ctx.actor, alignment_id=aid, expected_version=a["version"],
                                     decision="accept" if accept else "reject", reason=reason)
                    st.toast(t("review.decided"))
                    st.rerun()
                except DomainError as exc:
                    show_error(exc)

st.subheader(t("review.comments"))
if not queue["comments"]:
    st.info(t("review.no_comments"))
for th in queue["comments"]:
    cid = th["id"]
    with st.container(border=True):
        where = t(f"review.target.{th['entity_type']}")
        st.markdown(f"**{where}** · **{th['author']}** ({enum_label('side', th['author_side'])}): {th['body']}")
        for r in th["replies"]:
            st.markdown(f"↳ **{r['author']}**: {r['body']}")
        with st.form(f"review_reply_form_{cid}"):
            text = st.text_input(t("review.reply"), key=fresh_text(f"review_reply_{cid}"))
            if st.form_submit_button(t("review.send"), key=f"review_send_{cid}"):
                try:
                    reply(ctx.engine, actor=ctx.actor, comment_id=cid, body=text)
                    clear_next_run(f"review_reply_{cid}")
                    st.toast(t("review.replied"))
                    st.rerun()
                except DomainError as exc:
                    show_error(exc)
