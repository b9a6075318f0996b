"""岗课赛证: coverage per source — job roles, certificates (1+X, 国家职业技能标准), skills competitions.

A source is a ``JobRole`` row whose ``kind`` is job, certificate or competition; its requirements
are the competencies whose job role (own or their task's) is that source, each with an optional
``cert_level`` as the standard writes it. Coverage is the programme's coverage
(``services.coverage``, one computation, cached) restricted to a source's requirements, so the
figures agree with the coverage page competency by competency.

A level filter ("for the 中级 certificate") keeps the requirements at that level *and below on
the same scale* (1+X 初级 < 中级 < 高级; 国家职业技能标准 五级 < 四级 < … < 一级), since a higher
certificate includes the lower ones, plus the requirements without a level.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import SkillWeight
from models.enums import LEVEL_ORDER, SOURCE_KINDS
from services.coverage import compute_coverage
from services.db import session_scope
from services.errors import ValidationFailed, field_error
from services.framework import competency_links, framework_frame, list_job_roles
from services.outline import required_level_from_importance
from services.programs import get_program

SCALES = (("初级", "中级", "高级"), ("五级", "四级", "三级", "二级", "一级"))


def levels_up_to(level: str) -> set[str]:
    """The levels a certificate at ``level`` requires: that level and those below it on its scale."""
    for scale in SCALES:
        if level in scale:
            return set(scale[:scale.index(level) + 1])
    return {level}


def source_of_nodes(nodes: pd.DataFrame) -> dict[int, int | None]:
    """node id → its source: its own job role, else its parent's (a requirement inherits its task's or
    its work area's), as the DACUM chart reads the tree (pure)."""
    own = {int(i): (None if pd.isna(r) else int(r)) for i, r in zip(nodes["id"], nodes["job_role_id"], strict=True)}
    parent = {int(i): (None if pd.isna(p) else int(p)) for i, p in zip(nodes["id"], nodes["parent_id"], strict=True)}
    out: dict[int, int | None] = {}

    def resolve(node_id: int) -> int | None:
        if node_id not in out:
            up = parent.get(node_id)
            out[node_id] = own.get(node_id) or (resolve(up) if up is not None else None)
        return out[node_id]

    for node_id in own:
        resolve(node_id)
    return out


def source_frame(engine: Engine, *, program_id: int, confirmed_only: bool = False,
                 level: str | None = None) -> pd.DataFrame:
    """One row per competency: the coverage page's row plus ``source_id``, ``source``, ``source_kind``
    and ``cert_level`` (competencies without a job role have source kind "job" and no source). With a
    ``level``, the coverage page's rows for that level: those at it and below, weighted by the weight
    tables at that level where a source has them (``weight``, ``coverage.weights_for_level``)."""
    coverage = compute_coverage(engine, program_id=program_id, confirmed_only=confirmed_only,
                                level=level or None).by_competency
    nodes = framework_frame(engine, program_id=program_id)
    levels = dict(zip(nodes["id"].astype(int), nodes["cert_level"].fillna(""), strict=True))
    roles = {r["id"]: r for r in list_job_roles(engine, program_id=program_id)}
    frame = coverage.copy()
    ids = pd.Series(source_of_nodes(nodes), dtype="Int64").reindex(frame["id"].astype(int)).to_numpy()
    frame["source_id"] = ids
    frame["source"] = [roles[int(i)]["name"] if not pd.isna(i) and int(i) in roles else "" for i in ids]
    frame["source_kind"] = [roles[int(i)]["kind"] if not pd.isna(i) and int(i) in roles else "job" for i in ids]
    frame["cert_level"] = [levels.get(int(i), "") for i in frame["id"]]
    return linked_levels(frame, competency_links(engine, program_id=program_id))


def linked_levels(frame: pd.DataFrame, links: list[dict[str, Any]]) -> pd.DataFrame:
    """A linked requirement takes the best coverage level of its links (an alignment to either counts
    for both; links chain: A = B = C share one level) — pure; ``linked`` lists the codes it is linked to
    and ``own_level`` keeps the level of its own alignments."""
    frame = frame.copy()
    frame["linked"] = [[] for _ in range(len(frame))]
    frame["own_level"] = frame["level"]
    if not links or frame.empty:
        return frame
    group = {int(i): int(i) for i in frame["id"]}

    def root(node: int) -> int:
        while group[node] != node:
            node = group[node]
        return node

    code = dict(zip(frame["id"].astype(int), frame["code"], strict=True))
    position = {int(i): n for n, i in enumerate(frame["id"])}
    for link in links:
        a, b = link["low_id"], link["high_id"]
        if a in group and b in group:
            group[root(a)] = root(b)
            frame.at[frame.index[position[a]], "linked"].append(code[b])
            frame.at[frame.index[position[b]], "linked"].append(code[a])
    roots = pd.Series([root(int(i)) for i in frame["id"]], index=frame.index)
    best = frame["level"].astype("int64").groupby(roots).transform("max")
    frame["level"] = best.astype(frame["level"].dtype)
    return frame


def filter_sources(frame: pd.DataFrame, *, kind: str | None = None, source_id: int | None = None,
                   level: str | None = None) -> pd.DataFrame:
    """The rows of one source kind, one source and / or one level (see the module docstring)."""
    if kind is not None and kind not in SOURCE_KINDS:
        raise ValidationFailed([field_error("kind", "industry.error.source_kind", f"kind: one of {SOURCE_KINDS}")])
    mask = pd.Series(True, index=frame.index)
    if kind is not None:
        mask &= frame["source_kind"] == kind
    if source_id is not None:
        mask &= frame["source_id"] == source_id
    if level:
        mask &= frame["cert_level"].isin(levels_up_to(level) | {""})
    return frame[mask]


def summary(frame: pd.DataFrame) -> dict[str, Any]:
    """Covered, meeting the required level, weighted coverage (as docs/coverage.md) and the uncovered rows."""
    n = len(frame)
    if n == 0:
        return {"competencies": 0, "covered": 0, "coverage_ratio": 0.0, "meets_required": 0, "weighted_coverage": 0.0,
                "uncovered": []}
    level = frame["level"].astype("float64")
    required = frame["required_level"].astype("float64").fillna(float(required_level_from_importance(None)))
    weights = (frame["weight"].astype("float64") if "weight" in frame
               else frame["importance"].astype("float64").fillna(1.0))
    covered = int((level > 0).sum())
    weighted = float((weights * (level / required).clip(upper=1.0)).sum() / weights.sum())
    uncovered = frame[level == 0]
    return {"competencies": n, "covered": covered, "coverage_ratio": covered / n,
            "meets_required": int((level >= required).sum()), "weighted_coverage": weighted,
            "uncovered": [{"code": c, "statement": s, "source": src, "cert_level": lv}
                          for c, s, src, lv in zip(uncovered["code"], uncovered["statement"], uncovered["source"],
                                                   uncovered["cert_level"], strict=True)]}


def sources_overview(engine: Engine, *, program_id: int, level: str | None = None,
                     confirmed_only: bool = False) -> dict[str, Any]:
    """Coverage side by side: per source kind, and per source (with the levels its requirements use)."""
    frame = source_frame(engine, program_id=program_id, confirmed_only=confirmed_only, level=level)
    by_kind = {kind: summary(filter_sources(frame, kind=kind, level=level)) for kind in SOURCE_KINDS}
    nodes = framework_frame(engine, program_id=program_id)  # the levels each source uses, whatever the filter
    node_source = source_of_nodes(nodes)
    levels_of: dict[int, set[str]] = {}
    for node_id, lv in zip(nodes["id"].astype(int), nodes["cert_level"].fillna(""), strict=True):
        if lv and node_source.get(node_id) is not None:
            levels_of.setdefault(node_source[node_id], set()).add(lv)
    sources = []
    for role in list_job_roles(engine, program_id=program_id):
        rows = filter_sources(frame, source_id=role["id"], level=level)
        used = sorted(levels_of.get(role["id"], set()),
                      key=lambda lv: LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else len(LEVEL_ORDER))
        sources.append({"id": role["id"], "name": role["name"], "kind": role["kind"], "levels": used,
                        **summary(rows)})
    program = get_program(engine, program_id=program_id)
    return {"by_kind": by_kind, "sources": sources, "level": level or "", "program_code": program["code"]}


def coverage_by_source(engine: Engine, *, program_id: int, level: str | None = None,
                       confirmed_only: bool = False) -> dict[str, Any]:
    """The coverage page's view of the 岗课赛证 sources: per source kind, its requirements (at ``level`` and
    below, as ``filter_sources``) covered by their own alignments and covered once the cross-source links
    count, and the requirements covered *only* through a link — with the linked codes and their sources."""
    frame = source_frame(engine, program_id=program_id, confirmed_only=confirmed_only, level=level)
    source_of_code = dict(zip(frame["code"], frame["source"], strict=True))
    kinds = []
    for kind in SOURCE_KINDS:
        rows = filter_sources(frame, kind=kind, level=level)
        own, linked = rows["own_level"].astype("int64"), rows["level"].astype("int64")
        through = rows[(own == 0) & (linked > 0)]
        kinds.append({"kind": kind, "total": len(rows), "covered_own": int((own > 0).sum()),
                      "covered": int((linked > 0).sum()),
                      "through_links": [{"code": c, "statement": s, "source": src, "cert_level": lv, "level": int(lvl),
                                         "linked": [{"code": k, "source": source_of_code.get(k, "")} for k in links]}
                                        for c, s, src, lv, lvl, links in zip(
                                            through["code"], through["statement"], through["source"],
                                            through["cert_level"], through["level"], through["linked"], strict=True)]})
    return {"kinds": kinds, "level": level or "", "links": len(competency_links(engine, program_id=program_id))}


def skill_weight_tables(engine: Engine, *, program_id: int) -> list[dict[str, Any]]:
    """The weight tables (比重表) imported with the programme's 国家职业技能标准 sources: per source, per part
    (``theory`` 理论知识, ``skill`` 技能操作), the levels it weighs and one row per item (its section, e.g.
    基本要求 / 相关知识要求, and the weight in % at each level), in the table's order."""
    with session_scope(engine) as session:
        cells = session.exec(select(SkillWeight).where(SkillWeight.program_id == program_id)
                             .order_by(SkillWeight.job_role_id, SkillWeight.sort_order, SkillWeight.id)).all()
        plain = [(c.job_role_id, c.part, c.section, c.item, c.level, c.weight) for c in cells]
    names = {r["id"]: r["name"] for r in list_job_roles(engine, program_id=program_id)}
    tables: dict[int, dict[str, Any]] = {}
    for role_id, part, section, item, level, weight in plain:
        source = tables.setdefault(role_id, {"job_role_id": role_id, "name": names.get(role_id, ""), "parts": {}})
        table = source["parts"].setdefault(part, {"levels": [], "rows": {}})
        if level not in table["levels"]:
            table["levels"].append(level)
        table["rows"].setdefault((section, item), {"section": section, "item": item, "weights": {}})["weights"][
            level] = weight
    for source in tables.values():
        for table in source["parts"].values():
            table["levels"].sort(key=lambda lv: LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else len(LEVEL_ORDER))
            table["rows"] = list(table["rows"].values())
    return list(tables.values())
