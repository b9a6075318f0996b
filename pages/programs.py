"""Programmes: list with counts, create, edit (admins and programme leads)."""

import pandas as pd
import streamlit as st

from services.errors import DomainError
from services.i18n import LANGS
from services.programs import create_program, get_program, list_programs, update_program
from ui.context import PROGRAM_KEY, page_setup
from ui.i18n import enum_format, error_lines, show_error, t, tm
from ui.widgets import flash_toast

ctx = page_setup()
st.title(t("programs.title"))
lang_names = enum_format("language")

programs = list_programs(ctx.engine)
if programs:
    st.dataframe(pd.DataFrame([{
        t("field.code"): p["code"], t("field.name"): p["name"], t("field.language"): lang_names(p["language"]),
        t("field.competencies"): p["competencies"], t("field.courses"): p["courses"],
        t("field.alignments"): p["alignments"],
    } for p in programs]), hide_index=True, width="stretch", key="programs_table")
else:
    st.info(t("program.none_yet"))

if ctx.program_id is not None:
    program = get_program(ctx.engine, program_id=st.session_state.get(PROGRAM_KEY) or programs[0]["id"])
    if st.session_state.get("program_edit_for") != program["id"]:  # fresh form values for a new programme
        for key in [k for k in st.session_state if str(k).startswith("program_edit_")]:
            del st.session_state[key]
        st.session_state["program_edit_for"] = program["id"]
    with st.form("program_edit"):
        st.markdown(f"**{tm('programs.edit', code=program['code'])}**")
        name = st.text_input(t("field.name"), program["name"], key="program_edit_name")
        language = st.selectbox(t("field.language"), LANGS, index=LANGS.index(program["language"]),
                                key="program_edit_language", format_func=lang_names)
        description = st.text_area(t("field.description"), program["description"], key="program_edit_description")
        if st.form_submit_button(t("action.save"), type="primary", key="program_edit_save"):
            changes = {k: v for k, v in {"name": name, "language": language, "description": description}.items()
                       if v != program[k]}
            try:
                update_program(ctx.engine, actor=ctx.actor, program_id=program["id"],
                               expected_version=program["version"], changes=changes)
                flash_toast("saved")
                st.rerun()
            except DomainError as exc:
                show_error(exc)



def _create() -> None:
    """Runs before the next run draws the sidebar, so the new programme can become the chosen one."""
    try:
        created = create_program(ctx.engine, actor=ctx.actor, code=st.session_state["program_add_code"],
                                 name=st.session_state["program_add_name"],
                                 language=st.session_state["program_add_language"],
                                 description=st.session_state["program_add_description"])
    except DomainError as exc:
        st.session_state["program_add_errors"] = error_lines(exc)
    else:
        st.session_state[PROGRAM_KEY] = created["id"]
        flash_toast("program.created", code=created["code"])


with st.expander(t("programs.add"), expanded=not programs):
    with st.form("program_add"):
        c1, c2, c3 = st.columns([1, 2, 1])
        c1.text_input(t("field.code"), key="program_add_code")
        c2.text_input(t("field.name"), key="program_add_name")
        c3.selectbox(t("field.language"), LANGS, key="program_add_language", format_func=lang_names)
        st.text_area(t("field.description"), key="program_add_description")
        st.form_submit_button(t("action.add"), key="program_add_submit", on_click=_create)
    for line in st.session_state.pop("program_add_errors", []):
        st.error(line)
