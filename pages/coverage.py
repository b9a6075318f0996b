"""Coverage and gaps: headline metrics, heatmap with drill-down, framework, flows, gap table, snapshots."""

import streamlit as st

from models import COURSE_TYPES
from services import charts, coverage
from services import coverage_view as view
from services.errors import DomainError
from services.exports.matrix_xlsx import MARK_SCHEMES
from ui.context import page_setup
from ui.coverage_panels import snapshots_panel, source_filter, sources_panel
from ui.gap_suggestions import gap_suggestions
from ui.i18n import enum_format, error_text, t, tm

ctx = page_setup()
st.title(t("coverage.title"))
o1, o2 = st.columns(2)
confirmed_only = o1.toggle(t("coverage.confirmed_only"), key="coverage_confirmed_only",
                           help=t("coverage.confirmed_only_help"))
threshold = int(o2.number_input(t("coverage.redundant_threshold"), 1, 50, coverage.DEFAULT_REDUNDANT_THRESHOLD,
                                key="coverage_threshold", help=t("coverage.redundant_threshold_help")))
source_kind, level = source_filter()
try:
    with st.spinner(t("coverage.computing")):
        result = coverage.compute_coverage(ctx.engine, program_id=ctx.program_id, confirmed_only=confirmed_only,
                                           redundant_threshold=threshold, source_kind=source_kind, level=level)
        # snapshots hold the whole programme's figures: no deltas against them for a filtered view
        latest = None if source_kind or level else coverage.latest_snapshot_delta(
            ctx.engine, program_id=ctx.program_id, confirmed_only=confirmed_only)
except DomainError as exc:
    st.error(error_text(exc))
    st.stop()

m = result.metrics
if m["alignments"] == 0 and not (source_kind or level):  # filtered, an empty view is the answer (no course)
    st.info(t("coverage.empty_confirmed" if confirmed_only else "coverage.empty"))
    for path, key in (("pages/competencies.py", "competencies"), ("pages/courses.py", "courses"),
                      ("pages/standards.py", "standards")):
        st.page_link(path, label=t(f"coverage.link.{key}"), icon=":material/arrow_forward:")
    st.stop()

st.caption(tm("coverage.covered_of", covered=m["covered"], total=m["competencies"], alignments=m["alignments"],
             courses=m["courses"]))
for row in view.metric_cards(m, latest):
    for col, card in zip(st.columns(len(row)), row, strict=True):
        col.metric(t(f"coverage.metric.{card.key}"), card.value, card.delta, delta_color=card.delta_color,
                   delta_arrow=card.delta_arrow)
if latest:
    snap = latest["snapshot"]
    st.caption(tm("coverage.delta_since", date=snap["created_at"][:16].replace("T", " "),
                 label=snap["label"] or t(f"coverage.snap.reason.{snap['reason']}")))
else:
    st.caption(t("coverage.no_snapshot"))

labels = view.chart_labels(ctx.lang)
comp = result.by_competency
areas = view.area_names(comp)
heatmap_tab, framework_tab, sankey_tab, cumulative_tab, gaps_tab, sources_tab, snapshots_tab = st.tabs(
    [t(f"coverage.tab.{name}") for name in view.TABS])

with heatmap_tab:
    f1, f2 = st.columns(2)
    chosen_areas = f1.multiselect(t("coverage.filter.area"), list(areas), key="coverage_heatmap_areas",
                                  format_func=areas.get, placeholder=t("coverage.filter.all"))
    chosen_roles = f2.multiselect(t("coverage.filter.job_role"), view.distinct(comp["job_role"]),
                                  key="coverage_heatmap_roles", placeholder=t("coverage.filter.all"))
    rows, total_rows = view.capped(view.heatmap_rows(comp, areas=chosen_areas, job_roles=chosen_roles))
    if total_rows > len(rows):  # a large programme: a readable, fast slice; the filters show the rest
        st.info(tm("coverage.heatmap.truncated", n=len(rows), total=total_rows))
    st.caption(tm("coverage.heatmap.shown", n=len(rows), total=len(comp)) + " " + t("coverage.heatmap.hint"))
    figure = view.clickable_heatmap(charts.heatmap_figure(rows, result.matrix, result.courses, labels=labels))
    event = st.plotly_chart(figure, on_select="rerun", selection_mode="points", key="coverage_heatmap", width="stretch")
    cell = view.clicked_cell(event)
    if cell != st.session_state.get("coverage_last_click"):  # a new click drives the drill-down once
        st.session_state["coverage_last_click"] = cell
        if cell:
            st.session_state["coverage_drill_competency"], st.session_state["coverage_drill_course"] = cell

    st.subheader(t("coverage.drill.title"))
    names = dict(zip(comp["id"].astype(int), comp["code"] + " " + comp["statement"], strict=True))
    courses = dict(zip(result.courses["id"].astype(int), result.courses["code"] + " " + result.courses["name"],
                       strict=True))
    d1, d2 = st.columns([3, 2])
    competency_id = d1.selectbox(t("coverage.drill.competency"), list(names), index=None, format_func=names.get,
                                 key="coverage_drill_competency", placeholder=t("coverage.drill.placeholder"))
    course_id = d2.selectbox(t("coverage.drill.course"), list(courses), index=None, key="coverage_drill_course",
                             format_func=courses.get, placeholder=t("coverage.drill.all_courses"))
    if competency_id is not None:
        try:
            details = coverage.alignment_details(ctx.engine, program_id=ctx.program_id, competency_id=competency_id,
                                                 course_id=course_id)
        except DomainError as exc:
            st.error(error_text(exc))
        else:
            if details.empty:
                st.info(t("coverage.drill.none"))
            else:
                st.dataframe(view.details_table(details, ctx.lang), hide_index=True, width="stretch",
                             key="coverage_drill_table")
            l1, l2 = st.columns(2)
            l1.page_link("pages/standards.py", label=t("coverage.link.standards"), icon=":material/description:")
            l2.page_link("pages/courses.py", label=t("coverage.link.courses"), icon=":material/menu_book:")

with framework_tab:
    c1, c2 = st.columns(2)
    c1.plotly_chart(charts.framework_figure(comp, labels=labels), key="coverage_framework", width="stretch")
    c2.plotly_chart(charts.gaps_by_area_figure(comp, labels=labels), key="coverage_gaps_by_area", width="stretch")

with sankey_tab:
    st.plotly_chart(charts.sankey_figure(comp, result.levels, result.courses, labels=labels), key="coverage_sankey",
                    width="stretch")

with cumulative_tab:
    st.plotly_chart(charts.cumulative_coverage_figure(result.by_semester, labels=labels), key="coverage_cumulative",
                    width="stretch")

with gaps_tab:
    gaps = result.gaps
    kind_names = {k: t(f"coverage.gap.{k}") for k in coverage.GAP_TABLE_KINDS if k in set(gaps["kind"])}
    g = st.columns(3) + st.columns(3)
    filters = {
        "kinds": g[0].multiselect(t("coverage.filter.kind"), list(kind_names), key="coverage_gap_kinds",
                                  format_func=kind_names.get, placeholder=t("coverage.filter.all")),
        "job_roles": g[1].multiselect(t("coverage.filter.job_role"), view.distinct(gaps["job_role"]),
                                      key="coverage_gap_roles", placeholder=t("coverage.filter.all")),
        "areas": g[2].multiselect(t("coverage.filter.area"), list(areas), key="coverage_gap_areas",
                                  format_func=areas.get, placeholder=t("coverage.filter.all")),
        "importance": g[3].multiselect(t("coverage.filter.importance"), view.distinct(gaps["importance"]),
                                       key="coverage_gap_importance", placeholder=t("coverage.filter.all")),
        "course_types": g[4].multiselect(t("coverage.filter.course_type"),
                                         [c for c in COURSE_TYPES if c in view.distinct(gaps["course_types"])],
                                         key="coverage_gap_course_types", format_func=enum_format("course_type"),
                                         placeholder=t("coverage.filter.all")),
        "semesters": g[5].multiselect(t("coverage.filter.semester"), view.distinct(gaps["semesters"]),
                                      key="coverage_gap_semesters", placeholder=t("coverage.filter.all")),
    }
    shown = coverage.filter_gaps(gaps, **filters)
    st.caption(tm("coverage.gaps.count", n=len(shown), total=len(gaps)))
    if shown.empty:
        st.info(t("coverage.gaps.none"))
    st.dataframe(view.gaps_table(shown, ctx.lang), hide_index=True, width="stretch", key="coverage_gaps_table")
    gap_suggestions(ctx, shown)
    e1, e2, e3 = st.columns(3, vertical_alignment="bottom")
    marks = e2.selectbox(t("coverage.marks"), list(MARK_SCHEMES), key="coverage_marks",
                         format_func=view.MARK_NAMES.get)
    # Workbooks are built on request only: for a large programme they take seconds.
    prepared = e1.toggle(t("coverage.prepare_downloads"), key="coverage_prepare_downloads")
    if prepared:
        try:
            with st.spinner(t("coverage.exporting")):
                report = view.gap_report(result, shown, actor=ctx.actor, lang=ctx.lang)
                matrix = view.matrix_report(result, actor=ctx.actor, marks=marks, lang=ctx.lang)
        except DomainError as exc:
            st.error(error_text(exc))
        else:
            e1.download_button(t("coverage.download.gaps"), report.content, report.filename, report.media_type,
                               key="coverage_download_gaps", icon=":material/download:", on_click="ignore")
            e3.download_button(t("coverage.download.matrix"), matrix.content, matrix.filename, matrix.media_type,
                               key="coverage_download_matrix", icon=":material/grid_on:", on_click="ignore")

with sources_tab:
    sources_panel(ctx, level=level, confirmed_only=confirmed_only)

with snapshots_tab:
    snapshots_panel(ctx, confirmed_only=confirmed_only)
