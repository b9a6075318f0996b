"""Users: accounts, roles and sides (admins only)."""

import pandas as pd
import streamlit as st

from models import ROLES, SIDES
from services.errors import DomainError
from services.users import create_user, list_users, set_password, update_user
from ui.context import page_setup
from ui.i18n import enum_format, enum_label, error_text, t
from ui.links import follow_link, keep_link
from ui.widgets import flash_toast

ctx = page_setup()
st.title(t("users.title"))

users = list_users(ctx.engine, actor=ctx.actor)
st.dataframe(pd.DataFrame([{
    t("field.username"): u["username"], t("field.display_name"): u["display_name"],
    t("field.role"): enum_label("role", u["role"]), t("field.side"): enum_label("side", u["side"]),
    t("field.organisation"): u["organisation"], t("field.email"): u["email"], t("field.active"): u["is_active"],
} for u in users]), hide_index=True, width="stretch", key="users_table")

by_id = {u["id"]: u for u in users}
follow_link("user", "users_selected", {u["username"]: u["id"] for u in users})
user_id = st.selectbox(t("users.select"), list(by_id), key="users_selected",
                       format_func=lambda i: f"{by_id[i]['username']} · {by_id[i]['display_name']}")
user = by_id[user_id]
keep_link("user", "users_selected", user["username"])
if st.session_state.get("user_edit_for") != user_id:  # fresh form values for a newly chosen user
    for key in [k for k in st.session_state if str(k).startswith("user_edit_")]:
        del st.session_state[key]
    st.session_state["user_edit_for"] = user_id
with st.form("user_edit"):
    c1, c2, c3 = st.columns(3)
    display_name = c1.text_input(t("field.display_name"), user["display_name"], key="user_edit_name")
    role = c2.selectbox(t("field.role"), ROLES, index=ROLES.index(user["role"]), key="user_edit_role",
                        format_func=enum_format("role"))
    side = c3.selectbox(t("field.side"), SIDES, index=SIDES.index(user["side"]), key="user_edit_side",
                        format_func=enum_format("side"))
    email = st.text_input(t("field.email"), user["email"], key="user_edit_email", help=t("users.email_help"))
    active = st.checkbox(t("field.active"), user["is_active"], key="user_edit_active")
    new_password = st.text_input(t("users.new_password"), type="password", key="user_edit_password")
    if st.form_submit_button(t("action.save"), type="primary", key="user_edit_save"):
        changes = {k: v for k, v in {"display_name": display_name, "role": role, "side": side,
                                     "email": email, "is_active": active}.items() if v != user[k]}
        try:
            if changes:
                update_user(ctx.engine, actor=ctx.actor, user_id=user_id, expected_version=user["version"],
                            changes=changes)
            if new_password:
                set_password(ctx.engine, actor=ctx.actor, user_id=user_id, password=new_password)
            flash_toast("saved")
            st.rerun()
        except DomainError as exc:
            st.error(error_text(exc))

with st.expander(t("users.add")), st.form("user_add"):
    c1, c2 = st.columns(2)
    username = c1.text_input(t("field.username"), key="user_add_username")
    display_name = c2.text_input(t("field.display_name"), key="user_add_name")
    c3, c4, c5 = st.columns(3)
    role = c3.selectbox(t("field.role"), ROLES, key="user_add_role", format_func=enum_format("role"))
    side = c4.selectbox(t("field.side"), SIDES, key="user_add_side", format_func=enum_format("side"))
    organisation = c5.text_input(t("field.organisation"), key="user_add_org")
    email = st.text_input(t("field.email"), key="user_add_email", help=t("users.email_help"))
    password = st.text_input(t("login.password"), type="password", key="user_add_password")
    if st.form_submit_button(t("action.add"), key="user_add_submit"):
        try:
            create_user(ctx.engine, actor=ctx.actor, username=username, display_name=display_name, role=role,
                        side=side, password=password, organisation=organisation, email=email)
            flash_toast("saved")
            st.rerun()
        except DomainError as exc:
            st.error(error_text(exc))
