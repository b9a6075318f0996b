"""CoStandard entry point: login gate, language switch, programme picker, navigation."""

from __future__ import annotations

import streamlit as st

from services.errors import DomainError
from services.i18n import LANGS
from services.notifications import unread_count
from services.programs import list_programs
from services.users import authenticate, demo_accounts_active
from ui.context import PROGRAM_KEY, current_actor, get_engine, sign_in, sign_out
from ui.i18n import current_lang, enum_label, t
from ui.nav import pages_for

st.set_page_config(page_title="CoStandard", page_icon=":material/handshake:", layout="wide")
current_lang()
st.sidebar.selectbox(
    t("sidebar.language"), LANGS, key="lang", format_func=lambda code: {"zh": "中文", "en": "English"}[code]
)
engine = get_engine()


def login_page() -> None:
    st.title(t("login.title"))
    st.caption(t("login.subtitle"))
    with st.form("login_form"):
        username = st.text_input(t("login.username"), key="login_username")
        password = st.text_input(t("login.password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login.submit"), type="primary", key="login_submit")
    if submitted:
        actor = authenticate(engine, username=username, password=password)
        if actor is None:
            st.error(t("login.failed"))
        else:
            sign_in(actor)
            st.rerun()
    if demo_accounts_active(engine):
        st.info(t("login.demo_hint"))
        st.table({
            t("login.demo_user"): ["admin", "lead", "faculty", "mentor"],
            t("login.demo_role"): [enum_label("role", r) for r in ("admin", "lead", "faculty", "mentor")],
            t("login.password"): ["demo"] * 4,
        })


actor = current_actor()
if actor is None:
    st.navigation([st.Page(login_page, title=t("login.title"), url_path="login", icon=":material/login:")],
                  position="hidden").run()
    st.stop()

with st.sidebar:
    st.markdown(f"**{actor.display_name}**  \n{enum_label('role', actor.role)} · {enum_label('side', actor.side)}")
    unread = unread_count(engine, actor=actor)
    if unread:
        st.caption(t("sidebar.unread", n=unread))
    try:
        programs = list_programs(engine)
    except DomainError as exc:
        programs = []
        st.error(str(exc))
    if programs:
        ids = [p["id"] for p in programs]
        if st.session_state.get(PROGRAM_KEY) not in ids:
            st.session_state[PROGRAM_KEY] = ids[0]
        names = {p["id"]: f"{p['name']}（{p['code']}）" for p in programs}
        st.selectbox(t("sidebar.program"), ids, key=PROGRAM_KEY, format_func=names.__getitem__)
    if st.button(t("sidebar.logout"), key="logout", icon=":material/logout:"):
        sign_out()
        st.rerun()

sections: dict[str, list] = {}
for spec in pages_for(actor.role):
    page = st.Page(spec.path, title=t(spec.title_key), icon=spec.icon, url_path=spec.slug,
                   default=spec.slug == "home")
    sections.setdefault(t(spec.section), []).append(page)
st.navigation(sections).run()
