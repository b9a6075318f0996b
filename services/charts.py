"""Chart builders for coverage: DataFrames in, plotly Figures out (pure, no I/O, no streamlit).

Every builder takes the frames of ``services.coverage.CoverageResult`` (filtered as the page
likes) and a ``labels`` dict for every visible word, so pages translate without the builders
knowing about languages; missing keys fall back to ``DEFAULT_LABELS`` (English).
Click targets carry ids in ``customdata``: see each builder's docstring.
"""

from __future__ import annotations

import unicodedata
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
    "legend_required": "Required column: the number is the required level, the colour the gap status",
}
LABEL_KEYS = tuple(DEFAULT_LABELS)
LEVEL_COLORS = ("#eeeeee", "#c6dbef", "#6baed6", "#08519c")
GAP_COLORS = {"uncovered": "#d62728", "below_required": "#ff7f0e", "redundant": "#9467bd", "ok": "#2ca02c"}
GAP_ORDER = ("uncovered", "below_required", "redundant", "ok")


# tick texts: a competency row shows its code and the start of its statement, a course column its
# code over two short lines of its name; the full texts are in the hover
ROW_TICK_WIDTH = 26
COLUMN_TICK_WIDTH, COLUMN_TICK_LINES = 10, 2
# a sunburst stays readable up to about this many leaves (each wedge ≥ 7°) and names this wide
SUNBURST_MAX_LEAVES = 48
SUNBURST_MAX_NAME_WIDTH = 20
SUNBURST_LABEL_WIDTH, TREEMAP_LABEL_WIDTH, TREEMAP_LABEL_LINES = 14, 18, 3


def text_width(text: str) -> int:
    """Display width: East Asian wide characters count two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` display columns, an ellipsis marking a cut."""
    text = " ".join(str(text).split())
    if text_width(text) <= width:
        return text
    out, used = [], 0
    for ch in text:
        w = text_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out).rstrip() + "…"


def wrap(text: str, width: int, lines: int) -> list[str]:
    """``text`` in at most ``lines`` lines of ``width`` display columns (Latin breaks at spaces; the last line
    ends in an ellipsis when text is left over)."""
    rest, out = " ".join(str(text).split()), []
    while rest and len(out) < lines:
        if len(out) == lines - 1 or text_width(rest) <= width:
            out.append(shorten(rest, width))
            break
        cut, used = 0, 0
        for i, ch in enumerate(rest):
            used += text_width(ch)
            if used > width:
                break
            cut = i + 1
        space = rest.rfind(" ", 0, cut + 1)
        if space > 0 and rest[:cut].isascii():  # a Latin phrase breaks between words
            cut = space
        out.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    return out


def framework_kind(by_competency: pd.DataFrame) -> str:
    """"sunburst" while its labels can be read, else "treemap" (many leaves, or long area / task names).

    A sunburst gives each leaf a wedge of 360° / leaves and area and task names a ring segment;
    past ``SUNBURST_MAX_LEAVES`` leaves or with area / task names wider than
    ``SUNBURST_MAX_NAME_WIDTH`` on average, a treemap's boxes hold wrapped labels instead.
    """
    if len(by_competency) > SUNBURST_MAX_LEAVES:
        return "treemap"
    names = [*by_competency.drop_duplicates("area_code")["area"], *by_competency.drop_duplicates("task_code")["task"]]
    widths = [text_width(str(n)) for n in names if isinstance(n, str)]
    return "treemap" if widths and sum(widths) / len(widths) > SUNBURST_MAX_NAME_WIDTH else "sunburst"


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
    shows a part of the matrix. Row ticks show the code and the start of the statement, column
    ticks the code over the start of the course name (``ROW_TICK_WIDTH``, ``COLUMN_TICK_WIDTH``).
    Each cell's ``text`` is its hover: full statement, course code and name, level, required
    level and importance. A last column marks each competency's required level, coloured by its
    gap status (``GAP_ORDER`` index), explained by a legend (one legend-only trace per status).
    ``customdata`` of every point is ``[competency_id, course_id]`` (course_id -1 on the required
    column: the whole row).
    """
    lab = _labels(labels)
    comp = by_competency.reset_index(drop=True)
    levels = matrix.reindex(index=comp["code"], columns=courses["code"], fill_value=0).to_numpy(dtype="int8")
    importance = _importance_text(comp["importance"], lab["unrated"])
    # the category of a row carries its full statement (unique, and what the required column's hover shows)
    row_labels = np.array([f"{code} {statement}<br>{lab['importance']}: {imp} · {lab['required']}: {req}"
                           for code, statement, imp, req in zip(comp["code"], comp["statement"], importance,
                                                                comp["required_level"], strict=True)], dtype=object)
    col_labels = np.array([f"{code} {name}" for code, name in zip(courses["code"], courses["name"], strict=True)],
                          dtype=object)
    row_ticks = np.array([f"{code} {shorten(statement, max(ROW_TICK_WIDTH - text_width(code) - 1, 6))}"
                          for code, statement in zip(comp["code"], comp["statement"], strict=True)], dtype=object)
    col_ticks = ["<br>".join([code, *wrap(name, COLUMN_TICK_WIDTH, COLUMN_TICK_LINES)])
                 for code, name in zip(courses["code"], courses["name"], strict=True)]
    n_rows, n_cols = levels.shape
    comp_ids = comp["id"].to_numpy(dtype="int32")
    customdata = np.empty((n_rows, n_cols, 2), dtype="int32")
    customdata[:, :, 0] = comp_ids[:, None]
    customdata[:, :, 1] = courses["id"].to_numpy(dtype="int32")[None, :]
    required = comp["required_level"].to_numpy(dtype="int8")
    level_names = [lab[f"level_{i}"] for i in range(4)]
    rows_hover = [f"<b>{code} {statement}</b><br>{lab['importance']}: {imp} · {lab['required']}: {req}"
                  for code, statement, imp, req in zip(comp["code"], comp["statement"], importance,
                                                       comp["required_level"], strict=True)]
    hover = np.array([[f"{row}<br><b>{col}</b><br>{lab['level']}: {level_names[int(z)]}" for col, z in
                       zip(col_labels, zrow, strict=True)] for row, zrow in zip(rows_hover, levels, strict=True)],
                     dtype=object).reshape(n_rows, n_cols)
    figure = go.Figure()
    figure.add_trace(go.Heatmap(
        z=levels, x=col_labels, y=row_labels, customdata=customdata, text=hover, zmin=-0.5, zmax=3.5,
        colorscale=_bands(LEVEL_COLORS), xgap=1, ygap=1, name=lab["level"],
        colorbar={"title": {"text": lab["level"], "side": "top"}, "tickvals": [0, 1, 2, 3],
                  "ticktext": level_names, "orientation": "h", "yref": "container",
                  "y": 0, "yanchor": "bottom", "x": 0.02, "xanchor": "left", "len": 0.45, "thickness": 12},
        hovertemplate="%{text}<extra></extra>",
    ))
    gap_index = pd.Series(comp["gap"]).map({g: i for i, g in enumerate(GAP_ORDER)}).fillna(3).to_numpy("int8")
    gap_names = [lab[f"gap_{GAP_ORDER[int(i)]}"] for i in gap_index]
    figure.add_trace(go.Scatter(
        x=np.full(n_rows, lab["required"], dtype=object), y=row_labels, mode="markers+text",
        text=required.astype(str).astype(object), textfont={"color": "white", "size": 10}, name=lab["required"],
        showlegend=False, customdata=np.column_stack([comp_ids, np.full(n_rows, -1, dtype="int32")]),
        hovertext=[f"{row}<br>{name}" for row, name in zip(rows_hover, gap_names, strict=True)],
        marker={"symbol": "square", "size": 14, "color": gap_index, "cmin": -0.5, "cmax": 3.5,
                "colorscale": _bands([GAP_COLORS[g] for g in GAP_ORDER])},
        hovertemplate="%{hovertext}<extra></extra>",
    ))
    for gap in GAP_ORDER:  # legend of the required column: entries only, no points
        figure.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", name=lab[f"gap_{gap}"], legendgroup="required",
            legendgrouptitle={"text": lab["legend_required"]}, hoverinfo="skip",
            marker={"symbol": "square", "size": 12, "color": GAP_COLORS[gap]}))
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
        height=height or min(max(420, 16 * n_rows + 300), 6000), margin={"l": 10, "r": 160, "t": 60, "b": 110},
        showlegend=True,
        legend={"orientation": "h", "yref": "container", "y": 0, "yanchor": "bottom", "x": 0.52, "xanchor": "left",
                "itemclick": False, "itemdoubleclick": False, "font": {"size": 11}},
        xaxis={"title": {"text": lab["course"]}, "side": "top", "type": "category", "categoryorder": "array",
               "categoryarray": [*col_labels, lab["required"]], "tickmode": "array", "automargin": True,
               "tickvals": [*col_labels, lab["required"]], "ticktext": [*col_ticks, lab["required"]],
               "tickfont": {"size": 10}},
        # rows keep the order of the frame (categories in trace order); numpy arrays validate fast
        yaxis={"title": {"text": lab["competency"]}, "type": "category", "range": [n_rows - 0.5, -0.5],
               "tickmode": "array", "tickvals": row_labels, "ticktext": row_ticks, "automargin": True,
               "tickfont": {"size": 10}},
    )
    return figure


def framework_figure(
    by_competency: pd.DataFrame, *, labels: Mapping[str, str] | None = None, kind: str = "auto",
) -> go.Figure:
    """Sunburst or treemap of area → task → competency, leaves coloured by gap status.

    ``kind="auto"`` picks by ``framework_kind``. Leaf size is the importance (unrated counts 1).
    Areas and tasks are labelled "code name" shortened (sunburst) or wrapped (treemap), leaves by
    code; the hover holds the full texts. ``customdata`` is the competency id on leaves and -1 on
    areas, tasks and the root.
    """
    if kind == "auto":
        kind = framework_kind(by_competency)
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
    full = [*(f"{c} {n}" for c, n in zip(areas.index, areas["area"], strict=True)),
            *(f"{c} {n}" for c, n in zip(tasks.index, tasks["task"], strict=True))]
    if kind == "treemap":
        short = ["<br>".join(wrap(n, TREEMAP_LABEL_WIDTH, TREEMAP_LABEL_LINES)) for n in full]
    else:
        short = [shorten(n, SUNBURST_LABEL_WIDTH) for n in full]
    names = [lab["programme"], *short, *comp["code"]]
    values = [float(weight.sum()), *areas["value"], *tasks["value"], *weight]
    colors = ["#ffffff", *(["#dddddd"] * len(areas)), *(["#eeeeee"] * len(tasks)),
              *(GAP_COLORS.get(g, "#777777") for g in comp["gap"])]
    gap_text = ["", *([""] * (len(areas) + len(tasks))), *(lab[f"gap_{g}"] for g in comp["gap"])]
    statements = [lab["programme"], *full,
                  *(f"{c} {s}<br>{lab['level']}: {lv} / {lab['required']}: {rq}" for c, s, lv, rq in
                    zip(comp["code"], comp["statement"], comp["level"], comp["required_level"], strict=True))]
    customdata = [-1, *([-1] * (len(areas) + len(tasks))), *comp["id"].astype(int)]
    trace_type = go.Treemap if kind == "treemap" else go.Sunburst
    extra = {"insidetextorientation": "radial"} if kind != "treemap" else {"tiling": {"pad": 2}}
    figure = go.Figure(trace_type(
        ids=ids, parents=parents, labels=names, values=values, branchvalues="total",
        marker={"colors": colors}, customdata=customdata, text=gap_text, hovertext=statements,
        textinfo="label", hovertemplate="%{hovertext}<br>%{text}<extra></extra>", **extra,
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
