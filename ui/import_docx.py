"""The Import page's Word path: a 课程标准 .docx → what was read, what was skipped, the diff, confirm, import.

Everything the document holds is shown as text (data frames, escaped messages), never as Markdown.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from services.errors import Conflict, DomainError
from services.i18n import translate
from services.importing import view
from services.importing.docx_import import ACTIONS, ENTITIES, analyse_docx, commit_docx
from services.importing.docx_standard import EXTENSIONS
from ui.i18n import error_text, t, tm

DIMENSIONS = ("knowledge", "skill", "quality")


def is_docx(filename: str) -> bool:
    """Whether an uploaded file goes the Word way (by its extension)."""
    return filename.lower().endswith(EXTENSIONS)


def _frame(rows: list[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([{t(label): "" if row.get(name) is None else str(row.get(name))
                          for name, label in columns.items()} for row in rows])


def _table(rows: list[dict[str, Any]], columns: dict[str, str], key: str) -> None:
    if rows:
        st.dataframe(_frame(rows, columns), hide_index=True, width="stretch", key=key)


def _reading(data: dict[str, Any]) -> None:
    reading = data["reading"]
    st.subheader(t("import.docx.page.read"))
    course = [{"field": t(f"import.docx.field.{k}"), "value": v} for k, v in reading["course"].items()]
    header = [{"field": t(f"import.docx.field.{k}"), "value": v} for k, v in reading["header"].items()]
    with st.expander(t("import.docx.page.course_fields"), expanded=True):
        _table(course, {"field": "import.docx.col.field", "value": "import.docx.col.value"}, "import_docx_course_fields")
    with st.expander(t("import.docx.page.header")):
        _table(header, {"field": "import.docx.col.field", "value": "import.docx.col.value"}, "import_docx_header")
    with st.expander(tm("import.docx.page.objectives") + f" ({len(reading['objectives'])})", expanded=True):
        for dimension in DIMENSIONS:
            rows = [o for o in reading["objectives"] if o["dimension"] == dimension]
            st.caption(t(f"import.docx.dimension.{dimension}") + f" · {len(rows)}")
            _table(rows, {"code": "import.docx.col.code", "text": "import.docx.col.text",
                          "where": "import.docx.col.where"}, f"import_docx_objectives_{dimension}")
    with st.expander(tm("import.docx.page.units") + f" ({len(reading['units'])})", expanded=True):
        _table(reading["units"], {"title": "import.docx.col.title", "content": "import.docx.col.content",
                                  "learning_tasks": "import.docx.col.tasks", "hours_theory": "import.docx.col.theory",
                                  "hours_practice": "import.docx.col.practice", "where": "import.docx.col.where",
                                  "row": "import.docx.col.row"}, "import_docx_units")
    with st.expander(tm("import.docx.page.assessment") + f" ({len(reading['assessment'])})", expanded=True):
        rows = [{**a, "category": t(f"import.docx.category.{a['category']}")} for a in reading["assessment"]]
        _table(rows, {"name": "import.docx.col.name", "category": "import.docx.col.category",
                      "weight": "import.docx.col.weight", "method": "import.docx.col.method",
                      "where": "import.docx.col.where", "row": "import.docx.col.row"}, "import_docx_assessment")
    with st.expander(tm("import.docx.page.skipped", count=len(reading["skipped"]))):
        _table(reading["skipped"], {"where": "import.docx.col.where", "row": "import.docx.col.row",
                                    "text": "import.docx.col.value", "reason": "import.docx.col.reason"},
               "import_docx_skipped")


def _diff(data: dict[str, Any], lang: str) -> None:
    st.subheader(t("import.docx.page.diff"))
    course, standard = data["course"] or {}, data["standard"]
    target = tm("import.docx.page.revision", revision=standard["revision"],
                status=translate(f"enum.standard_status.{standard['status']}", lang)) if standard \
        else t("import.docx.page.new_standard")
    st.caption(tm("import.docx.page.target", code=course.get("code") or data["options"].get("course_code") or "",
                  name=course.get("name", ""), standard=target))
    counts = [{"entity": t(f"import.docx.entity.{e}"), "action": view.label("action", a, lang), "count": n}
              for a in ACTIONS for e in ENTITIES if (n := data["counts"].get(a, {}).get(e, 0))]
    _table(counts, {"entity": "import.docx.col.entity", "action": "import.docx.col.action",
                    "count": "import.docx.col.count"}, "import_docx_counts")
    changes = [{**c, "field": t(f"import.docx.field.{c['field']}")} for c in data["diff"].get("header", [])]
    if changes and standard:
        st.caption(t("import.docx.page.header_changes"))
        _table(changes, {"field": "import.docx.col.field", "before": "import.docx.col.before",
                         "after": "import.docx.col.after"}, "import_docx_header_changes")


def docx_panel(ctx, program: dict[str, Any], upload: dict[str, Any]) -> None:
    """The whole Word import for one uploaded file; one service call per action."""
    st.caption(tm("import.docx.page.intro", kind=t("import.page.kind.standard-docx")))
    c1, c2 = st.columns(2)
    course_code = c1.text_input(t("import.docx.page.course"), key="import_docx_course",
                                help=t("import.docx.page.course_help")).strip()
    create = c2.checkbox(t("import.docx.page.create_course"), key="import_docx_create")
    remove = c2.checkbox(t("import.docx.page.remove_missing"), key="import_docx_remove",
                         help=t("import.docx.page.remove_missing_help"))
    key = (upload["id"], program["code"], ctx.lang, course_code, create, remove)
    cached = st.session_state.get("import_docx_preview")
    if cached is None or cached["key"] != key:
        st.session_state.pop("import_docx_confirm", None)  # a confirmation is for the diff that was shown
        cached = {"key": key, "preview": analyse_docx(upload["data"], upload["name"], engine=ctx.engine,
                                                      program_code=program["code"], lang=ctx.lang,
                                                      course_code=course_code or None, create_course=create,
                                                      remove_missing=remove)}
        st.session_state["import_docx_preview"] = cached
    preview = cached["preview"]
    data = preview.to_dict()
    if data["errors"]:
        st.error(tm("import.page.errors", count=len(data["errors"])))
        st.dataframe(pd.DataFrame(view.issue_rows(data["errors"], ctx.lang)), hide_index=True, width="stretch",
                     key="import_docx_errors")
    if data["warnings"]:
        with st.expander(tm("import.page.warnings", count=len(data["warnings"]))):
            st.dataframe(pd.DataFrame(view.issue_rows(data["warnings"], ctx.lang)), hide_index=True,
                         width="stretch", key="import_docx_warnings")
    if data["reading"] is None:
        return
    _reading(data)
    if not data["counts"]:
        return
    _diff(data, ctx.lang)
    confirmed = True
    if data["needs_confirmation"]:
        confirmed = st.checkbox(t("import.docx.page.confirm"), key="import_docx_confirm")
    if st.button(t("import.docx.page.commit"), type="primary", key="import_docx_commit", icon=":material/upload:",
                 disabled=not data["ok"] or not confirmed):
        try:
            result = commit_docx(ctx.engine, actor=ctx.actor, preview=preview, confirm=confirmed)
        except Conflict:
            st.error(t("import.docx.page.conflict"))
            return
        except DomainError as exc:
            st.error(error_text(exc))
            return
        st.session_state.pop("import_docx_preview", None)  # planned against the database before this import
        if result.ok and result.version_number:
            st.success(tm("import.docx.page.done", version=result.version_number))
        elif result.ok:
            st.info(t("import.docx.page.nothing_changed"))
        else:
            st.error(t("import.docx.page.rejected"))
            st.dataframe(pd.DataFrame(view.issue_rows(result.errors, ctx.lang)), hide_index=True, width="stretch",
                         key="import_docx_result_errors")
