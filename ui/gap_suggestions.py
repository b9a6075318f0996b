"""Close a gap from the coverage page (issue 15): for a chosen gap competency, the units and
objectives across the programme's course standards that may build it, best first, with the
matched terms highlighted (every piece escaped), and one click to propose the alignment
through the alignment service (``services.suggestions.accept_suggestion``)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from services.errors import DomainError
from services.permissions import can
from services.suggestions import accept_suggestion, suggest_targets_for_competency
from ui.i18n import show_error, t
from ui.suggestion_panel import highlighted, safe_text
from ui.widgets import flash_toast

TOP = 8
GAP_KINDS = ("uncovered", "below_required")  # the gaps an extra alignment can close


def gap_choices(gaps: pd.DataFrame) -> dict[int, str]:
    """Gap competencies (uncovered or below the required level), each once, as id → "code statement"."""
    rows = gaps[gaps["kind"].isin(GAP_KINDS)].drop_duplicates("competency_id")
    return {int(r.competency_id): f"{r.code} {r.statement}" for r in rows.itertuples()}


def gap_suggestions(ctx, gaps: pd.DataFrame) -> None:
    """The gap-closing panel under the gap table."""
    st.subheader(t("coverage.suggest.title"))
    choices = gap_choices(gaps)
    if not choices:
        st.caption(t("coverage.suggest.no_gaps"))
        return
    competency_id = st.selectbox(t("coverage.suggest.competency"), list(choices), index=None,
                                 format_func=choices.get, key="coverage_sug_competency",
                                 placeholder=t("coverage.suggest.placeholder"))
    if competency_id is None:
        return
    try:
        found = suggest_targets_for_competency(ctx.engine, competency_id=competency_id, top=TOP)
    except DomainError as exc:
        show_error(exc)
        return
    if not found["suggestions"]:
        st.info(t("coverage.suggest.none"))
        return
    st.caption(t("coverage.suggest.hint"))
    may_propose = can(ctx.actor, "alignment.propose")
    for row in found["suggestions"]:
        _candidate(ctx, found, row, may_propose)


def _candidate(ctx, found: dict[str, Any], row: dict[str, Any], may_propose: bool) -> None:
    key = f"coverage_sug_{found['competency_id']}_{row['target'].replace(':', '_')}"
    kind = t(f"coverage.suggest.kind.{row['target_type']}")
    head = f"{row['course_code']} {row['course_name']} · {kind}"
    c1, c2, c3 = st.columns([6, 2, 2], vertical_alignment="center")
    why = t("coverage.suggest.why", score=f"{row['score']:.2f}")
    text = highlighted(row["text"], row["matched"]).replace("\n", "<br>")  # escaped: no tag of the user's
    c1.markdown(f"<b>{safe_text(head)}</b><br>{text}<br>"
                f"<small>{safe_text(why)}</small>", unsafe_allow_html=True)
    if row["frozen"]:
        c3.caption(t("coverage.suggest.frozen"))
        return
    if not may_propose:
        return
    level = c2.selectbox(t("field.level"), [1, 2, 3], index=int(found["suggested_level"]) - 1, key=f"{key}_lvl",
                         label_visibility="collapsed")
    if c3.button(t("coverage.suggest.propose"), key=f"{key}_prop"):
        target = {"unit_id": row["unit_id"]} if row["unit_id"] else {"objective_id": row["objective_id"]}
        try:
            accept_suggestion(ctx.engine, actor=ctx.actor, competency_id=found["competency_id"], level=int(level),
                              score=row["score"], **target)
        except DomainError as exc:
            show_error(exc)
            return
        flash_toast("coverage.suggest.proposed", code=found["code"], target=head)
        st.rerun()
