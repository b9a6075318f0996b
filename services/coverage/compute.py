"""Computing coverage: vectorised pandas/numpy over the loaded frames (metrics, matrix, gaps, by
semester), the per-process cache, the command line's JSON and the drill-down."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import aliased

from models import (
    Alignment,
    Competency,
    Course,
    CourseStandard,
    LearningUnit,
    Objective,
    Program,
    User,
)
from models.enums import LEVEL_ORDER, SOURCE_KINDS
from services.coverage.load import (
    LEAF_COLUMNS,
    CoverageInputs,
    _current_standards,
    _gc_paused,
    data_version,
    load_inputs,
)
from services.errors import NotFound, ValidationFailed, field_error
from services.framework import build_frame
from services.outline import code_sort_key, required_level_from_importance
from services.vocabulary import counted_alignments

GAP_KINDS = ("uncovered", "below_required", "redundant")
GAP_TABLE_KINDS = (*GAP_KINDS, "under_invested", "over_invested", "orphan_course", "orphan_unit", "orphan_objective")
HEADLINE_METRICS = (
    "coverage_ratio", "weighted_coverage", "covered", "uncovered", "below_required", "redundant",
    "orphan_courses", "orphan_units", "orphan_objectives", "under_invested", "over_invested",
)
DEFAULT_REDUNDANT_THRESHOLD = 3
UNDER_INVESTMENT_RATIO = 0.5  # important competency with < half the median hours
OVER_INVESTMENT_RATIO = 2.0  # minor competency with > twice the median hours

BY_COMPETENCY_COLUMNS = [
    "id", "code", "statement", "area_code", "area", "task_code", "task", "job_role_id", "job_role", "comp_type",
    "importance", "required_level", "level", "courses", "n_courses", "strong_courses", "hours", "gap",
    "under_invested", "over_invested", "weight",
]
COURSE_COLUMNS = [
    "id", "code", "name", "course_type", "semester", "hours", "unallocated_hours", "alignments", "competencies",
    "strong", "orphan",
]
GAP_COLUMNS = [
    "kind", "competency_id", "code", "statement", "area_code", "area", "task", "job_role", "comp_type", "importance",
    "required_level", "level", "hours", "course_id", "course_code", "course_name", "target_id", "target_text",
    "course_codes", "course_types", "semesters", "weight",
]



# --------------------------------------------------------------------------- result


@dataclass(frozen=True)
class CoverageResult:
    """Everything the coverage page, the command line and snapshots show; treat the frames as read-only.

    - ``metrics``: headline numbers (see ``HEADLINE_METRICS`` plus competencies, courses, alignments).
    - ``by_competency``: one row per competency in framework order (``BY_COMPETENCY_COLUMNS``).
    - ``matrix``: competency code × course code, level 0–3 (0 = not aligned); rows in framework
      order, columns by semester then code.
    - ``levels``: the non-zero cells as a long frame (competency_id, course_id, level).
    - ``courses``: the programme's courses in matrix order (``COURSE_COLUMNS``).
    - ``gaps``: the gap table, one row per gap (``GAP_COLUMNS``, kinds in ``GAP_TABLE_KINDS``).
    - ``by_semester``: cumulative coverage after each semester (unscheduled courses last).
    """

    program: dict[str, Any]
    confirmed_only: bool
    redundant_threshold: int
    metrics: dict[str, Any]
    by_competency: pd.DataFrame
    matrix: pd.DataFrame
    levels: pd.DataFrame
    courses: pd.DataFrame
    gaps: pd.DataFrame
    by_semester: pd.DataFrame
    data_version: tuple = field(default=(), compare=False)
    source_kind: str = ""  # the source filter it was computed under ("" = every source)
    level: str = ""  # the level filter ("" = every level)

    def shallow_copy(self) -> CoverageResult:
        """A copy whose frames can be changed without touching the cached ones (copy-on-write)."""
        return replace(self, metrics=dict(self.metrics), **{
            name: getattr(self, name).copy(deep=False)
            for name in ("by_competency", "matrix", "levels", "courses", "gaps", "by_semester")})


def _order_courses(courses: pd.DataFrame) -> pd.DataFrame:
    """Courses by semester (unscheduled last), then natural code order."""
    semesters = courses["semester"].fillna(99).tolist()
    keys = [code_sort_key(c) for c in courses["code"]]
    order = sorted(range(len(courses)), key=lambda i: (semesters[i], keys[i]))
    return courses.iloc[order].reset_index(drop=True)


def _sibling_rank(nodes: pd.DataFrame) -> np.ndarray:
    """Position of each node in one stable sort by (sort_order, natural code): siblings compare as in build_frame."""
    sort_orders = nodes["sort_order"].fillna(0).tolist()
    keys = [code_sort_key(c) for c in nodes["code"]]
    rank = np.empty(len(nodes), dtype="int64")
    rank[sorted(range(len(nodes)), key=lambda i: (sort_orders[i], keys[i]))] = np.arange(len(nodes))
    return rank


def leaf_frame(nodes: pd.DataFrame, job_roles: dict[int, str]) -> pd.DataFrame:
    """The competencies (leaves, retired ones left out) in framework order with area and task context.

    Vectorised equivalent of ``services.framework.build_frame`` for the area → task →
    competency tree that the framework services enforce; any other shape falls back to it.
    """
    nodes = nodes.reset_index(drop=True).assign(_rank=_sibling_rank(nodes))
    areas = nodes[(nodes["kind"] == "area") & nodes["parent_id"].isna()]
    tasks = nodes[(nodes["kind"] == "task") & nodes["parent_id"].isin(areas["id"])]
    leaves = nodes[nodes["kind"] == "competency"]
    if not (leaves["parent_id"].isin(tasks["id"]).all() and len(areas) + len(tasks) + len(leaves) == len(nodes)):
        return _leaf_frame_from_tree(nodes, job_roles)
    task_info = tasks.set_index("id")
    area_info = areas.set_index("id")
    parent = leaves["parent_id"]
    area_id = parent.map(task_info["parent_id"])
    role_id = leaves["job_role_id"].fillna(parent.map(task_info["job_role_id"]))
    from_importance = {i: required_level_from_importance(i) for i in range(1, 6)}
    required = leaves["required_level"].fillna(
        leaves["importance"].map(from_importance).fillna(required_level_from_importance(None)))
    frame = pd.DataFrame({
        "id": leaves["id"], "code": leaves["code"], "statement": leaves["statement"], "comp_type": leaves["comp_type"],
        "importance": leaves["importance"], "required_level": required, "job_role_id": role_id,
        "job_role": _names(role_id, job_roles), "status": leaves["status"],
        "area_code": area_id.map(area_info["code"]), "area": area_id.map(area_info["statement"]),
        "task_code": parent.map(task_info["code"]), "task": parent.map(task_info["statement"]),
    })
    order = np.lexsort((leaves["_rank"].to_numpy(), parent.map(task_info["_rank"]).to_numpy(),
                        area_id.map(area_info["_rank"]).to_numpy()))
    frame = frame.iloc[order]
    return _typed_leaves(frame[frame["status"] != "retired"].reset_index(drop=True))


def _names(ids: pd.Series, names: dict[int, str]) -> pd.Series:
    """``names[id]`` per row, "" where there is none (object dtype, also when every row is empty)."""
    found = ids.map(names)
    return found.astype(object).where(found.notna(), "")


def _leaf_frame_from_tree(nodes: pd.DataFrame, job_roles: dict[int, str]) -> pd.DataFrame:
    records = nodes.drop(columns="_rank").astype(object).where(nodes.drop(columns="_rank").notna(), None)
    records = [{k: (int(v) if k in ("id", "parent_id", "importance", "required_level", "job_role_id", "sort_order")
                    and v is not None else v) for k, v in row.items()} for row in records.to_dict("records")]
    frame = build_frame(records, job_roles)
    frame = frame[(frame["kind"] == "competency") & (frame["status"] != "retired")]
    return _typed_leaves(frame[LEAF_COLUMNS].reset_index(drop=True))


def _typed_leaves(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame[LEAF_COLUMNS].copy()
    frame["id"] = frame["id"].astype("int64")
    frame["required_level"] = frame["required_level"].astype("int64")
    for column in ("importance", "job_role_id"):
        frame[column] = pd.to_numeric(frame[column]).astype("float64")
    return frame


def _counted_alignments(inputs: CoverageInputs, leaf_ids: np.ndarray, *, confirmed_only: bool) -> pd.DataFrame:
    """Alignments that count: status per mode, on a counted competency and a current unit/objective."""
    a = inputs.alignments
    keep = counted_alignments(a["status"], confirmed_only=confirmed_only)
    keep &= a["competency_id"].isin(leaf_ids) & a["course_id"].isin(inputs.courses["id"])
    # unit/objective alignments of superseded standard revisions belong to history
    keep &= a["unit_id"].isna() | a["unit_id"].isin(inputs.units["id"])
    keep &= a["unit_id"].notna() | a["objective_id"].isna() | a["objective_id"].isin(inputs.objectives["id"])
    return a[keep]


def _hours(a: pd.DataFrame, inputs: CoverageInputs, courses: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Hours per competency, and unallocated hours per course (docs/coverage.md, "Hours")."""
    on_unit = a[a["unit_id"].notna()]
    unit_hours = on_unit["unit_id"].map(inputs.units.set_index("id")["hours"]).fillna(0)
    unit_share = unit_hours * on_unit["level"] / on_unit.groupby("unit_id")["level"].transform("sum")
    # course hours not broken down into units are shared among the course-level alignments
    allocated = inputs.units.groupby("course_id")["hours"].sum()
    course_hours = (courses["hours_theory"] + courses["hours_practice"]).set_axis(courses["id"])
    unallocated = (course_hours - allocated.reindex(course_hours.index, fill_value=0)).clip(lower=0)
    on_course = a[a["unit_id"].isna() & a["objective_id"].isna()]
    course_share = (on_course["course_id"].map(unallocated).fillna(0) * on_course["level"]
                    / on_course.groupby("course_id")["level"].transform("sum"))
    shares = pd.concat([
        pd.DataFrame({"competency_id": on_unit["competency_id"], "hours": unit_share}),
        pd.DataFrame({"competency_id": on_course["competency_id"], "hours": course_share}),
    ])
    return shares.groupby("competency_id")["hours"].sum(), unallocated


def _split(competency_ids: np.ndarray, values: list) -> tuple[np.ndarray, list[list]]:
    """Group a list sorted by competency into one list per competency (ids, lists)."""
    if not values:
        return competency_ids[:0], []
    starts = np.flatnonzero(np.r_[True, competency_ids[1:] != competency_ids[:-1]])
    ends = np.r_[starts[1:], len(values)]
    return competency_ids[starts], [values[s:e] for s, e in zip(starts.tolist(), ends.tolist(), strict=True)]


def _courses_by_competency(cells: pd.DataFrame, course_index: pd.DataFrame) -> pd.Series:
    """Per competency id: {course code: level}, courses by semester then code."""
    if cells.empty:
        return pd.Series(dtype=object)
    ordered = cells.assign(_pos=cells["course_id"].map(course_index["pos"])).sort_values(["competency_id", "_pos"])
    comp = ordered["competency_id"].to_numpy()
    ids, codes = _split(comp, ordered["course_id"].map(course_index["code"]).tolist())
    _, levels = _split(comp, ordered["level"].tolist())
    return pd.Series([dict(zip(c, lv, strict=True)) for c, lv in zip(codes, levels, strict=True)], index=ids,
                     dtype=object)


def _course_lists(present: np.ndarray, courses: pd.DataFrame) -> dict[str, list[list]]:
    """For each row of ``present`` (rows × courses, bool): its course codes, distinct types and semesters."""
    codes = courses["code"].to_numpy(dtype=object)
    types, type_of = np.unique(courses["course_type"].to_numpy(dtype=object), return_inverse=True)
    semester = courses["semester"].to_numpy(dtype="float64")
    semesters = np.unique(semester[~np.isnan(semester)]).astype("int64")
    has_type = (present.astype("int32") @ (type_of[:, None] == np.arange(len(types))[None, :])) > 0
    has_semester = (present.astype("int32") @ (semester[:, None] == semesters[None, :])) > 0
    return {"course_codes": [codes[row].tolist() for row in present],
            "course_types": [types[row].tolist() for row in has_type],
            "semesters": [semesters[row].tolist() for row in has_semester]}


def _weighted(levels: np.ndarray, required: np.ndarray, weights: np.ndarray) -> float:
    """Σ importance × min(level / required, 1) ÷ Σ importance (0.0 for no competencies)."""
    total = weights.sum()
    if total <= 0:
        return 0.0
    return float((weights * np.minimum(levels / required, 1.0)).sum() / total)


def _by_semester(matrix: np.ndarray, courses: pd.DataFrame, required: np.ndarray, weights: np.ndarray) -> pd.DataFrame:
    """Cumulative coverage after each semester: max level over the courses taught so far."""
    columns = ["semester", "courses", "covered", "coverage_ratio", "meets_required", "meets_required_ratio",
               "weighted_coverage"]
    if courses.empty:
        return pd.DataFrame(columns=columns)
    semesters = courses["semester"].to_numpy(dtype="float64")
    steps = list(dict.fromkeys(semesters.tolist()))  # courses are ordered: semesters ascending, NaN last
    per_step = np.column_stack([
        matrix[:, np.isnan(semesters) if np.isnan(s) else semesters == s].max(axis=1, initial=0) for s in steps])
    cumulative = np.maximum.accumulate(per_step, axis=1)
    n = max(len(required), 1)
    rows = []
    for j, s in enumerate(steps):
        level = cumulative[:, j]
        rows.append({
            "semester": None if np.isnan(s) else int(s),
            "courses": int((semesters <= s).sum() if not np.isnan(s) else len(semesters)),
            "covered": int((level > 0).sum()), "coverage_ratio": float((level > 0).sum() / n),
            "meets_required": int((level >= required).sum()),
            "meets_required_ratio": float((level >= required).sum() / n),
            "weighted_coverage": _weighted(level, required, weights),
        })
    frame = pd.DataFrame(rows, columns=columns)
    frame["semester"] = frame["semester"].astype("Int64")
    return frame


def coverage_from_inputs(
    inputs: CoverageInputs, *, confirmed_only: bool = False, redundant_threshold: int = DEFAULT_REDUNDANT_THRESHOLD,
) -> CoverageResult:
    """Compute coverage from loaded frames (pure; the definitions are in docs/coverage.md)."""
    if not isinstance(redundant_threshold, int) or isinstance(redundant_threshold, bool) or redundant_threshold < 1:
        raise ValidationFailed([field_error("redundant_threshold", "error.field.threshold",
                                        message=f"redundant threshold: a whole number ≥ 1, not {redundant_threshold!r}")])
    with _gc_paused():
        return _compute(inputs, confirmed_only=confirmed_only, redundant_threshold=redundant_threshold)


def _compute(inputs: CoverageInputs, *, confirmed_only: bool, redundant_threshold: int) -> CoverageResult:
    leaves = leaf_frame(inputs.nodes, inputs.job_roles)
    leaf_ids = leaves["id"].to_numpy(dtype="int64")
    courses = _order_courses(inputs.courses)
    course_index = pd.DataFrame({"pos": np.arange(len(courses)), "code": courses["code"].to_numpy(),
                                 "course_type": courses["course_type"].to_numpy(),
                                 "semester": courses["semester"].to_numpy(dtype="float64")},
                                index=courses["id"].to_numpy())
    a = _counted_alignments(inputs, leaf_ids, confirmed_only=confirmed_only)

    # level per competency × course = max over the course and its units and objectives
    cells = a.groupby(["competency_id", "course_id"], sort=False, as_index=False)["level"].max()
    cells["level"] = cells["level"].astype("int64")
    row_pos = pd.Series(np.arange(len(leaves)), index=leaf_ids)
    matrix = np.zeros((len(leaves), len(courses)), dtype="int8")
    rows_at = row_pos.reindex(cells["competency_id"]).to_numpy()
    matrix[rows_at, course_index["pos"].reindex(cells["course_id"]).to_numpy()] = cells["level"].to_numpy()

    level = matrix.max(axis=1, initial=0).astype("int64")
    strong = (matrix == 3).sum(axis=1)
    n_courses = (matrix > 0).sum(axis=1)
    importance = leaves["importance"].astype("float64").to_numpy()
    weights = np.nan_to_num(importance, nan=1.0)  # unrated counts as importance 1
    if inputs.weight_override:  # a chosen level's skill weight tables (weights_for_level); investment stays by importance
        weighted_by = np.array([inputs.weight_override.get(int(i), w) for i, w in zip(leaf_ids, weights, strict=True)])
    else:
        weighted_by = weights
    required = leaves["required_level"].astype("int64").to_numpy()
    gap = np.select([level == 0, level < required, strong >= redundant_threshold], list(GAP_KINDS), "ok")

    hours_by_comp, unallocated = _hours(a, inputs, courses)
    hours = hours_by_comp.reindex(leaf_ids, fill_value=0.0).to_numpy(dtype="float64")
    positive = hours[(level > 0) & (hours > 0)]
    median_hours = float(np.median(positive)) if len(positive) else None
    if median_hours is None:
        under = over = np.zeros(len(leaves), dtype=bool)
    else:
        under = (weights >= 4) & (level > 0) & (hours < UNDER_INVESTMENT_RATIO * median_hours)
        over = (weights <= 2) & (hours > OVER_INVESTMENT_RATIO * median_hours)

    course_levels = _courses_by_competency(cells, course_index).reindex(leaf_ids)
    by_competency = pd.DataFrame({
        **{c: leaves[c].to_numpy() for c in ("id", "code", "statement", "area_code", "area", "task_code", "task",
                                             "job_role_id", "job_role", "comp_type")},
        "importance": leaves["importance"].to_numpy(), "required_level": required, "level": level,
        "courses": [d if isinstance(d, dict) else {} for d in course_levels.tolist()],
        "n_courses": n_courses, "strong_courses": strong, "hours": hours, "gap": gap,
        "under_invested": under, "over_invested": over, "weight": weighted_by,
    }, columns=BY_COMPETENCY_COLUMNS)
    by_competency["importance"] = by_competency["importance"].astype("Int64")
    by_competency["job_role_id"] = by_competency["job_role_id"].astype("Int64")

    counted = a.groupby("course_id").size()
    course_frame = pd.DataFrame({
        "id": courses["id"].to_numpy(), "code": courses["code"].to_numpy(), "name": courses["name"].to_numpy(),
        "course_type": courses["course_type"].to_numpy(), "semester": courses["semester"].to_numpy(),
        "hours": (courses["hours_theory"] + courses["hours_practice"]).to_numpy(),
        "unallocated_hours": unallocated.reindex(courses["id"]).fillna(0).to_numpy(),
        "alignments": counted.reindex(courses["id"], fill_value=0).to_numpy(),
        "competencies": (matrix > 0).sum(axis=0), "strong": (matrix == 3).sum(axis=0),
    }, columns=COURSE_COLUMNS[:-1])
    course_frame["orphan"] = course_frame["alignments"] == 0
    course_frame["semester"] = courses["semester"].astype("Int64").to_numpy()

    def in_course_order(rows: pd.DataFrame) -> pd.DataFrame:
        return rows.iloc[np.lexsort((rows["id"].to_numpy(), rows["course_id"].map(course_index["pos"]).to_numpy()))]

    orphan_units = in_course_order(inputs.units[~inputs.units["id"].isin(a["unit_id"].dropna())])
    orphan_objectives = in_course_order(inputs.objectives[~inputs.objectives["id"].isin(a["objective_id"].dropna())])
    gaps = _gap_table(by_competency, matrix > 0, courses, course_frame, orphan_units, orphan_objectives,
                      by_weight=bool(inputs.weight_override))

    n = len(leaves)
    covered = int((level > 0).sum())
    metrics = {
        "competencies": n, "courses": len(courses), "alignments": len(a), "covered": covered,
        "coverage_ratio": covered / n if n else 0.0, "weighted_coverage": _weighted(level, required, weighted_by),
        **{kind: int((gap == kind).sum()) for kind in GAP_KINDS},
        "orphan_courses": int(course_frame["orphan"].sum()), "orphan_units": len(orphan_units),
        "orphan_objectives": len(orphan_objectives),
        "under_invested": int(under.sum()), "over_invested": int(over.sum()), "median_hours": median_hours,
    }
    return CoverageResult(
        program=dict(inputs.program), confirmed_only=confirmed_only, redundant_threshold=redundant_threshold,
        metrics=metrics, by_competency=by_competency,
        matrix=pd.DataFrame(matrix, index=pd.Index(leaves["code"].to_numpy(), name="competency"),
                            columns=pd.Index(courses["code"].to_numpy(), name="course")),
        levels=cells[["competency_id", "course_id", "level"]].reset_index(drop=True),
        courses=course_frame, gaps=gaps, by_semester=_by_semester(matrix, courses, required, weighted_by),
    )


def _gap_table(comp: pd.DataFrame, present: np.ndarray, courses: pd.DataFrame, course_frame: pd.DataFrame,
               orphan_units: pd.DataFrame, orphan_objectives: pd.DataFrame, *, by_weight: bool = False
               ) -> pd.DataFrame:
    """One row per gap: competency gaps and flags first, then orphan courses, units and objectives. With
    ``by_weight`` (a level's skill weight tables apply) each kind's competencies come heaviest first."""
    masks = [comp["gap"].eq(kind).to_numpy() if kind in GAP_KINDS else comp[kind].to_numpy(dtype=bool)
             for kind in GAP_TABLE_KINDS[:5]]
    weight = comp["weight"].to_numpy(dtype="float64")
    rows = np.concatenate([_heaviest_first(np.flatnonzero(mask), weight) if by_weight else np.flatnonzero(mask)
                           for mask in masks])
    base = comp.iloc[rows].drop(columns=["courses"]).rename(columns={"id": "competency_id"})
    base.insert(0, "kind", np.repeat(GAP_TABLE_KINDS[:5], [int(mask.sum()) for mask in masks]))
    parts = [base.assign(**_course_lists(present[rows], courses))]
    info = course_frame.set_index("id")
    orphan_courses = course_frame[course_frame["orphan"]].rename(columns={"id": "course_id"})
    for kind, items, text in (("orphan_course", orphan_courses, None), ("orphan_unit", orphan_units, "title"),
                              ("orphan_objective", orphan_objectives, "text")):
        if items.empty:
            continue
        course_ids = items["course_id"].to_numpy()
        target_text = items["name"] if text is None else (
            items[text] if kind == "orphan_unit" else (items["code"].fillna("") + " " + items[text]).str.strip())
        sem = info["semester"].reindex(course_ids)
        parts.append(pd.DataFrame({
            "kind": kind, "course_id": course_ids, "course_code": info["code"].reindex(course_ids).to_numpy(),
            "course_name": info["name"].reindex(course_ids).to_numpy(),
            "target_id": course_ids if text is None else items["id"].to_numpy(),
            "target_text": target_text.to_numpy(),
            "course_codes": [[c] for c in info["code"].reindex(course_ids)],
            "course_types": [[t] for t in info["course_type"].reindex(course_ids)],
            "semesters": [[] if pd.isna(s) else [int(s)] for s in sem],
        }))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=GAP_COLUMNS)
    table = pd.concat(parts, ignore_index=True).reindex(columns=GAP_COLUMNS)
    for column in ("competency_id", "importance", "required_level", "level", "course_id", "target_id"):
        table[column] = table[column].astype("Int64")
    return table


def _heaviest_first(rows: np.ndarray, weight: np.ndarray) -> np.ndarray:
    return rows[np.argsort(-weight[rows], kind="stable")]


def weights_for_level(inputs: CoverageInputs, level: str | None) -> dict[int, float]:
    """Competency id → weight from the skill weight tables (比重表) at ``level`` (docs/coverage.md, pure).

    For each source with a skill table at that level, its requirements whose 职业功能 (the statement of
    their work area) is an item of the table share the item's weight equally; the source's total weight
    stays what its importance gave those requirements (so other sources keep their share):
    w_r = I_S × (W(f_r) / n(f_r)) / Σ_f∈S W(f), I_S = Σ importance (unrated: 1) over those requirements.
    A source whose matched items all weigh 0 keeps its importance weights.
    """
    if not level or not inputs.skill_weights:
        return {}
    from services.sources import source_of_nodes  # services.sources builds on this package

    nodes = inputs.nodes
    ids = nodes["id"].astype("int64").to_numpy()
    parent = dict(zip(ids, nodes["parent_id"], strict=True))
    kind = dict(zip(ids, nodes["kind"], strict=True))
    statement = dict(zip(ids, nodes["statement"], strict=True))
    importance = dict(zip(ids, nodes["importance"], strict=True))
    source = source_of_nodes(nodes)

    def function_of(node_id: int) -> str | None:
        seen = 0
        while node_id is not None and not pd.isna(node_id) and seen < 64:
            node_id = int(node_id)
            if kind.get(node_id) == "area":
                return weight_key(statement[node_id])
            node_id, seen = parent.get(node_id), seen + 1
        return None

    out: dict[int, float] = {}
    groups: dict[int, list[tuple[int, str, float]]] = {}
    for node_id in ids[(nodes["kind"] == "competency").to_numpy()]:
        table = inputs.skill_weights.get(source.get(int(node_id)) or -1, {}).get(level)
        if not table:
            continue
        keyed = {weight_key(item): w for item, w in table.items()}
        function = function_of(int(node_id))
        if function in keyed:
            imp = importance[int(node_id)]
            groups.setdefault(source[int(node_id)], []).append(
                (int(node_id), function, 1.0 if pd.isna(imp) else float(imp)))
    for role_id, rows in groups.items():
        keyed = {weight_key(item): w for item, w in inputs.skill_weights[role_id][level].items()}
        counts: dict[str, int] = {}
        for _, function, _ in rows:
            counts[function] = counts.get(function, 0) + 1
        total = sum(keyed[f] for f in counts)
        if total <= 0:
            continue
        budget = sum(imp for _, _, imp in rows)
        for node_id, function, _ in rows:
            out[node_id] = budget * keyed[function] / counts[function] / total
    return out


def weight_key(text: str) -> str:
    """A 职业功能 name for matching a weight-table item with a work area: without outline numbers, spaces and
    punctuation ("1. 设备安装" = "设备安装")."""
    return re.sub(r"[\s\u3000.．、:：()（）]+", "", re.sub(r"^[\s\u3000]*[\d.．]+[\s\u3000.．、]*", "", str(text)))


def filter_gaps(
    gaps: pd.DataFrame, *, kinds: list[str] | None = None, job_roles: list[str] | None = None,
    areas: list[str] | None = None, comp_types: list[str] | None = None, importance: list[int] | None = None,
    course_types: list[str] | None = None, semesters: list[int] | None = None,
) -> pd.DataFrame:
    """Rows of the gap table matching every given filter (a list means "any of"; ``None`` = no filter).

    Course type and semester match a row when any of its courses has them (an uncovered
    competency has no course, so those filters leave it out).
    """
    mask = pd.Series(True, index=gaps.index)
    for column, wanted in (("kind", kinds), ("job_role", job_roles), ("area_code", areas),
                           ("comp_type", comp_types), ("importance", importance)):
        if wanted:
            mask &= gaps[column].isin(wanted)
    for column, wanted in (("course_types", course_types), ("semesters", semesters)):
        if wanted:
            wanted_set = set(wanted)
            mask &= gaps[column].map(lambda values, wanted_set=wanted_set: bool(wanted_set.intersection(values or ())))
    return gaps[mask]


# --------------------------------------------------------------------------- cache and entry points


_CACHE: OrderedDict[tuple, CoverageResult] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 16


def check_source_filter(source_kind: str | None, level: str | None) -> tuple[str, str]:
    """The source filter as ("kind", "level"), "" for all; an unknown kind or level is ``ValidationFailed``."""
    kind, lv = source_kind or "", level or ""
    if kind and kind not in SOURCE_KINDS:
        raise ValidationFailed([field_error("source_kind", "coverage.error.source_kind",
                                            message=f"source kind: one of {', '.join(SOURCE_KINDS)}, not {kind!r}")])
    if lv and lv not in LEVEL_ORDER:
        raise ValidationFailed([field_error("level", "coverage.error.level",
                                            message=f"level: one of {', '.join(LEVEL_ORDER)}, not {lv!r}")])
    return kind, lv


def restrict_to_sources(inputs: CoverageInputs, *, source_kind: str | None = None,
                        level: str | None = None) -> CoverageInputs:
    """The inputs with only the competencies of one source kind and / or level (pure).

    Sources and levels as ``services.sources`` reads them (one rule): a competency's source is its
    own job role or its task's; without one it counts as "job". A level keeps the requirements at
    that level and below on its scale (``levels_up_to``) plus those without a level. Areas and tasks stay.
    """
    kind, lv = check_source_filter(source_kind, level)
    if not kind and not lv:
        return inputs
    from services.sources import levels_up_to, source_of_nodes  # services.sources builds on this package

    nodes = inputs.nodes
    keep = (nodes["kind"] != "competency").to_numpy()
    leaf = ~keep
    ids = nodes["id"].astype("int64").to_numpy()
    if kind:
        source = source_of_nodes(nodes)
        kinds = np.array([inputs.role_kinds.get(source[int(i)], "job") if source[int(i)] is not None else "job"
                          for i in ids], dtype=object)
        leaf &= kinds == kind
    if lv:
        allowed = levels_up_to(lv) | {""}
        leaf &= np.array([inputs.cert_levels.get(int(i), "") in allowed for i in ids], dtype=bool)
    return replace(inputs, nodes=nodes[keep | leaf].reset_index(drop=True))


def compute_coverage(
    engine: Engine, *, program_id: int, confirmed_only: bool = False,
    redundant_threshold: int = DEFAULT_REDUNDANT_THRESHOLD, use_cache: bool = True,
    source_kind: str | None = None, level: str | None = None,
) -> CoverageResult:
    """Coverage of a programme (``NotFound`` for an unknown one), from the cache when nothing changed.

    ``confirmed_only`` counts accepted alignments only; by default every alignment that is
    not rejected counts. ``redundant_threshold`` is N in "level 3 in at least N courses".
    ``source_kind`` (job / certificate / competition) and ``level`` (e.g. 中级) restrict it to those
    requirements (``restrict_to_sources``); None or "" means all. Every figure is then of that subset.
    """
    kind, lv = check_source_filter(source_kind, level)

    def computed() -> CoverageResult:
        inputs = restrict_to_sources(load_inputs(engine, program_id=program_id), source_kind=kind, level=lv)
        inputs = replace(inputs, weight_override=weights_for_level(inputs, lv))
        return replace(coverage_from_inputs(inputs, confirmed_only=bool(confirmed_only),
                                            redundant_threshold=redundant_threshold), source_kind=kind, level=lv)

    if not use_cache:
        return computed()
    key = (engine.url.render_as_string(hide_password=True), program_id, bool(confirmed_only), redundant_threshold,
           kind, lv)
    version = data_version(engine, program_id=program_id)  # read before loading: a race only costs a recompute
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached.data_version == version:
            _CACHE.move_to_end(key)
            return cached.shallow_copy()
    result = replace(computed(), data_version=version)
    with _CACHE_LOCK:
        _CACHE[key] = result
        _CACHE.move_to_end(key)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return result.shallow_copy()


def clear_cache() -> None:
    """Forget every cached result of this process (tests and benchmarks)."""
    with _CACHE_LOCK:
        _CACHE.clear()


def program_id_for_code(engine: Engine, *, code: str) -> int:
    """The id of the programme with ``code``; ``NotFound`` otherwise."""
    with engine.connect() as conn:
        program_id = conn.execute(select(Program.id).where(Program.code == code)).scalar()
    if program_id is None:
        raise NotFound(f"programme {code} not found", code=code)
    return program_id


def _natural(codes) -> list[str]:
    return sorted((str(c) for c in codes), key=code_sort_key)


def result_json(result: CoverageResult) -> dict[str, Any]:
    """The JSON object of ``manage.py coverage --json`` (issue 4); code lists in natural outline order."""
    comp, m = result.by_competency, result.metrics
    rows = comp.iloc[sorted(range(len(comp)), key=lambda i: code_sort_key(comp["code"].iat[i]))]
    return {
        "program": result.program["code"],
        "competencies": m["competencies"], "courses": m["courses"], "alignments": m["alignments"],
        "covered": m["covered"], "coverage_ratio": round(m["coverage_ratio"], 4),
        "weighted_coverage": round(m["weighted_coverage"], 4),
        "uncovered": _natural(comp.loc[comp["gap"] == "uncovered", "code"]),
        "below_required": _natural(comp.loc[comp["gap"] == "below_required", "code"]),
        "redundant": _natural(comp.loc[comp["gap"] == "redundant", "code"]),
        "orphan_courses": _natural(result.courses.loc[result.courses["orphan"], "code"]),
        "by_competency": [
            {"code": code, "statement": statement, "importance": None if pd.isna(importance) else int(importance),
             "required_level": int(required), "level": int(level), "courses": dict(courses),
             "hours": round(float(hours), 2)}
            for code, statement, importance, required, level, courses, hours in zip(
                rows["code"], rows["statement"], rows["importance"], rows["required_level"], rows["level"],
                rows["courses"], rows["hours"], strict=True)
        ],
    }


# --------------------------------------------------------------------------- drill-down


DETAIL_COLUMNS = [
    "alignment_id", "competency_id", "course_id", "course_code", "course_name", "semester", "target_kind", "target_id",
    "target_text", "level", "status", "proposed_by", "proposed_side", "decided_by", "reason", "current", "version",
]
_TARGET_ORDER = {"course": 0, "unit": 1, "objective": 2}


def alignment_details(
    engine: Engine, *, program_id: int, competency_id: int, course_id: int | None = None,
) -> pd.DataFrame:
    """The alignments behind a heatmap row (or cell, with ``course_id``): every status, with provenance.

    ``current`` is False for unit/objective alignments of a superseded standard revision,
    which coverage ignores. ``NotFound`` when the competency is not in the programme.
    """
    proposer, decider = aliased(User), aliased(User)
    current = _current_standards(program_id)
    unit_standard, objective_standard = aliased(CourseStandard), aliased(CourseStandard)
    stmt = (
        select(Alignment.id, Alignment.competency_id, Course.id, Course.code, Course.name, Course.semester,
               Alignment.unit_id, LearningUnit.title, Alignment.objective_id, Objective.code, Objective.text,
               Alignment.level, Alignment.status, proposer.display_name, Alignment.proposed_side,
               decider.display_name, Alignment.reason, Alignment.version,
               func.coalesce(unit_standard.id, objective_standard.id), current.c.id)
        .join(Course, Course.id == Alignment.course_id)
        .outerjoin(LearningUnit, LearningUnit.id == Alignment.unit_id)
        .outerjoin(unit_standard, unit_standard.id == LearningUnit.standard_id)
        .outerjoin(Objective, Objective.id == Alignment.objective_id)
        .outerjoin(objective_standard, objective_standard.id == Objective.standard_id)
        .outerjoin(current, current.c.id == func.coalesce(unit_standard.id, objective_standard.id))
        .outerjoin(proposer, proposer.id == Alignment.proposed_by_id)
        .outerjoin(decider, decider.id == Alignment.decided_by_id)
        .where(Alignment.competency_id == competency_id, Course.program_id == program_id)
    )
    if course_id is not None:
        stmt = stmt.where(Alignment.course_id == course_id)
    with engine.connect() as conn:
        owner = conn.execute(select(Competency.program_id).where(Competency.id == competency_id)).scalar()
        if owner != program_id:
            raise NotFound(f"competency {competency_id} not found in programme {program_id}")
        rows = conn.execute(stmt).all()
    out = []
    for (a_id, comp_id, c_id, c_code, c_name, semester, unit_id, unit_title, objective_id, o_code, o_text, level,
         status, proposed_by, side, decided_by, reason, version, standard_id, current_id) in rows:
        kind = "unit" if unit_id is not None else "objective" if objective_id is not None else "course"
        text = {"unit": unit_title, "objective": f"{o_code or ''} {o_text or ''}".strip(), "course": c_name}[kind]
        out.append({
            "alignment_id": a_id, "competency_id": comp_id, "course_id": c_id, "course_code": c_code,
            "course_name": c_name, "semester": semester, "target_kind": kind,
            "target_id": {"unit": unit_id, "objective": objective_id, "course": c_id}[kind], "target_text": text,
            "level": level, "status": status, "proposed_by": proposed_by or "", "proposed_side": side or "",
            "decided_by": decided_by or "", "reason": reason or "",
            "current": kind == "course" or (standard_id is not None and standard_id == current_id),
            "version": version,
        })
    out.sort(key=lambda r: (r["semester"] is None, r["semester"] or 0, code_sort_key(r["course_code"]),
                            _TARGET_ORDER[r["target_kind"]], -r["level"], r["alignment_id"]))
    frame = pd.DataFrame(out, columns=DETAIL_COLUMNS)
    frame["semester"] = frame["semester"].astype("Int64")
    return frame
