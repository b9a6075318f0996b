"""Review queue: what waits for this side, grouped by course standard; alignments decided one by one or in a batch."""

import streamlit as st

from services.comments import reply
from services.errors import DomainError
from services.review_queue import ITEM_KINDS, decide_alignments, queue_groups
from ui.context import page_setup
from ui.i18n import enum_label, join_list, show_error, t, tm
from ui.outage import outage_guard
from ui.safe import md_escape
from ui.widgets import clear_next_run, flash_toast, fresh_text

ctx = page_setup()
st.title(t("review.title"))

everything = queue_groups(ctx.engine, actor=ctx.actor, program_id=ctx.program_id)
names = {c["id"]: f"{c['code']} {c['name']}" for c in everything["courses"]}
# enum filters are keyed per language: a select box keeps the labels it was first drawn with
f1, f2, f3, f4 = st.columns([2, 1, 3, 1])
course_id = f1.selectbox(t("review.filter.course"), [None, *names], key=f"review_filter_course_{ctx.lang}",
                         format_func=lambda c: t("review.filter.all") if c is None else names[c])
side = f2.selectbox(t("review.filter.side"), [None, "school", "enterprise"], key=f"review_filter_side_{ctx.lang}",
                    format_func=lambda s: t("review.filter.all") if s is None else enum_label("side", s))
kinds = f3.multiselect(t("review.filter.kind"), ITEM_KINDS, default=list(ITEM_KINDS), key=f"review_filter_kind_{ctx.lang}",
                       format_func=lambda k: t(f"review.kind.{k}"))
min_age = f4.number_input(t("review.filter.age"), min_value=0, max_value=3650, value=0, step=1,
                          key="review_filter_age")


def _alignment_label(a: dict) -> str:
    kind = t(f"review.target.{a['target_type']}")
    return "  \n".join([
        tm("review.alignment.target", kind=kind, text=a["target_label"]) if a["target_label"] else f"**{kind}**",
        tm("review.alignment.competency", code=a["code"], statement=a["statement"], importance=a["importance"] or "—"),
        tm("review.alignment.meta", level=a["level"], who=a["proposed_by"] or "—",
          side=enum_label("side", a["proposed_side"]), age=a["age"], count=a["age"], coverage=a["coverage_level"]),
    ])


def _pick(ids: list[int], value: bool) -> None:
    for aid in ids:
        st.session_state[f"review_pick_{aid}"] = value


def _batch_form(group: dict, shown: set[int]) -> None:
    """One form per course: tick alignments (Tab / Space, or all at once), then accept or reject them together."""
    gid = group["course_id"]
    by_id = {a["id"]: a for a in group["alignments"]}
    st.button(t("review.batch.select_all", count=len(by_id)), key=f"review_all_{gid}", on_click=_pick,
              args=(list(by_id), True), icon=":material/select_all:")
    with st.form(f"review_batch_{gid}", border=False):
        for a in group["alignments"]:
            st.checkbox(_alignment_label(a), key=f"review_pick_{a['id']}")
        reason = st.text_input(t("review.batch.reason"), key=f"review_reason_{gid}")
        bar = st.container(horizontal=True)
        accept = bar.form_submit_button(t("review.batch.accept"), key=f"review_accept_{gid}", type="primary")
        rejected = bar.form_submit_button(t("review.batch.reject"), key=f"review_reject_{gid}")
    if not (accept or rejected):
        return
    picked = [{"id": aid, "version": a["version"]} for aid, a in by_id.items()
              if st.session_state.get(f"review_pick_{aid}")]
    if not picked:
        # ticked, then decided by someone else before this submit: the box is no longer in the queue
        gone = [k for k in list(st.session_state) if k.startswith("review_pick_") and st.session_state.get(k)
                and int(k.removeprefix("review_pick_")) not in shown]
        st.warning(t("review.batch.gone") if gone else t("review.batch.none"))
        for key in gone:
            st.session_state.pop(key, None)
        return
    try:
        result = decide_alignments(ctx.engine, actor=ctx.actor, items=picked, decision="accept" if accept else "reject",
                                   reason=reason, lang=ctx.lang)
    except DomainError as exc:
        show_error(exc)
        return
    for row in result["failed"]:
        a = by_id[row["id"]]
        st.error(tm("review.batch.failed", target=a["target_label"] or a["target_type"], code=a["code"],
                   message=row["message"]))
    if result["decided"]:
        flash_toast("review.batch.done", now=True, n=len(result["decided"]))  # failures shown: no rerun
        for aid in result["decided"]:
            st.session_state.pop(f"review_pick_{aid}", None)
        if not result["failed"]:
            st.rerun()


def _comment(th: dict) -> None:
    cid = th["id"]
    where = t(f"review.target.{th['entity_type']}")
    st.markdown(f"**{where}** · **{md_escape(th['author'])}** ({enum_label('side', th['author_side'])}): "
                f"{md_escape(th['body'])}")
    for r in th["replies"]:
        st.markdown(f"↳ **{md_escape(r['author'])}**: {md_escape(r['body'])}")
    with st.form(f"review_reply_form_{cid}", border=False):
        text = st.text_input(t("review.reply"), key=fresh_text(f"review_reply_{cid}"))
        if st.form_submit_button(t("review.send"), key=f"review_send_{cid}"):
            try:
                reply(ctx.engine, actor=ctx.actor, comment_id=cid, body=text)
                clear_next_run(f"review_reply_{cid}")
                flash_toast("review.replied")
                st.rerun()
            except DomainError as exc:
                show_error(exc)


@st.fragment
@outage_guard()  # a fragment rerun runs without app.py around it
def queue() -> None:
    """The counts and the groups: a decision reruns only this part of the page."""
    data = queue_groups(ctx.engine, actor=ctx.actor, program_id=ctx.program_id, course_id=course_id, side=side,
                        kinds=tuple(kinds), min_age_days=int(min_age))
    m1, m2, m3 = st.columns(3)
    m1.metric(t("review.count.alignments"), data["counts"]["alignment"])
    m2.metric(t("review.count.comments"), data["counts"]["comment"])
    m3.metric(t("review.count.signatures"), data["counts"]["signature"])
    if not data["groups"]:
        st.info(t("review.no_items"))
    shown = {a["id"] for group in data["groups"] for a in group["alignments"]}
    for group in data["groups"]:
        with st.container(border=True, key=f"review_group_{group['course_id']}"):
            status = enum_label("standard_status", group["status"]) if group["status"] else tm("review.no_standard")
            st.subheader(tm("review.group", code=group["course_code"], name=group["course_name"],
                           owners=join_list(group["owners"]) or "—", status=status), anchor=False)
            if group["alignments"]:
                _batch_form(group, shown)
            for sig in group["signatures"]:
                left, right = st.columns([5, 1], vertical_alignment="center")
                left.info(tm("review.signature.line", revision=sig["revision"]))
                right.page_link("pages/standards.py", label=t("review.signature.open"), icon=":material/draw:",
                                query_params={"course": group["course_code"]})
            for th in group["comments"]:
                _comment(th)


queue()
