"""The whole-standard suggestion review in the standards editor (issue 15): every unit's and
objective's suggested alignments in one data editor, Accept / Reject ticks and a level per row,
one Save. Accepted rows become proposed alignments through the alignment service's rules, rejected
ones are stored so they are not suggested again (``services.suggestions.review_standard_suggestions``).

The table's cells are plain text (the data editor never renders Markdown or HTML), so the
matched terms are listed in their own column rather than highlighted inline.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from services.errors import DomainError
from services.suggestions import review_choices, review_standard_suggestions, suggest_for_standard
from ui.i18n import show_error, t
from ui.standard_editor import follow_own_change
from ui.widgets import flash_toast, kept_button

COLUMNS = ("label", "code", "statement", "matched", "score", "level", "accept", "reject")


def table_key(standard_id: int) -> str:
    """The data editor's key (a new one after each save, so the ticks start empty)."""
    return f"sug_std_table_{standard_id}_{st.session_state.get(f'sug_std_nonce_{standard_id}', 0)}"


def review_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """The suggestions as the editor shows them (hidden ``target`` / ``competency_id`` identify a row)."""
    return pd.DataFrame({
        "target": [r["target"] for r in rows], "competency_id": [int(r["competency_id"]) for r in rows],
        "label": [r["label"] for r in rows], "code": [r["code"] for r in rows],
        "statement": [r["statement"] for r in rows], "matched": [" · ".join(r["matched"]) for r in rows],
        "score": [round(float(r["score"]), 2) for r in rows],
        "level": [int(r["suggested_level"]) for r in rows],
        "accept": [False] * len(rows), "reject": [False] * len(rows)})

def standard_review(ctx, standard_id: int, actions: dict[str, bool]) -> None:
    """The review table behind a toggle (ranking every row of a long standard takes a moment)."""
    if not actions.get("propose_alignment"):
        return
    if not st.toggle(t("suggest.review.show"), key=f"sug_std_show_{standard_id}"):
        return
    try:
        rows = suggest_for_standard(ctx.engine, standard_id=standard_id)
    except DomainError as exc:
        show_error(exc)
        return
    if not rows:
        st.caption(t("suggest.review.none"))
        return
    st.caption(t("suggest.review.hint"))
    config = {"target": None, "competency_id": None,
              "label": st.column_config.TextColumn(t("suggest.review.target"), width="medium"),
              "code": st.column_config.TextColumn(t("suggest.review.code"), width="small"),
              "statement": st.column_config.TextColumn(t("suggest.review.statement"), width="large"),
              "matched": st.column_config.TextColumn(t("suggest.review.matched")),
              "score": st.column_config.NumberColumn(t("suggest.review.score"), format="%.2f", width="small"),
              "level": st.column_config.SelectboxColumn(t("field.level"), options=[1, 2, 3], required=True,
                                                        width="small"),
              "accept": st.column_config.CheckboxColumn(t("suggest.review.accept"), width="small"),
              "reject": st.column_config.CheckboxColumn(t("suggest.review.reject"), width="small")}
    edited = st.data_editor(review_frame(rows), key=table_key(standard_id), hide_index=True, num_rows="fixed",
                            column_config=config, column_order=COLUMNS, width="stretch",
                            disabled=["target", "competency_id", "label", "code", "statement", "matched", "score"])
    if not kept_button(t("suggest.review.save"), key=f"sug_std_save_{standard_id}", type="primary"):
        return
    try:
        choices = review_choices(rows, edited.to_dict("records"))
        if not choices["accepted"] and not choices["rejected"]:
            st.warning(t("suggest.review.nothing"))
            return
        result = review_standard_suggestions(ctx.engine, actor=ctx.actor, standard_id=standard_id, **choices)
    except DomainError as exc:
        show_error(exc)
        return
    flash_toast("suggest.review.saved", accepted=result["accepted"], rejected=result["rejected"])  # needs no st call
    if result["standard"]:
        follow_own_change(ctx.engine, standard_id, result["standard"]["version"])
    nonce = f"sug_std_nonce_{standard_id}"
    st.session_state[nonce] = st.session_state.get(nonce, 0) + 1
    st.rerun()
