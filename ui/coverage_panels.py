"""Parts of the coverage page (pages/coverage.py stays a short storyboard): the 岗课赛证 source filter
(source kind and level, shared with the exports and ``manage.py export`` through
``services.coverage.compute_coverage``), the per-source tab and the snapshots tab."""

from __future__ import annotations

import streamlit as st

from models.enums import LEVEL_ORDER, SOURCE_KINDS
from services import coverage
from services import coverage_view as view
from services.errors import DomainError
from services.permissions import can
from services.sources import coverage_by_source
from ui.i18n import enum_format, enum_label, error_text, t, tm
from ui.widgets import flash_toast


def source_filter() -> tuple[str | None, str | None]:
    """Two selects, "all" by default: the source kind (job / certificate / competition) and the level."""
    s1, s2 = st.columns(2)
    kind = s1.selectbox(t("coverage.filter.source_kind"), list(SOURCE_KINDS), index=None, key="coverage_source_kind",
                        format_func=enum_format("source_kind"), placeholder=t("coverage.filter.all"))
    names = {v: t(f"sources.level_name.{n}") for n, v in enumerate(LEVEL_ORDER)}  # as the 岗课赛证 page names them
    level = s2.selectbox(t("coverage.filter.level"), list(LEVEL_ORDER), index=None, key="coverage_source_level",
                         format_func=names.get, placeholder=t("coverage.filter.all"), help=t("coverage.filter.level_help"))
    if kind or level:
        st.caption(tm("coverage.filter.source_note",
                      source=enum_label("source_kind", kind) if kind else t("coverage.filter.all"),
                      level=tm("coverage.filter.level_note", level=names[level]) if level else ""))
    return kind, level


def sources_panel(ctx, *, level: str | None, confirmed_only: bool) -> None:
    """Per 岗课赛证 source kind: requirements covered / total with the cross-source links counted (and by
    their own alignments), and the requirements covered only through a link."""
    summary = coverage_by_source(ctx.engine, program_id=ctx.program_id, level=level, confirmed_only=confirmed_only)
    st.caption(t("coverage.sources.intro", n=summary["links"]))
    for col, s in zip(st.columns(len(summary["kinds"])), summary["kinds"], strict=True):
        col.metric(enum_label("source_kind", s["kind"]), f"{s['covered']} / {s['total']}",
                   help=t("coverage.sources.metric_help"))
        col.caption(t("coverage.sources.own", n=s["covered_own"]) if s["total"] else t("coverage.sources.empty"))
    st.subheader(t("coverage.sources.through_links"))
    through = view.through_links_table(summary["kinds"], ctx.lang)
    if through.empty:
        st.info(t("coverage.sources.none_linked"))
    else:
        st.dataframe(through, hide_index=True, width="stretch", key="coverage_sources_linked")
    st.page_link("pages/sources.py", label=t("coverage.sources.open"), icon=":material/arrow_forward:")


def snapshots_panel(ctx, *, confirmed_only: bool) -> None:
    """Take a snapshot (lead only), list them and compare two."""
    if can(ctx.actor, "coverage.snapshot"):
        s1, s2 = st.columns([3, 1], vertical_alignment="bottom")
        snap_label = s1.text_input(t("coverage.snap.label"), key="coverage_snap_label", max_chars=200)
        if s2.button(t("coverage.snap.take"), type="primary", key="coverage_snap_take"):
            try:
                coverage.take_snapshot(ctx.engine, actor=ctx.actor, program_id=ctx.program_id, label=snap_label,
                                       confirmed_only=confirmed_only)
                flash_toast("coverage.snap.taken")
                st.rerun()  # the deltas refresh
            except DomainError as exc:
                st.error(error_text(exc))
    else:
        st.caption(t("coverage.snap.lead_only"))
    st.caption(tm("coverage.snap.threshold_note", n=coverage.DEFAULT_REDUNDANT_THRESHOLD))
    snapshots = coverage.list_snapshots(ctx.engine, program_id=ctx.program_id)
    if not snapshots:
        st.info(t("coverage.snap.none"))
    else:
        st.dataframe(view.snapshots_table(snapshots, ctx.lang), hide_index=True, width="stretch",
                     key="coverage_snap_list")
    st.subheader(t("coverage.snap.compare"))
    if len(snapshots) < 2:
        st.caption(t("coverage.snap.need_two"))
        return
    by_id = {s["id"]: view.snapshot_name(s, ctx.lang) for s in snapshots}
    ids = list(by_id)
    p1, p2 = st.columns(2)
    a_id = p1.selectbox(t("coverage.snap.from"), ids, index=1, key="coverage_snap_a", format_func=by_id.get)
    b_id = p2.selectbox(t("coverage.snap.to"), ids, index=0, key="coverage_snap_b", format_func=by_id.get)
    try:
        tables = view.comparison_tables(coverage.compare_snapshots(ctx.engine, a_id=a_id, b_id=b_id), ctx.lang)
    except DomainError as exc:
        st.error(error_text(exc))
    else:
        st.dataframe(tables["metrics"], hide_index=True, width="stretch", key="coverage_cmp_metrics")
        for part, key in (("closed", "coverage.snap.closed"), ("opened", "coverage.snap.opened"),
                          ("levels", "coverage.snap.level_changes")):
            st.markdown(f"**{t(key, n=len(tables[part]))}**")
            st.dataframe(tables[part], hide_index=True, width="stretch", key=f"coverage_cmp_{part}")
