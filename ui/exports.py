"""Export page widgets: a "prepare" button with a progress bar, then a download button; restore reports."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

import pandas as pd
import streamlit as st

from services.errors import DomainError
from services.exports import ExportFile, Progress
from services.i18n import translate
from ui.i18n import current_lang, error_text, t

_PREPARED = "exports_prepared"  # session key: name -> (options, ExportFile)


def key_format(prefix: str) -> Callable[[str], str]:
    """A ``format_func`` showing ``t(prefix + value)``, bound to the language now (AppTest calls it outside a run)."""
    lang = current_lang()
    return lambda value: translate(f"{prefix}{value}", lang)


def prepare_and_download(name: str, options: Hashable, build: Callable[[Progress], ExportFile]) -> None:
    """Build the file when the user asks (progress bar fed by the exporter), then offer it for download.

    A file prepared with other ``options`` (another course, language, scheme) is not offered, so the
    download always matches what the widgets above show.
    """
    prepared: dict[str, tuple[Hashable, ExportFile]] = st.session_state.setdefault(_PREPARED, {})
    if st.button(t("exports.page.prepare"), key=f"export_prepare_{name}", icon=":material/build:"):
        bar = st.progress(0.0, text=t("exports.page.preparing", percent=0))

        def progress(fraction: float, _message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=t("exports.page.preparing", percent=int(fraction * 100)))

        try:
            prepared[name] = (options, build(progress))
        except DomainError as exc:
            prepared.pop(name, None)
            st.error(error_text(exc))
        bar.empty()
    entry = prepared.get(name)
    if entry is not None and entry[0] == options:
        result = entry[1]
        st.download_button(t("exports.page.download", filename=result.filename), data=result.content,
                           file_name=result.filename, mime=result.media_type, key=f"export_download_{name}",
                           icon=":material/download:", type="primary")


def restore_report_table(report: dict[str, Any]) -> pd.DataFrame:
    """One row per kind of record: how many would be (or were) created, left unchanged, absent from the file."""
    names = ("created", "unchanged", "not_in_file")
    kinds = [k for k in report["created"] if any(report[n].get(k) for n in names)]
    return pd.DataFrame({
        t("exports.page.restore.kind"): [t(f"exports.page.record.{k}") for k in kinds],
        t("exports.page.restore.created"): [report["created"].get(k, 0) for k in kinds],
        t("exports.page.restore.unchanged"): [report["unchanged"].get(k, 0) for k in kinds],
        t("exports.page.restore.not_in_file"): [report["not_in_file"].get(k, 0) for k in kinds],
    })


def issues_table(issues: list[dict[str, Any]]) -> pd.DataFrame:
    """Errors or warnings of a restore as a two-column table."""
    return pd.DataFrame({t("exports.page.restore.where"): [i.get("where") or "" for i in issues],
                         t("exports.page.restore.message"): [i["message"] for i in issues]})
