"""The import page's "how the sheet was read" panel: header rows, groups, ignored rows, split cells.

The user can pick ignored rows to import as data, or split cells to keep whole; the choice goes into
the page's import options (``row_roles`` / ``split_cells``) and the file is read again.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from services.importing import view
from ui.i18n import t
from ui.safe import md_escape


def reading_panel(data: dict[str, Any], options: dict[str, Any], lang: str) -> None:
    """Show the chosen sheet's reading; a change of the two pickers updates ``options`` and reruns."""
    entry = view.reading_of(data)
    if entry is None:
        return
    noticed = bool(entry["ignored"] or entry["splits"] or entry["groups"])
    with st.expander(t("import.page.reading"), expanded=noticed, icon=":material/visibility:"):
        st.caption(md_escape(view.reading_summary(entry, lang)))
        groups = view.group_rows(entry, lang)
        if groups:
            st.markdown(t("import.page.groups"))
            st.dataframe(pd.DataFrame(groups), hide_index=True, width="stretch", key="import_reading_groups")
        choices = view.row_choices(entry, options.get("row_roles"), lang)
        if choices:
            st.markdown(t("import.page.ignored"))
            st.dataframe(pd.DataFrame(view.ignored_rows(entry, lang)), hide_index=True, width="stretch",
                         key="import_reading_ignored")
            st.multiselect(t("import.page.rows_as_data"), list(choices), format_func=choices.get,
                           default=view.rows_as_data(options.get("row_roles")), key="import_row_roles",
                           on_change=_set_rows, args=(options,), placeholder=t("import.page.none_chosen"))
        cells = view.split_choices(entry, _kept(options))
        if cells:
            st.markdown(t("import.page.splits"))
            st.dataframe(pd.DataFrame(view.split_rows(entry, lang)), hide_index=True, width="stretch",
                         key="import_reading_splits")
            st.multiselect(t("import.page.keep_whole"), cells, default=_kept(options), key="import_split_cells",
                           on_change=_set_kept, args=(options,), placeholder=t("import.page.none_chosen"))


def _set_rows(options: dict[str, Any]) -> None:
    options["row_roles"] = view.row_roles_option(st.session_state["import_row_roles"], options.get("row_roles"))


def _set_kept(options: dict[str, Any]) -> None:
    options["split_cells"] = list(st.session_state["import_split_cells"]) or True


def _kept(options: dict[str, Any]) -> list[str]:
    value = options.get("split_cells")
    return list(value) if isinstance(value, list) else []
