"""Display shaping for the coverage page (issue 4): plain frames with translated headers, no streamlit.

Everything here is pure over ``services.coverage`` results, so the page stays a storyboard and
these helpers are unit-testable. Text comes from ``locales/*.coverage.json`` via ``translate``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from services import charts, coverage
from services.actor import Actor
from services.exports.common import MEDIA_TYPES, ExportFile, export_filename, require_export
from services.exports.gaps_xlsx import gaps_workbook
from services.exports.matrix_xlsx import matrix_workbook
from services.i18n import label, translate

TABS = ("heatmap", "framework", "sankey", "cumulative", "gaps", "sources", "snapshots")
# headline metrics in display order; gap counts rise when things get worse
METRIC_ROWS = (("coverage_ratio", "weighted_coverage", "uncovered", "below_required", "redundant"),
               ("under_invested", "over_invested", "orphan_courses", "orphan_units", "orphan_objectives"))
RATIOS = ("coverage_ratio", "weighted_coverage")
# the same in every language: a keyed select box keeps showing the label it was given (Streamlit)
MARK_NAMES = {"symbols": "● ◐ ○", "irm": "I · R · M", "hml": "H · M · L", "numeric": "3 · 2 · 1"}


@dataclass(frozen=True)
class MetricCard:
    """One ``st.metric``: its key, formatted value, formatted change (or None), delta colour and arrow."""

    key: str
    value: str
    delta: str | None
    delta_color: str
    delta_arrow: str = "auto"


def chart_labels(lang: str) -> dict[str, str]:
    """Every chart label (``charts.LABEL_KEYS``) in ``lang``."""
    return {key: translate(f"coverage.chart.{key}", lang) for key in charts.LABEL_KEYS}


def _change(key: str, now: Any, before: Any) -> str | None:
    if not isinstance(before, (int, float)) or isinstance(before, bool):
        return None
    if key in RATIOS:
        points = round((now - before) * 100, 1)
        return f"{points:+.1f} pp" if points else "0 pp"
    return f"{int(now) - int(before):+d}" if int(now) != int(before) else "0"


def metric_cards(metrics: Mapping[str, Any], latest: Mapping[str, Any] | None) -> list[list[MetricCard]]:
    """Headline metrics in two rows, each with its change since ``latest`` (``latest_snapshot_delta``).

    The change is taken against the values shown (``metrics``), so it stays right when the
    page computes with another redundant threshold than the snapshot's.
    """
    before = {k: v.get("before") for k, v in (latest or {}).get("metrics", {}).items()}
    rows = []
    for keys in METRIC_ROWS:
        row = []
        for key in keys:
            delta = _change(key, metrics[key], before.get(key)) if latest else None
            same = delta is not None and not delta.startswith(("+", "-"))  # no arrow, no colour for "no change"
            row.append(MetricCard(
                key=key, value=f"{metrics[key]:.1%}" if key in RATIOS else str(int(metrics[key])), delta=delta,
                delta_color="off" if same else "normal" if key in RATIOS else "inverse",
                delta_arrow="off" if same else "auto"))
        rows.append(row)
    return rows


HEATMAP_MAX_ROWS = 250  # unfiltered rows drawn at once; more needs an area or job-role filter
CLICKABLE_MAX_CELLS = 40_000  # above this, one invisible click marker per cell costs too much


def capped(rows: pd.DataFrame, limit: int = HEATMAP_MAX_ROWS) -> tuple[pd.DataFrame, int]:
    """The first ``limit`` heatmap rows and how many there were in all."""
    return rows.head(limit), len(rows)


def clickable_heatmap(figure: go.Figure) -> go.Figure:
    """``charts.heatmap_figure`` with an invisible marker on every cell, so a click selects that cell.

    Plotly cannot select heatmap cells, and Streamlit reports clicks as selections; the markers
    carry the cells' ``[competency_id, course_id]`` customdata and take over the cells' hover.
    """
    cells = figure.data[0]
    customdata = np.asarray(cells.customdata)
    if customdata.size == 0 or customdata.size // 2 > CLICKABLE_MAX_CELLS:  # too many markers: selectbox only
        return figure
    levels = np.asarray(cells.z)
    n_rows, n_cols = levels.shape
    x = np.tile(np.asarray(cells.x, dtype=object), n_rows)
    y = np.repeat(np.asarray(cells.y, dtype=object), n_cols)
    figure.add_trace(go.Scatter(
        x=x, y=y, customdata=customdata.reshape(-1, 2), mode="markers",
        hovertext=np.asarray(cells.text, dtype=object).reshape(-1),  # the cell's own hover (names, level)
        marker={"symbol": "square", "size": 14, "opacity": 0}, showlegend=False, name=cells.name,
        selected={"marker": {"opacity": 0.35, "color": "#ff7f0e"}}, unselected={"marker": {"opacity": 0}},
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    figure.update_traces(hoverinfo="skip", hovertemplate=None, selector={"type": "heatmap"})
    figure.update_layout(hovermode="closest", hoverdistance=-1)  # a click anywhere in a cell picks that cell
    figure.update_traces(unselected={"marker": {"opacity": 1}}, selector={"type": "scatter", "mode": "markers+text"})
    return figure


def heatmap_rows(by_competency: pd.DataFrame, *, areas: Iterable[str] = (), job_roles: Iterable[str] = ()
                 ) -> pd.DataFrame:
    """The competencies of the chosen work areas (codes) and job roles; all when a filter is empty."""
    mask = pd.Series(True, index=by_competency.index)
    if areas := list(areas):
        mask &= by_competency["area_code"].isin(areas)
    if job_roles := list(job_roles):
        mask &= by_competency["job_role"].isin(job_roles)
    return by_competency[mask]


def area_names(by_competency: pd.DataFrame) -> dict[str, str]:
    """Work area code → "code name", in framework order."""
    areas = by_competency.drop_duplicates("area_code")
    return {str(c): f"{c} {n}" for c, n in zip(areas["area_code"], areas["area"], strict=True)}


def distinct(values: Iterable[Any]) -> list[Any]:
    """Distinct non-empty values in sorted order (list cells are flattened)."""
    flat = [v for value in values for v in (value if isinstance(value, (list, tuple)) else [value])]
    return sorted({v.item() if hasattr(v, "item") else v for v in flat if v is not None and not pd.isna(v)
                   and v != ""})


def clicked_cell(event: Any) -> tuple[int, int | None] | None:
    """(competency id, course id or None for a whole row) of the first clicked heatmap point."""
    selection = (event or {}).get("selection") or {}
    for point in selection.get("points") or ():
        data = point.get("customdata")
        if isinstance(data, Mapping):  # Streamlit sends an array's items keyed "0", "1"
            data = [data.get("0"), data.get("1")]
        if isinstance(data, (list, tuple)) and len(data) == 2 and None not in data:
            competency_id, course_id = int(data[0]), int(data[1])
            return competency_id, (None if course_id < 0 else course_id)
    return None


def details_table(details: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The drill-down rows (``coverage.alignment_details``) with translated headers and values."""
    def tr(key: str, **params: Any) -> str:
        return translate(key, lang, **params)

    return pd.DataFrame({
        tr("coverage.col.course"): details["course_code"] + " " + details["course_name"],
        tr("coverage.col.target"): [tr("coverage.target.course") if kind == "course" else
                                    f"{tr(f'coverage.target.{kind}')}: {text}" for kind, text in
                                    zip(details["target_kind"], details["target_text"], strict=True)],
        tr("coverage.col.level"): details["level"],
        tr("coverage.col.status"): [label("alignment_status", s, lang) for s in details["status"]],
        tr("coverage.col.proposed_by"): [f"{name} · {label('side', side, lang)}" if side else name
                                         for name, side in zip(details["proposed_by"], details["proposed_side"],
                                                               strict=True)],
        tr("coverage.col.decided_by"): details["decided_by"],
        tr("coverage.col.reason"): details["reason"],
        tr("coverage.col.current"): details["current"],
    })


def _joined(values: Any) -> str:
    return ", ".join(str(v) for v in values) if isinstance(values, (list, tuple)) else ""


def gaps_table(gaps: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The gap rows for display: translated kind and headers, list cells joined."""
    def tr(key: str) -> str:
        return translate(key, lang)

    course = (gaps["course_code"].fillna("") + " " + gaps["course_name"].fillna("")).str.strip()
    return pd.DataFrame({
        tr("coverage.col.kind"): [tr(f"coverage.gap.{k}") for k in gaps["kind"]],
        tr("coverage.col.code"): gaps["code"],
        tr("coverage.col.statement"): gaps["statement"].where(gaps["statement"].notna(), gaps["target_text"]),
        tr("coverage.col.area"): gaps["area"],
        tr("coverage.col.job_role"): gaps["job_role"],
        tr("coverage.col.importance"): gaps["importance"],
        tr("coverage.col.required_level"): gaps["required_level"],
        tr("coverage.col.level"): gaps["level"],
        tr("coverage.col.hours"): gaps["hours"].astype("float64").round(1),
        tr("coverage.col.course"): course.where(course != "", None),
        tr("coverage.col.courses"): gaps["course_codes"].map(_joined),
        tr("coverage.col.semesters"): gaps["semesters"].map(_joined),
    })


def through_links_table(kinds: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    """The requirements covered only through a cross-source link (``sources.coverage_by_source``), one row
    each: its source kind and source, code, statement, level, and the linked requirements that carry it."""
    def tr(key: str) -> str:
        return translate(key, lang)

    rows = [{tr("coverage.sources.col.kind"): label("source_kind", k["kind"], lang),
             tr("coverage.sources.col.source"): r["source"], tr("coverage.col.code"): r["code"],
             tr("coverage.col.statement"): r["statement"], tr("coverage.sources.col.cert_level"): r["cert_level"],
             tr("coverage.col.level"): r["level"],
             tr("coverage.sources.col.through"): translate("format.list_separator", lang).join(
                 f"{x['code']} ({x['source']})" if x["source"] else x["code"] for x in r["linked"])}
            for k in kinds for r in k["through_links"]]
    return pd.DataFrame(rows)


def snapshot_name(snapshot: Mapping[str, Any], lang: str) -> str:
    """"#12 · 2026-11-30 22:50 · label" for select boxes (the id tells apart snapshots of one minute)."""
    name = snapshot["label"] or translate(f"coverage.snap.reason.{snapshot['reason']}", lang)
    return f"#{snapshot['id']} · {snapshot['created_at'][:16].replace('T', ' ')} · {name}"


def snapshots_table(snapshots: list[dict[str, Any]], lang: str) -> pd.DataFrame:
    """The snapshot list (newest first) with its headline metrics."""
    def tr(key: str) -> str:
        return translate(key, lang)

    return pd.DataFrame([{
        tr("coverage.col.created_at"): s["created_at"][:16].replace("T", " "),
        tr("coverage.col.label"): s["label"],
        tr("coverage.col.reason_kind"): translate(f"coverage.snap.reason.{s['reason']}", lang),
        tr("coverage.col.created_by"): s["created_by"],
        tr("coverage.col.mode"): tr("coverage.snap.mode.confirmed" if s["confirmed_only"] else "coverage.snap.mode.all"),
        **{tr(f"coverage.metric.{k}"): (f"{s['metrics'].get(k, 0):.1%}" if k in RATIOS else s["metrics"].get(k))
           for k in METRIC_ROWS[0]},
    } for s in snapshots])


def comparison_tables(comparison: Mapping[str, Any], lang: str) -> dict[str, pd.DataFrame]:
    """``compare_snapshots`` as frames: ``metrics``, ``closed``, ``opened``, ``levels``."""
    def tr(key: str) -> str:
        return translate(key, lang)

    def gap_rows(items):
        return pd.DataFrame({tr("coverage.col.code"): [e["code"] for e in items],
                             tr("coverage.col.statement"): [e["statement"] for e in items],
                             tr("coverage.col.kind"): [tr(f"coverage.gap.{e['kind']}") for e in items],
                             tr("coverage.col.before"): [e["level_before"] for e in items],
                             tr("coverage.col.after"): [e["level_after"] for e in items]})

    keys = [k for row in METRIC_ROWS for k in row]
    metrics = comparison["metrics"]
    return {
        "metrics": pd.DataFrame({
            tr("coverage.col.metric"): [tr(f"coverage.metric.{k}") for k in keys],
            tr("coverage.col.before"): [_show(k, metrics.get(k, {}).get("before")) for k in keys],
            tr("coverage.col.after"): [_show(k, metrics.get(k, {}).get("after")) for k in keys],
            tr("coverage.col.delta"): [_change(k, metrics.get(k, {}).get("after") or 0,
                                               metrics.get(k, {}).get("before")) for k in keys],
        }),
        "closed": gap_rows(comparison["gaps_closed"]),
        "opened": gap_rows(comparison["gaps_opened"]),
        "levels": pd.DataFrame({tr("coverage.col.code"): [e["code"] for e in comparison["level_changes"]],
                                tr("coverage.col.statement"): [e["statement"] for e in comparison["level_changes"]],
                                tr("coverage.col.before"): [e["before"] for e in comparison["level_changes"]],
                                tr("coverage.col.after"): [e["after"] for e in comparison["level_changes"]]}),
    }


def _show(key: str, value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.1%}" if key in RATIOS else str(value)


def gap_report(result: coverage.CoverageResult, gaps: pd.DataFrame, *, actor: Actor, lang: str) -> ExportFile:
    """The gap report (.xlsx) of the rows on screen, computed with the page's threshold and mode."""
    require_export(actor)
    return ExportFile(gaps_workbook(result, gaps, lang=lang),
                      export_filename(program_code=result.program["code"], kind="gaps", ext="xlsx"),
                      MEDIA_TYPES["xlsx"])


def matrix_report(result: coverage.CoverageResult, *, actor: Actor, marks: str, lang: str) -> ExportFile:
    """The coverage matrix (.xlsx) of the result on screen in the chosen marks scheme."""
    require_export(actor)
    return ExportFile(matrix_workbook(result, marks=marks, lang=lang),
                      export_filename(program_code=result.program["code"], kind="matrix", ext="xlsx"),
                      MEDIA_TYPES["xlsx"])
