"""CoStandard entry point: language switch, login check, programme picker, navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from sqlalchemy.engine import Engine

from services.errors import DomainError
from services.i18n import LANGS
from services.notifications import unread_count
from services.programs import list_programs
from ui.auth import ENTRY_KEY, keep_cookie, log_out, restore_login
from ui.context import PROGRAM_KEY, get_engine
from ui.i18n import current_lang, enum_label, error_text, remember_lang, t, tm
from ui.links import follow_link, keep_link
from ui.nav import PAGES
from ui.outage import outage_guard, restore_kept_input
from ui.safe import md_escape

# a local file: a ":material/…:" page icon makes every browser fetch it from fonts.gstatic.com
FAVICON = Path(__file__).resolve().parent / "ui" / "assets" / "favicon.png"
st.set_page_config(page_title="CoStandard", page_icon=str(FAVICON), layout="wide")
restore_kept_input()  # after an outage: what the user typed, back into the widgets before any is drawn
current_lang()
st.sidebar.selectbox(
    t("sidebar.language"), LANGS, key="lang", format_func=lambda code: {"zh": "中文", "en": "English"}[code]
)
with st.sidebar:
    remember_lang()  # a reload, a link or the next visit keep the language


def page_of(spec, *, visible: bool) -> st.Page:
    return st.Page(spec.path, title=t(spec.title_key), icon=spec.icon, url_path=spec.slug,
                   default=spec.slug == "home", visibility="visible" if visible else "hidden")


def frame_and_page(engine: Engine) -> None:
    """The login check, the sidebar and the chosen page (one run)."""
    actor = restore_login(engine)  # every run: the account's current role and active flag, or logged out
    st.session_state[ENTRY_KEY] = True  # the page's page_setup need not check again
    if actor is None:
        # every page answers an anonymous visitor with the login form, on the URL they asked for
        st.navigation([page_of(spec, visible=False) for spec in PAGES], position="hidden").run()
        st.stop()

    with st.sidebar:
        st.markdown(f"**{md_escape(actor.display_name)}**  \n"
                    f"{enum_label('role', actor.role)} · {enum_label('side', actor.side)}")
        unread = unread_count(engine, actor=actor)
        if unread:
            st.caption(tm("sidebar.unread", n=unread))
        try:
            programs = list_programs(engine)
        except DomainError as exc:
            programs = []
            st.error(error_text(exc))
        if programs:
            ids = [p["id"] for p in programs]
            codes = {p["id"]: p["code"] for p in programs}
            follow_link("program", PROGRAM_KEY, {code: pid for pid, code in codes.items()})
            if st.session_state.get(PROGRAM_KEY) not in ids:
                st.session_state[PROGRAM_KEY] = ids[0]
            names = {p["id"]: t("format.name_code", name=p["name"], code=p["code"]) for p in programs}
            program_id = st.selectbox(t("sidebar.program"), ids, key=PROGRAM_KEY, format_func=names.__getitem__)
            keep_link("program", PROGRAM_KEY, codes[program_id])
        if st.button(t("sidebar.logout"), key="logout", icon=":material/logout:"):
            log_out(engine)
            st.rerun()
        keep_cookie()

    # every page is registered (a link to a page the role may not open gets a message, not Home); the menu shows
    # only the role's pages
    sections: dict[str, list] = {}
    for spec in PAGES:
        sections.setdefault(t(spec.section), []).append(page_of(spec, visible=actor.role in spec.roles))
    st.navigation(sections, expanded=True).run()  # every page listed (the default folds all past the tenth)


# a database outage anywhere in the frame or the page: one message, the user's input kept, recovery by itself
with outage_guard():
    frame_and_page(get_engine())
