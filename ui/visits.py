"""Home's "since your last visit" box: the previous visit is read once per browser session and programme."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from services.notifications import begin_visit, since
from ui.i18n import t

_VISITS_KEY = "home_previous_visit"  # programme id -> ISO time of the visit before this session ("" first)


def previous_visit(ctx) -> datetime | None:
    """When ``ctx.actor`` last opened this programme before the current session (``None``: never).

    The visit is recorded on the first Home run of a session, so reruns and later pages keep
    showing what was new when the user arrived."""
    seen: dict[int, str] = st.session_state.setdefault(_VISITS_KEY, {})
    if ctx.program_id not in seen:
        previous = begin_visit(ctx.engine, actor=ctx.actor, program_id=ctx.program_id)
        seen[ctx.program_id] = previous.isoformat() if previous else ""
    stamp = seen[ctx.program_id]
    return datetime.fromisoformat(stamp) if stamp else None


def since_last_visit(ctx) -> None:
    """The box: last visit time, other people's changes and the user's notifications by kind."""
    after = previous_visit(ctx)
    with st.container(border=True, key="home_since"):
        st.markdown(f"**{t('home.since.title')}**")
        if after is None:  # a first visit: everything is new, counting it says nothing
            st.caption(t("home.since.first"))
            return
        st.caption(t("home.since.when", when=after.strftime("%Y-%m-%d %H:%M") + " UTC"))
        news = since(ctx.engine, actor=ctx.actor, program_id=ctx.program_id, after=after)
        total = sum(news["notifications"].values())
        if not total and not news["changes"]:
            st.write(t("home.since.nothing"))
            return
        if news["changes"]:
            st.write(t("home.since.changes", count=news["changes"]))
        if total:
            st.write(t("home.since.notifications", count=total))
            st.markdown("\n".join(f"- {t('home.since.kind', kind=t(f'inbox.kind.{kind}'), n=n)}"
                                  for kind, n in sorted(news["notifications"].items())))
            st.page_link("pages/inbox.py", label=t("home.since.inbox"), icon=":material/inbox:")
