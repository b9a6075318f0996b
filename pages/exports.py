"""Exports: every file of the current programme in one place; backup and restore for admins."""

import streamlit as st

from services import exports
from services.courses import list_courses
from services.exports import MARK_SCHEMES
from services.i18n import LANGS
from services.permissions import can
from services.programs import get_program
from ui.context import page_setup
from ui.exports import issues_table, key_format, prepare_and_download, restore_report_table
from ui.i18n import t, tm
from ui.links import follow_link, keep_link

ctx = page_setup()
st.title(t("exports.title"))
program = get_program(ctx.engine, program_id=ctx.program_id)
st.caption(tm("exports.page.caption", name=program["name"], code=program["code"]))
lang = st.selectbox(t("exports.page.lang"), LANGS, index=LANGS.index(ctx.lang), key="export_lang",
                    format_func=key_format("exports.page.lang."))
common = {"actor": ctx.actor, "lang": lang}

st.subheader(t("exports.page.standard.title"))
courses = list_courses(ctx.engine, program_id=ctx.program_id)
courses = courses[courses["standard_status"].fillna("") != ""]
if courses.empty:
    st.info(t("exports.page.standard.none"))
else:
    names = dict(zip(courses["code"], courses["code"] + " " + courses["name"], strict=True))
    s1, s2 = st.columns([3, 1])
    follow_link("course", "export_standard_course", {code: code for code in names})
    course_code = s1.selectbox(t("exports.page.standard.course"), list(names), key="export_standard_course",
                               format_func=names.__getitem__)
    keep_link("course", "export_standard_course", course_code)
    fmt = s2.selectbox(t("exports.page.format"), ("docx", "xlsx"), key="export_standard_format")
    writer = exports.export_standard_docx if fmt == "docx" else exports.export_standard_xlsx

    def build_standard(progress):
        standard_id = exports.current_standard_id(ctx.engine, program_code=program["code"], course_code=course_code)
        return writer(ctx.engine, standard_id=standard_id, progress=progress, **common)

    prepare_and_download("standard", (ctx.program_id, course_code, fmt, lang), build_standard)

st.subheader(t("exports.page.matrix.title"))
m1, m2 = st.columns([3, 1])
marks = m1.selectbox(t("exports.page.matrix.marks"), tuple(MARK_SCHEMES), key="export_matrix_marks",
                     format_func=key_format("exports.page.marks."))
confirmed = m2.checkbox(t("exports.page.confirmed_only"), key="export_matrix_confirmed")
prepare_and_download("matrix", (ctx.program_id, marks, confirmed, lang), lambda progress: exports.export_matrix_xlsx(
    ctx.engine, program_id=ctx.program_id, marks=marks, confirmed_only=confirmed, progress=progress, **common))

st.subheader(t("exports.page.gaps.title"))
gaps_confirmed = st.checkbox(t("exports.page.confirmed_only"), key="export_gaps_confirmed")
prepare_and_download("gaps", (ctx.program_id, gaps_confirmed, lang), lambda progress: exports.export_gaps_xlsx(
    ctx.engine, program_id=ctx.program_id, confirmed_only=gaps_confirmed, progress=progress, **common))

st.subheader(t("exports.page.interchange.title"))
st.caption(t("exports.page.interchange.caption"))
for name, label_key, exporter in (("moodle", "exports.page.moodle", exports.export_moodle_csv),
                                  ("case", "exports.page.case", exports.export_case_json),
                                  ("opensalt", "exports.page.opensalt", exports.export_opensalt_xlsx)):
    st.markdown(f"**{t(label_key)}**")
    prepare_and_download(name, (ctx.program_id, lang), lambda progress, exporter=exporter: exporter(
        ctx.engine, program_id=ctx.program_id, progress=progress, **common))

if can(ctx.actor, "backup.run"):
    st.divider()
    st.subheader(t("exports.page.backup.title"))
    b1, b2, b3 = st.columns(3)
    scope = b1.radio(t("exports.page.backup.scope"), ("program", "database"), key="export_backup_scope",
                     format_func=key_format("exports.page.backup.scope."))
    backup_fmt = b2.radio(t("exports.page.format"), ("json", "zip"), key="export_backup_format")
    hashes = b3.checkbox(t("exports.page.backup.hashes"), key="export_backup_hashes",
                         help=t("exports.page.backup.hashes_help"))
    backup_program = ctx.program_id if scope == "program" else None
    prepare_and_download("backup", (backup_program, backup_fmt, hashes), lambda progress: exports.export_backup(
        ctx.engine, actor=ctx.actor, program_id=backup_program, fmt=backup_fmt, include_password_hashes=hashes,
        progress=progress))

    st.subheader(t("exports.page.restore.title"))
    upload = st.file_uploader(t("exports.page.restore.file"), type=["json", "zip"], key="export_restore_file")
    merge = st.checkbox(t("exports.page.restore.merge"), key="export_restore_merge",
                        help=t("exports.page.restore.merge_help"))
    if upload is None:
        st.session_state.pop("export_restore_preview", None)
    else:
        options = (upload.file_id, merge)
        if st.button(t("exports.page.restore.preview"), key="export_restore_preview_button"):
            report = exports.restore_backup(ctx.engine, actor=ctx.actor, data=upload.getvalue(), merge=merge,
                                            dry_run=True, lang=ctx.lang)
            st.session_state["export_restore_preview"] = (options, report.to_json())
        preview = st.session_state.get("export_restore_preview")
        if preview is not None and preview[0] == options:
            data = preview[1]
            st.markdown(tm("exports.page.restore.preview_of", programs=", ".join(data["programs"]) or "—"))
            st.dataframe(restore_report_table(data), hide_index=True, key="export_restore_table")
            if data["warnings"]:
                st.warning(tm("exports.page.restore.warnings", count=len(data["warnings"])))
                st.dataframe(issues_table(data["warnings"]), hide_index=True, key="export_restore_warnings")
            if data["errors"]:
                st.error(tm("exports.page.restore.rejected", count=len(data["errors"])))
                st.dataframe(issues_table(data["errors"]), hide_index=True, key="export_restore_errors")
            elif st.button(t("exports.page.restore.confirm"), type="primary", key="export_restore_confirm"):
                report = exports.restore_backup(ctx.engine, actor=ctx.actor, data=upload.getvalue(), merge=merge,
                                                lang=ctx.lang)
                st.session_state.pop("export_restore_preview", None)
                if report.ok:
                    st.success(tm("exports.page.restore.done", programs=", ".join(report.programs) or "—"))
                else:
                    st.error(tm("exports.page.restore.rejected", count=len(report.errors)))
                    st.dataframe(issues_table(report.errors), hide_index=True, key="export_restore_failed")
