"""Import: upload → detected kind, sheet and mapping (editable) → preview → commit with progress → report."""

import pandas as pd
import streamlit as st

from services.errors import DomainError
from services.importing import SCHEME_NAMES, analyse, commit, list_imports, view
from services.importing.templates import TEMPLATE_KINDS, template_workbook
from services.programs import get_program
from ui.context import page_setup
from ui.i18n import error_text, t, tm
from ui.import_docx import docx_panel, is_docx
from ui.import_reading import reading_panel

ctx = page_setup()
st.title(t("import.title"))
program = get_program(ctx.engine, program_id=ctx.program_id)
st.caption(tm("import.page.intro", program=t("format.name_code", name=program["name"], code=program["code"])))
# an option overrides what analyse() detected; a coarser choice resets the finer ones below it
RESETS = {"kind": ("sheet", "header_row", "mapping", "marks", "row_roles", "split_cells"),
          "sheet": ("header_row", "mapping", "row_roles", "split_cells"),
          "header_row": ("mapping", "row_roles", "split_cells"), "marks": (), "replace_alignments": ()}


def choose(option: str, key: str) -> None:
    """Widget callback: record the user's choice and forget the finer choices it invalidates."""
    options = st.session_state.setdefault("import_options", {})
    options[option] = st.session_state[key]
    for finer in RESETS[option]:
        options.pop(finer, None)
        st.session_state.pop(f"import_{finer}", None)


def lbl(group: str):
    return lambda value: view.label(group, value, ctx.lang)


with st.expander(t("import.page.templates"), icon=":material/download:"):
    st.caption(t("import.page.templates_hint"))
    cols = st.columns(len(TEMPLATE_KINDS))
    for col, kind in zip(cols, TEMPLATE_KINDS, strict=True):
        col.download_button(view.label("kind", kind, ctx.lang), template_workbook(kind),
                            file_name=f"costandard_{kind}_template.xlsx", key=f"import_template_{kind}",
                            icon=":material/table_view:", mime=view.XLSX_MIME)

uploaded = st.file_uploader(t("import.page.upload"), key="import_file", help=t("import.page.upload_help", mb=st.get_option("server.maxUploadSize")),
                            type=["xlsx", "xlsm", "xls", "ods", "csv", "tsv", "txt", "json", "docx", "docm", "doc"])
if uploaded is not None and st.session_state.get("import_upload", {}).get("id") != uploaded.file_id:
    st.session_state["import_upload"] = {"id": uploaded.file_id, "name": uploaded.name, "data": uploaded.getvalue()}
    st.session_state["import_options"] = {}
    for name in (*RESETS, "mapping", "skip_invalid", "row_roles", "split_cells", "docx_course", "docx_create",
                 "docx_remove", "docx_confirm"):
        st.session_state.pop(f"import_{name}", None)
upload = st.session_state.get("import_upload") if uploaded is not None else None
report = st.session_state.get("import_report")

if upload and is_docx(upload["name"]):  # a 课程标准 in Word: its own preview and confirmation
    docx_panel(ctx, program, upload)
elif upload and report and report["upload"] == upload["id"]:
    st.subheader(t("import.page.report"))
    if report["ok"]:
        st.success(tm("import.page.done", created=view.total(report["counts"], "created"),
                     updated=view.total(report["counts"], "updated")))
    else:
        st.error(t("import.page.rejected"))
    st.dataframe(pd.DataFrame(view.count_rows(report["counts"], ctx.lang)), hide_index=True,
                 key="import_report_counts")
    links = view.report_pages(report["counts"])
    if links:
        st.caption(t("import.page.see_imported"))
    for path, title_key, icon in links:
        st.page_link(path, label=t(title_key), icon=icon)
    if report["invalid"]:
        st.warning(tm("import.page.invalid_rows", count=report["invalid_count"]))
        st.download_button(t("import.page.download_invalid"), report["invalid"], key="import_invalid_download",
                           file_name=f"{upload['name'].rsplit('.', 1)[0]}.invalid.xlsx", mime=view.XLSX_MIME,
                           icon=":material/download:")
elif upload:
    options = st.session_state.setdefault("import_options", {})
    # analysing a large workbook takes seconds: keep one preview (plain dataclasses, no ORM rows) per file+options
    cache_key = view.options_key(upload["data"], {**options, "upload": upload["id"]}, program["code"], ctx.lang)
    if st.session_state.get("import_preview", {}).get("key") != cache_key:
        with st.spinner(t("import.page.analysing")):
            st.session_state["import_preview"] = {"key": cache_key, "preview": analyse(
                upload["data"], upload["name"], engine=ctx.engine, program_code=program["code"], lang=ctx.lang,
                **options)}
    preview = st.session_state["import_preview"]["preview"]
    data = preview.to_dict()
    st.subheader(t("import.page.settings"))
    c1, c2, c3 = st.columns(3)
    kinds = data["kinds"]
    c1.selectbox(t("import.page.kind"), kinds, index=kinds.index(data["kind"]) if data["kind"] in kinds else None,
                 key="import_kind", format_func=lbl("kind"), on_change=choose, args=("kind", "import_kind"),
                 placeholder=t("import.page.kind_unknown"))
    if data["kind_candidates"]:
        best = data["kind_candidates"][0]
        c1.caption(tm("import.page.detected", kind=view.label("kind", best["kind"], ctx.lang),
                     score=f"{best['score']:.0%}"))
    sheets = {s["name"]: s for s in data["sheets"]}
    if sheets:
        c2.selectbox(t("import.page.sheet"), list(sheets), key="import_sheet",
                     index=list(sheets).index(data["sheet"]) if data["sheet"] in sheets else None,
                     placeholder=t("import.page.all_sheets"), on_change=choose, args=("sheet", "import_sheet"),
                     format_func=lambda n: view.sheet_label(sheets[n], ctx.lang))
    if data["header_row"]:
        rows = max((s["rows"] for s in data["sheets"]), default=1)
        c3.number_input(t("import.page.header_row"), 1, max(rows, 1), int(data["header_row"]), key="import_header_row",
                        on_change=choose, args=("header_row", "import_header_row"))
    if data["kind"] == "matrix":
        m1, m2 = st.columns(2)
        scheme = data["mark_scheme"] if isinstance(data["mark_scheme"], str) else None
        if scheme is None:
            m1.warning(t("import.page.marks_ambiguous"))
        m1.selectbox(t("import.page.marks"), list(SCHEME_NAMES), key="import_marks", format_func=lbl("marks"),
                     index=SCHEME_NAMES.index(scheme) if scheme in SCHEME_NAMES else None,
                     on_change=choose, args=("marks", "import_marks"), placeholder=t("import.page.marks_choose"))
        m2.checkbox(t("import.page.replace_alignments"), key="import_replace_alignments",
                    value=bool(options.get("replace_alignments")), help=t("import.page.replace_alignments_help"),
                    on_change=choose, args=("replace_alignments", "import_replace_alignments"))
    if data["columns"]:
        with st.expander(t("import.page.mapping"), expanded=not data["ok"]):
            choices = view.field_choices(data["fields"], data["kind"], ctx.lang)
            edited = st.data_editor(
                pd.DataFrame(view.mapping_rows(data["columns"], ctx.lang)), key="import_mapping", hide_index=True,
                disabled=["letter", "header"], width="stretch",
                column_config={"letter": st.column_config.TextColumn(t("import.page.col.column")),
                               "header": st.column_config.TextColumn(t("import.page.col.header")),
                               "field": st.column_config.SelectboxColumn(t("import.page.col.field"),
                                                                         options=list(choices), required=True)})
            changed = view.mapping_changes(data["columns"], list(edited["field"]), choices)
            if changed:
                options["mapping"] = {**(options.get("mapping") or {}), **changed}
                st.session_state.pop("import_mapping", None)
                st.rerun()
            sample = view.sample_rows(sheets.get(data["sheet"] or "", {}), data["columns"])
            if sample:
                st.caption(t("import.page.sample"))
                st.dataframe(pd.DataFrame(sample), hide_index=True, key="import_sample")

    reading_panel(data, options, ctx.lang)

    st.subheader(t("import.page.preview"))
    m = st.columns(4)
    for col, action in zip(m, ("created", "updated", "unchanged", "not_in_file"), strict=True):
        col.metric(view.label("action", action, ctx.lang), view.total(data["counts"], action))
    if view.total(data["counts"], "not_in_file"):
        st.caption(t("import.page.not_in_file_hint"))
    counts = view.count_rows(data["counts"], ctx.lang)
    if counts:
        st.dataframe(pd.DataFrame(counts), hide_index=True, key="import_counts")
    if weights := data["info"].get("skill_weights"):  # a 国家职业技能标准's 比重表, replacing its source's
        st.caption(tm("import.page.weights", role=weights["job_role"], cells=weights["cells"],
                      levels=" / ".join(dict.fromkeys(weights["theory"] + weights["skill"]))))
    if data["errors"]:
        st.error(tm("import.page.errors", count=data["error_count"]))
        st.dataframe(pd.DataFrame(view.issue_rows(data["errors"], ctx.lang)), hide_index=True, width="stretch",
                     key="import_errors")
    if data["warnings"]:
        with st.expander(tm("import.page.warnings", count=data["warning_count"])):
            st.dataframe(pd.DataFrame(view.issue_rows(data["warnings"], ctx.lang)), hide_index=True,
                         width="stretch", key="import_warnings")
    changes = view.change_rows(data["changes"], ctx.lang)
    if changes:
        with st.expander(tm("import.page.changes", count=len(changes))):
            st.dataframe(pd.DataFrame(changes), hide_index=True, width="stretch", key="import_changes")

    skip = st.checkbox(t("import.page.skip_invalid"), key="import_skip_invalid", help=t("import.page.skip_help"),
                       disabled=data["fatal"] or not data["error_count"])
    blocked = data["fatal"] or (data["error_count"] > 0 and not skip)
    if st.button(t("import.page.commit"), type="primary", key="import_commit", disabled=blocked,
                 icon=":material/upload:"):
        bar = st.progress(0.0, text=t("import.page.starting"))
        try:
            result = commit(ctx.engine, actor=ctx.actor, preview=preview, skip_invalid=skip,
                            progress_callback=lambda fraction, message: bar.progress(min(max(fraction, 0.0), 1.0),
                                                                                     text=message))
            st.session_state.pop("import_preview", None)  # planned against the database before this import
            st.session_state["import_report"] = {"upload": upload["id"], "ok": result.ok, "counts": result.counts,
                                                 "invalid": result.invalid_rows_xlsx,
                                                 "invalid_count": result.invalid_row_count}
            st.rerun()
        except DomainError as exc:
            st.error(t(exc.key) if exc.key.startswith("import.") else error_text(exc))

st.subheader(t("import.page.history"))
history = view.history_rows(list_imports(ctx.engine, program_id=ctx.program_id, limit=50), ctx.lang)
if history:
    st.dataframe(pd.DataFrame(history), hide_index=True, width="stretch", key="import_history")
else:
    st.info(t("import.page.no_history"))
