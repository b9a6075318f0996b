"""Chart builders for coverage: DataFrames in, plotly Figures out (pure, no I/O, no streamlit).

Every builder takes the frames of ``services.coverage.CoverageResult`` (filtered as the page
likes) and a ``labels`` dict for every visible word, so pages translate without the builders
knowing about languages; missing keys fall back to ``DEFAULT_LABELS`` (English).
Click targets carry ids in ``customdata``: see each builder's docstring.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go

DEFAULT_LABELS: dict[str, str] = {
    "programme": "Programme",
    "competency": "Competency",
    "course": "Course",
    "area": "Work area",
    "task": "Work task",
    "job_role": "Job role",
    "no_role": "No job role",
    "level": "Level",
    "required": "Required",
    "importance": "Importance",
    "unrated": "–",
    "level_0": "not aligned",
    "level_1": "1 weak",
    "level_2": "2 medium",
    "level_3": "3 strong",
    "gap_uncovered": "Uncovered",
    "gap_below_required": "Below required",
    "gap_redundant": "Redundant",
    "gap_ok": "Covered as required",
    "count": "Competencies",
    "semester": "Semester",
    "semester_n": "Semester {n}",
    "unscheduled": "Unscheduled",
    "coverage_ratio": "Covered",
    "meets_required_ratio": "Meets required level",
    "weighted_coverage": "Weighted coverage",
    "title_heatmap": "Competencies × courses",
    "title_framework": "Framework by gap status",
    "title_gaps_by_area": "Gaps by work area",
    "title_sankey": "Job role → work area → course",
    "title_cumulative": "Coverage built up semester by semester",
}
LABEL_KEYS = tuple(DEFAULT_LABELS)
LEVEL_COLORS = ("#eeeeee", "#c6dbef", "#6baed6", "#08519c")
GAP_COLORS = {"uncovered": "#d62728", "below_required": "#ff7f0e", "redundant": "#9467bd", "ok": "#2ca02c"}
GAP_ORDER = ("uncovered", "below_required", "redundant", "ok")


def _labels(labels: Mapping[str, str] | None) -> dict[str, str]:
    return {**DEFAULT_LABELS, **(labels or {})}


def _importance_text(values: pd.Series, unrated: str) -> list[str]:
    return [unrated if pd.isna(v) else str(int(v)) for v in values]


def _bands(colors) -> list[list]:
    """A colorscale of flat bands, one per integer 0…n-1 (use with cmin/zmin -0.5 and cmax/zmax n-0.5)."""
    n = len(colors)
    return [stop for i, color in enumerate(colors) for stop in ([i / n, color], [(i + 1) / n, color])]


def heatmap_figure(
    by_competency: pd.DataFrame, matrix: pd.DataFrame, courses: pd.DataFrame, *,
    labels: Mapping[str, str] | None = None, height: int | None = None,
) -> go.Figure:
    """Competencies (framework order, grouped by area) × courses (given order), cell = level 0–3.

    Rows and columns follow ``by_competency`` and ``courses``, so passing filtered frames
    shows a part of the matrix. A last column marks each competency's required level,
    coloured by its gap status (``GAP_ORDER`` index). Hover shows the full statement,
    importance, required level and level. ``customdata`` of every point is
    ``[competency_id, course_id]`` (course_id -1 on the required column: the whole row).
    """
    lab = _labels(labels)
    comp = by_competency.reset_index(drop=True)
    levels = matrix.reindex(index=comp["code"], columns=courses["code"], fill_value=0).to_numpy(dtype="int8")
    importance = _importance_text(comp["importance"], lab["unrated"])
    # the full statement lives in the category label (shown on hover); ticks show the code only
    row_labels = np.array([f"{code} {statement}<br>{lab['importance']}: {imp} · {lab['required']}: {req}"
                           for code, statement, imp, req in zip(comp["code"], comp["statement"], importance,
                                                                comp["required_level"], strict=True)], dtype=object)
    col_labels = np.array([f"{code} {name}" for code, name in zip(courses["code"], courses["name"], strict=True)],
                          dtype=object)
    n_rows, n_cols = levels.shape
    comp_ids = comp["id"].to_numpy(dtype="int32")
    customdata = np.empty((n_rows, n_cols, 2), dtype="int32")
    customdata[:, :, 0] = comp_ids[:, None]
    customdata[:, :, 1] = courses["id"].to_numpy(dtype="int32")[None, :]
    required = comp["required_level"].to_numpy(dtype="int8")
    figure = go.Figure()
    figure.add_trace(go.Heatmap(
        z=levels, x=col_labels, y=row_labels, customdata=customdata, zmin=-0.5, zmax=3.5,
        colorscale=_bands(LEVEL_COLORS), xgap=1, ygap=1, name=lab["level"],
        colorbar={"title": {"text": lab["level"], "side": "top"}, "tickvals": [0, 1, 2, 3],
                  "ticktext": [lab[f"level_{i}"] for i in range(4)], "orientation": "h", "yref": "container",
                  "y": 0, "yanchor": "bottom", "x": 0.5, "len": 0.6, "thickness": 12},
        hovertemplate=f"%{{y}}<br>%{{x}}<br>{lab['level']}: %{{z}}<extra></extra>",
    ))
    gap_index = pd.Series(comp["gap"]).map({g: i for i, g in enumerate(GAP_ORDER)}).fillna(3).to_numpy("int8")
    figure.add_trace(go.Scatter(
        x=np.full(n_rows, lab["required"], dtype=object), y=row_labels, mode="markers+text",
        text=required.astype(str).astype(object), textfont={"color": "white", "size": 10}, name=lab["required"],
        showlegend=False, customdata=np.column_stack([comp_ids, np.full(n_rows, -1, dtype="int32")]),
        marker={"symbol": "square", "size": 14, "color": gap_index, "cmin": -0.5, "cmax": 3.5,
                "colorscale": _bands([GAP_COLORS[g] for g in GAP_ORDER])},
        hovertemplate=f"%{{y}}<br>{lab['required']}: %{{text}}<extra></extra>",
    ))
    area_codes = comp["area_code"].tolist()
    boundaries = [i for i in range(1, n_rows) if area_codes[i] != area_codes[i - 1]]
    shapes = [{"type": "line", "xref": "paper", "x0": 0, "x1": 1, "yref": "y", "y0": b - 0.5, "y1": b - 0.5,
               "line": {"color": "#444444", "width": 1}} for b in boundaries]
    starts = [0, *boundaries]
    annotations = [{"xref": "paper", "x": 1.0, "xanchor": "left", "yref": "y", "y": s, "yanchor": "top",
                    "text": f" {comp['area_code'].iat[s]} {comp['area'].iat[s]}", "showarrow": False,
                    "font": {"size": 10}} for s in starts] if n_rows else []
    figure.update_layout(
        title={"text": lab["title_heatmap"]}, shapes=shapes, annotations=annotations,
        height=height or min(max(360, 16 * n_rows + 220), 6000), margin={"l": 10, "r": 160, "t": 60, "b": 80},
        xaxis={"title": {"text": lab["course"]}, "side": "top", "type": "category", "categoryorder": "array",
               "categoryarray": [*col_labels, lab["required"]], "tickmode": "array",
               "tickvals": [*col_labels, lab["required"]], "ticktext": [*courses["code"], lab["required"]]},
        # rows keep the order of the frame (categories in trace order); numpy arrays validate fast
        yaxis={"title": {"text": lab["competency"]}, "type": "category", "range": [n_rows - 0.5, -0.5],
               "tickmode": "array", "tickvals": row_labels, "ticktext": comp["code"].to_numpy(dtype=object)},
    )
    return figure


def framework_figure(
    by_competency: pd.DataFrame, *, labels: Mapping[str, str] | None = None, kind: str = "sunburst",
) -> go.Figure:
    """Sunburst (or ``kind="treemap"``) of area → task → competency, leaves coloured by gap status.

    Leaf size is the importance (unrated counts 1). ``customdata`` is the competency id on
    leaves and -1 on areas, tasks and the root.
    """
    lab = _labels(labels)
    comp = by_competency.reset_index(drop=True)
    weight = pd.to_numeric(comp["importance"], errors="coerce").fillna(1).astype("float64")
    areas = comp.assign(_w=weight).groupby("area_code", sort=False).agg(area=("area", "first"), value=("_w", "sum"))
    tasks = comp.assign(_w=weight).groupby("task_code", sort=False).agg(
        task=("task", "first"), area_code=("area_code", "first"), value=("_w", "sum"))
    root = "programme"
    ids = [root, *(f"area:{c}" for c in areas.index), *(f"task:{c}" for c in tasks.index),
           *(f"competency:{i}" for i in comp["id"])]
    parents = ["", *([root] * len(areas)), *(f"area:{a}" for a in tasks["area_code"]),
               *(f"task:{t}" for t in comp["task_code"])]
    names = [lab["programme"], *(f"{c} {n}" for c, n in zip(areas.index, areas["area"], strict=True)),
             *(f"{c} {n}" for c, n in zip(tasks.index, tasks["task"], strict=True)), *comp["code"]]
    values = [float(weight.sum()), *areas["value"], *tasks["value"], *weight]
    colors = ["#ffffff", *(["#dddddd"] * len(areas)), *(["#eeeeee"] * len(tasks)),
              *(GAP_COLORS.get(g, "#777777") for g in comp["gap"])]
    gap_text = ["", *([""] * (len(areas) + len(tasks))), *(lab[f"gap_{g}"] for g in comp["gap"])]
    statements = ["", *([""] * (len(areas) + len(tasks))),
                  *(f"{s}<br>{lab['level']}: {lv} / {lab['required']}: {rq}" for s, lv, rq in
                    zip(comp["statement"], comp["level"], comp["required_level"], strict=True))]
    customdata = [-1, *([-1] * (len(areas) + len(tasks))), *comp["id"].astype(int)]
    trace_type = go.Treemap if kind == "treemap" else go.Sunburst
    figure = go.Figure(trace_type(
        ids=ids, parents=parents, labels=names, values=values, branchvalues="total",
        marker={"colors": colors}, customdata=customdata, text=gap_text, hovertext=statements,
        hovertemplate="%{label}<br>%{text}<br>%{hovertext}<extra></extra>",
    ))
    figure.update_layout(title={"text": lab["title_framework"]}, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return figure


def gaps_by_area_figure(by_competency: pd.DataFrame, *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Stacked bars: per work area (framework order), competencies uncovered, below required, redundant.

    ``customdata`` of each bar is the area code.
    """
    lab = _labels(labels)
    comp = by_competency.reset_index(drop=True)
    areas = comp.drop_duplicates("area_code")[["area_code", "area"]]
    counts = pd.crosstab(comp["area_code"], comp["gap"]).reindex(index=areas["area_code"], fill_value=0)
    x = [f"{c} {n}" for c, n in zip(areas["area_code"], areas["area"], strict=True)]
    figure = go.Figure()
    for gap in GAP_ORDER[:3]:
        y = counts[gap].to_numpy() if gap in counts else np.zeros(len(areas), dtype="int64")
        figure.add_trace(go.Bar(x=x, y=y, name=lab[f"gap_{gap}"], marker={"color": GAP_COLORS[gap]},
                                customdata=areas["area_code"].tolist(),
                                hovertemplate=f"%{{x}}<br>{lab[f'gap_{gap}']}: %{{y}}<extra></extra>"))
    figure.update_layout(barmode="stack", title={"text": lab["title_gaps_by_area"]},
                         xaxis={"title": {"text": lab["area"]}}, yaxis={"title": {"text": lab["count"]}},
                         margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return figure


def sankey_figure(
    by_competency: pd.DataFrame, levels: pd.DataFrame, courses: pd.DataFrame, *,
    labels: Mapping[str, str] | None = None,
) -> go.Figure:
    """Job role → work area → course. Role→area width: competencies; area→course: competencies it covers.

    ``levels`` is the long (competency_id, course_id, level) frame; node ``customdata`` is
    "role:<name>", "area:<code>" or "course:<id>".
    """
    lab = _labels(labels)
    comp = by_competency.reset_index(drop=True).assign(
        _role=lambda f: f["job_role"].where(f["job_role"].astype(str) != "", lab["no_role"]).fillna(lab["no_role"]))
    role_area = comp.groupby(["_role", "area_code"], sort=False).size().reset_index(name="value")
    covered = levels.merge(comp[["id", "area_code"]], left_on="competency_id", right_on="id")
    covered = covered[covered["course_id"].isin(courses["id"])]
    area_course = covered.groupby(["area_code", "course_id"], sort=False).size().reset_index(name="value")
    roles = list(dict.fromkeys(comp["_role"]))
    areas = comp.drop_duplicates("area_code")[["area_code", "area"]]
    used_courses = courses[courses["id"].isin(area_course["course_id"])]
    keys = ([f"role:{r}" for r in roles] + [f"area:{a}" for a in areas["area_code"]]
            + [f"course:{int(c)}" for c in used_courses["id"]])
    index = {key: i for i, key in enumerate(keys)}
    names = (roles + [f"{c} {n}" for c, n in zip(areas["area_code"], areas["area"], strict=True)]
             + [f"{c} {n}" for c, n in zip(used_courses["code"], used_courses["name"], strict=True)])
    colors = ["#8c564b"] * len(roles) + ["#1f77b4"] * len(areas) + ["#2ca02c"] * len(used_courses)
    source = [index[f"role:{r}"] for r in role_area["_role"]] + [index[f"area:{a}"] for a in area_course["area_code"]]
    target = [index[f"area:{a}"] for a in role_area["area_code"]] + [
        index[f"course:{int(c)}"] for c in area_course["course_id"]]
    value = role_area["value"].tolist() + area_course["value"].tolist()
    figure = go.Figure(go.Sankey(
        node={"label": names, "color": colors, "customdata": keys, "pad": 12,
              "hovertemplate": "%{label}<extra></extra>"},
        link={"source": source, "target": target, "value": value,
              "hovertemplate": f"%{{source.label}} → %{{target.label}}<br>{lab['count']}: %{{value}}<extra></extra>"},
    ))
    figure.update_layout(title={"text": lab["title_sankey"]}, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return figure


def cumulative_coverage_figure(by_semester: pd.DataFrame, *, labels: Mapping[str, str] | None = None) -> go.Figure:
    """Lines: share covered, share at the required level and weighted coverage after each semester."""
    lab = _labels(labels)
    x = [lab["unscheduled"] if pd.isna(s) else lab["semester_n"].format(n=int(s)) for s in by_semester["semester"]]
    figure = go.Figure()
    for column, dash in (("coverage_ratio", "dot"), ("meets_required_ratio", "solid"), ("weighted_coverage", "dash")):
        figure.add_trace(go.Scatter(x=x, y=by_semester[column].to_numpy(dtype="float64"), mode="lines+markers",
                                    name=lab[column], line={"dash": dash},
                                    hovertemplate=f"%{{x}}<br>{lab[column]}: %{{y:.0%}}<extra></extra>"))
    figure.update_layout(title={"text": lab["title_cumulative"]}, xaxis={"title": {"text": lab["semester"]}},
                         yaxis={"range": [0, 1.02], "tickformat": ".0%"}, margin={"l": 10, "r": 10, "t": 50, "b": 10})
    return figure
