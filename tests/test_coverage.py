"""Coverage and gap analytics (issue 4): every definition of docs/coverage.md on hand-computed programmes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services import coverage, programs
from services.actor import SYSTEM
from services.errors import NotFound, PermissionDenied, ValidationFailed
from services.framework import framework_frame, update_node
from tests import coverage_helpers as ch
from tests.demo_data import demo_sizes
from tests.factories import make_user

ROOT = Path(__file__).resolve().parent.parent


def by_code(result: coverage.CoverageResult) -> dict[str, dict]:
    return {row["code"]: row for row in result.by_competency.to_dict("records")}


# --------------------------------------------------------------------------- levels and modes


def test_level_is_the_highest_over_course_units_and_objectives(engine):
    """Level in a course = max over the course, its units and objectives; programme level = max over courses."""
    p = ch.Programme(engine)
    a = p.leaf("1.1.1")
    c1, c2 = p.course("C1"), p.course("C2")
    std = ch.add_standard(engine, c1, units=[("U1", 16, 16)], objectives=[("S1", "能完成装配")])
    ch.align(engine, competency_id=a, course_id=c1, level=1)
    ch.align(engine, competency_id=a, course_id=c1, unit_id=std["units"][0], level=3)
    ch.align(engine, competency_id=a, course_id=c1, objective_id=std["objectives"][0], level=2)
    ch.align(engine, competency_id=a, course_id=c2, level=2)
    result = p.run()
    row = by_code(result)["1.1.1"]
    assert row["courses"] == {"C1": 3, "C2": 2}
    assert row["level"] == 3 and row["n_courses"] == 2 and row["strong_courses"] == 1
    assert result.matrix.loc["1.1.1"].to_dict() == {"C1": 3, "C2": 2}
    assert result.metrics["alignments"] == 4
    assert sorted(result.levels["level"]) == [2, 3]


def test_default_counts_every_non_rejected_alignment_and_confirmed_only_counts_accepted(engine):
    """Default: proposed and accepted count; confirmed only: accepted; rejected never."""
    p = ch.Programme(engine)
    a, b = p.leaf("1.1.1"), p.leaf("1.1.2")
    c1, c2, c3 = p.course("C1"), p.course("C2"), p.course("C3")
    ch.align(engine, competency_id=a, course_id=c1, level=3, status="proposed")
    ch.align(engine, competency_id=a, course_id=c2, level=1, status="accepted")
    ch.align(engine, competency_id=a, course_id=c3, level=3, status="rejected", reason="not taught")
    ch.align(engine, competency_id=b, course_id=c1, level=2, status="rejected", reason="no")
    default, confirmed = p.run(), p.run(confirmed_only=True)
    assert by_code(default)["1.1.1"]["courses"] == {"C1": 3, "C2": 1}
    assert by_code(confirmed)["1.1.1"]["courses"] == {"C2": 1}
    assert by_code(default)["1.1.2"]["gap"] == by_code(confirmed)["1.1.2"]["gap"] == "uncovered"
    assert (default.metrics["alignments"], confirmed.metrics["alignments"]) == (2, 1)
    assert confirmed.confirmed_only and not default.confirmed_only


def test_required_level_comes_from_importance_unless_overridden(engine):
    """Importance ≥ 4 → 3, 3 → 2, ≤ 2 or unrated → 1; the competency's own required level wins."""
    p = ch.Programme(engine)
    for code, importance, override in (("1.1.1", 5, None), ("1.1.2", 4, None), ("1.1.3", 3, None),
                                       ("1.1.4", 2, None), ("1.1.5", 1, None), ("1.1.6", None, None),
                                       ("1.1.7", 5, 2), ("1.1.8", 1, 3)):
        p.leaf(code, importance=importance, required_level=override)
    rows = by_code(p.run())
    assert {code: rows[code]["required_level"] for code in rows} == {
        "1.1.1": 3, "1.1.2": 3, "1.1.3": 2, "1.1.4": 1, "1.1.5": 1, "1.1.6": 1, "1.1.7": 2, "1.1.8": 3}


# --------------------------------------------------------------------------- gaps


def test_uncovered_and_below_required_gaps(engine):
    """Uncovered: no counted alignment; below required: covered at a programme level under the required one."""
    p = ch.Programme(engine)
    core, medium, minor, lonely = (p.leaf("1.1.1", importance=5), p.leaf("1.1.2", importance=3),
                                   p.leaf("1.1.3", importance=1), p.leaf("1.1.4", importance=4))
    c1, c2 = p.course("C1"), p.course("C2")
    ch.align(engine, competency_id=core, course_id=c1, level=2)
    ch.align(engine, competency_id=core, course_id=c2, level=1)
    ch.align(engine, competency_id=medium, course_id=c1, level=2)
    ch.align(engine, competency_id=minor, course_id=c2, level=1)
    result = p.run()
    gaps = {code: row["gap"] for code, row in by_code(result).items()}
    assert gaps == {"1.1.1": "below_required", "1.1.2": "ok", "1.1.3": "ok", "1.1.4": "uncovered"}
    m = result.metrics
    assert (m["competencies"], m["covered"], m["uncovered"], m["below_required"]) == (4, 3, 1, 1)
    assert m["coverage_ratio"] == pytest.approx(3 / 4)
    assert set(result.gaps["kind"]) >= {"uncovered", "below_required"}
    assert lonely in set(result.gaps.loc[result.gaps["kind"] == "uncovered", "competency_id"])


def test_redundant_means_level_3_in_at_least_n_courses(engine):
    """Redundant: strong (level 3) in ≥ N courses, N = 3 by default and configurable."""
    p = ch.Programme(engine)
    a, b = p.leaf("1.1.1"), p.leaf("1.1.2")
    courses = [p.course(f"C{i}") for i in range(1, 5)]
    for course in courses[:3]:
        ch.align(engine, competency_id=a, course_id=course, level=3)
    for course, level in zip(courses, (3, 3, 2, 2), strict=True):
        ch.align(engine, competency_id=b, course_id=course, level=level)
    assert {c: r["gap"] for c, r in by_code(p.run()).items()} == {"1.1.1": "redundant", "1.1.2": "ok"}
    assert {c: r["gap"] for c, r in by_code(p.run(redundant_threshold=2)).items()} == {
        "1.1.1": "redundant", "1.1.2": "redundant"}
    relaxed = p.run(redundant_threshold=4)
    assert relaxed.metrics["redundant"] == 0 and relaxed.redundant_threshold == 4
    with pytest.raises(ValidationFailed):
        p.run(redundant_threshold=0)


def test_orphan_units_objectives_and_courses(engine):
    """Orphans: units and objectives of the current standard aligned to nothing; courses with no counted alignment."""
    p = ch.Programme(engine)
    a = p.leaf("1.1.1")
    c1, c2, c3, c4 = p.course("C1"), p.course("C2"), p.course("C3"), p.course("C4")
    std = ch.add_standard(engine, c1, units=[("U aligned", 8, 8), ("U alone", 8, 8)],
                          objectives=[("K1", "能说明原理"), ("K2", "能识读图纸")])
    ch.align(engine, competency_id=a, course_id=c1, unit_id=std["units"][0], level=2)
    ch.align(engine, competency_id=a, course_id=c1, objective_id=std["objectives"][1], level=1, status="rejected")
    ch.align(engine, competency_id=a, course_id=c2, level=1, status="rejected")
    std3 = ch.add_standard(engine, c3, objectives=[("S1", "能编程")])
    ch.align(engine, competency_id=a, course_id=c3, objective_id=std3["objectives"][0], level=1, status="proposed")
    result = p.run()
    m = result.metrics
    assert (m["orphan_units"], m["orphan_objectives"], m["orphan_courses"]) == (1, 2, 2)
    gaps = result.gaps
    assert gaps.loc[gaps["kind"] == "orphan_unit", "target_text"].tolist() == ["U alone"]
    assert gaps.loc[gaps["kind"] == "orphan_objective", "target_text"].tolist() == ["K1 能说明原理", "K2 能识读图纸"]
    assert gaps.loc[gaps["kind"] == "orphan_course", "course_code"].tolist() == ["C2", "C4"]
    assert result.courses.set_index("code")["orphan"].to_dict() == {"C1": False, "C2": True, "C3": False, "C4": True}
    confirmed = p.run(confirmed_only=True)
    assert confirmed.metrics["orphan_courses"] == 3  # C3's only alignment is still proposed
    assert c4 in set(gaps["course_id"].dropna())


# --------------------------------------------------------------------------- hours


def test_hours_are_shared_among_alignments_in_proportion_to_level(engine):
    """Unit hours split by level; unallocated course hours split over course-level alignments; objectives carry none."""
    p = ch.Programme(engine)
    a, b, c = p.leaf("1.1.1"), p.leaf("1.1.2"), p.leaf("1.1.3")
    course = p.course("C1", hours_theory=10, hours_practice=20)  # 30 h, 18 h of them in units
    std = ch.add_standard(engine, course, units=[("U1", 4, 8), ("U2", 2, 4)], objectives=[("S1", "能调试")])
    u1, u2 = std["units"]
    ch.align(engine, competency_id=a, course_id=course, unit_id=u1, level=1)  # 12 h × 1/3 = 4
    ch.align(engine, competency_id=b, course_id=course, unit_id=u1, level=2)  # 12 h × 2/3 = 8
    ch.align(engine, competency_id=a, course_id=course, unit_id=u2, level=3)  # 6 h
    ch.align(engine, competency_id=c, course_id=course, level=3)  # 12 h unallocated × 3/4 = 9
    ch.align(engine, competency_id=a, course_id=course, level=1)  # 12 h × 1/4 = 3
    ch.align(engine, competency_id=b, course_id=course, objective_id=std["objectives"][0], level=3)  # no hours
    no_units = p.course("C2", hours_theory=20, hours_practice=20)
    ch.align(engine, competency_id=c, course_id=no_units, level=2)  # a course without units shares all 40 h
    result = p.run()
    hours = {code: row["hours"] for code, row in by_code(result).items()}
    assert hours == pytest.approx({"1.1.1": 4 + 6 + 3, "1.1.2": 8, "1.1.3": 9 + 40})
    assert result.courses.set_index("code")["unallocated_hours"].to_dict() == {"C1": 12, "C2": 40}


def test_under_and_over_investment_flags(engine):
    """Under: importance ≥ 4 and hours < ½ median; over: importance ≤ 2 and hours > 2 × median.

    The median is over covered competencies with hours > 0.
    """
    p = ch.Programme(engine)
    spec = {"1.1.1": (5, 8), "1.1.2": (3, 40), "1.1.3": (3, 40), "1.1.4": (1, 100), "1.1.5": (5, 40), "1.1.6": (2, 70)}
    for i, (code, (importance, hours)) in enumerate(spec.items()):
        leaf = p.leaf(code, importance=importance)
        course = p.course(f"C{i}", hours_theory=hours, hours_practice=0)
        ch.align(engine, competency_id=leaf, course_id=course, level=3)
    p.leaf("1.1.7", importance=5)  # uncovered: a gap of its own, not an under-investment
    result = p.run()
    assert result.metrics["median_hours"] == 40
    rows = by_code(result)
    assert [c for c, r in rows.items() if r["under_invested"]] == ["1.1.1"]
    assert [c for c, r in rows.items() if r["over_invested"]] == ["1.1.4"]
    assert (result.metrics["under_invested"], result.metrics["over_invested"]) == (1, 1)
    assert result.gaps.loc[result.gaps["kind"] == "under_invested", "code"].tolist() == ["1.1.1"]


def test_no_hours_anywhere_flags_nothing(engine):
    """Without any hours there is no median and no investment flag."""
    p = ch.Programme(engine)
    a = p.leaf("1.1.1", importance=5)
    ch.align(engine, competency_id=a, course_id=p.course("C1", hours_theory=0, hours_practice=0), level=1)
    result = p.run()
    assert result.metrics["median_hours"] is None and result.metrics["under_invested"] == 0


# --------------------------------------------------------------------------- weighted coverage and order


def test_weighted_coverage(engine):
    """Σ importance × min(level / required, 1) ÷ Σ importance; unrated counts as importance 1."""
    p = ch.Programme(engine)
    a = p.leaf("1.1.1", importance=5)  # required 3, level 2 → 5 × 2/3
    b = p.leaf("1.1.2", importance=3)  # required 2, level 3 → 3 × 1
    p.leaf("1.1.3", importance=None)  # required 1, uncovered → 1 × 0
    d = p.leaf("1.1.4", importance=1)  # required 1, level 1 → 1 × 1
    c1 = p.course("C1")
    for leaf, level in ((a, 2), (b, 3), (d, 1)):
        ch.align(engine, competency_id=leaf, course_id=c1, level=level)
    m = p.run().metrics
    assert m["weighted_coverage"] == pytest.approx((5 * 2 / 3 + 3 + 0 + 1) / 10)
    assert m["coverage_ratio"] == pytest.approx(3 / 4)


def test_matrix_orders_courses_by_semester_and_competencies_by_framework(engine):
    """Columns: semester then natural code, unscheduled last; rows: framework order (1.2 < 1.10)."""
    p = ch.Programme(engine)
    for code in ("2.1.1", "1.10.1", "1.2.1", "1.2.10", "1.2.9"):
        p.leaf(code)
    for code, semester in (("Z1", 1), ("C10", 2), ("C9", 2), ("A1", None), ("B5", 3)):
        p.course(code, semester=semester)
    result = p.run()
    assert list(result.matrix.columns) == ["Z1", "C9", "C10", "B5", "A1"]
    assert list(result.matrix.index) == ["1.2.1", "1.2.9", "1.2.10", "1.10.1", "2.1.1"]
    assert list(result.by_competency["code"]) == list(result.matrix.index)
    assert list(result.courses["code"]) == list(result.matrix.columns)
    assert result.by_semester["semester"].tolist()[:3] == [1, 2, 3] and result.by_semester["semester"].isna().iloc[-1]


def test_cumulative_coverage_by_semester(engine):
    """After each semester: the highest level so far per competency, against the required level."""
    p = ch.Programme(engine)
    a, b = p.leaf("1.1.1", importance=5), p.leaf("1.1.2", importance=3)
    s1, s2 = p.course("S1", semester=1), p.course("S2", semester=2)
    ch.align(engine, competency_id=a, course_id=s1, level=1)
    ch.align(engine, competency_id=a, course_id=s2, level=3)
    ch.align(engine, competency_id=b, course_id=s2, level=2)
    rows = p.run().by_semester.to_dict("records")
    assert [(r["semester"], r["covered"], r["meets_required"]) for r in rows] == [(1, 1, 0), (2, 2, 2)]
    assert rows[0]["weighted_coverage"] == pytest.approx(5 * (1 / 3) / 8)
    assert rows[-1]["weighted_coverage"] == pytest.approx(1.0)


def test_superseded_standard_revisions_are_history(engine):
    """Unit and objective alignments count only on each course's current (highest) standard revision."""
    p = ch.Programme(engine)
    a = p.leaf("1.1.1")
    course = p.course("C1")
    old = ch.add_standard(engine, course, revision=1, units=[("old unit", 16, 16)])
    new = ch.add_standard(engine, course, revision=2, units=[("new unit", 16, 16)])
    ch.align(engine, competency_id=a, course_id=course, unit_id=old["units"][0], level=3)
    result = p.run()
    assert by_code(result)["1.1.1"]["gap"] == "uncovered"
    assert result.gaps.loc[result.gaps["kind"] == "orphan_unit", "target_id"].tolist() == [new["units"][0]]
    details = coverage.alignment_details(engine, program_id=p.id, competency_id=a)
    assert details["current"].tolist() == [False]


def test_retired_competencies_are_left_out(engine):
    """A retired competency is no longer part of the framework: not counted, not a gap."""
    p = ch.Programme(engine)
    p.leaf("1.1.1")
    p.leaf("1.1.2")
    node = p.nodes["1.1.2"]
    update_node(engine, actor=SYSTEM, node_id=node["id"], expected_version=node["version"],
                changes={"status": "retired"})
    result = p.run()
    assert result.by_competency["code"].tolist() == ["1.1.1"] and result.metrics["competencies"] == 1


def test_empty_programme(engine):
    """A programme without competencies, courses or alignments gives zeros, not errors."""
    p = ch.Programme(engine)
    result = p.run()
    assert result.metrics["competencies"] == result.metrics["covered"] == 0
    assert result.metrics["coverage_ratio"] == result.metrics["weighted_coverage"] == 0.0
    assert result.by_competency.empty and result.matrix.empty and result.gaps.empty and result.by_semester.empty
    payload = coverage.result_json(coverage.compute_coverage(engine, program_id=p.id))
    assert payload["by_competency"] == [] and payload["uncovered"] == []
    with_leaf = ch.Programme(engine)
    with_leaf.leaf("1.1.1")
    with_leaf.course("C1")
    assert with_leaf.run().metrics["uncovered"] == 1


def test_unknown_programme_is_not_found(engine):
    with pytest.raises(NotFound):
        coverage.compute_coverage(engine, program_id=999_999)
    with pytest.raises(NotFound):
        coverage.program_id_for_code(engine, code="NOPE")


# --------------------------------------------------------------------------- cache


def test_cache_is_reused_until_any_write_changes_the_data_version(engine):
    """A second call is served from the cache; an alignment, a node edit or a unit added invalidates it."""
    p = ch.Programme(engine)
    a = p.leaf("1.1.1", importance=5)
    course = p.course("C1")
    first = p.run()
    assert p.run().data_version == first.data_version
    ch.align(engine, competency_id=a, course_id=course, level=3)
    second = p.run()
    assert second.data_version != first.data_version and second.metrics["covered"] == 1
    update_node(engine, actor=SYSTEM, node_id=a, expected_version=p.nodes["1.1.1"]["version"],
                changes={"importance": 1})
    assert by_code(p.run())["1.1.1"]["importance"] == 1
    ch.add_standard(engine, course, units=[("U1", 8, 8)])
    assert p.run().metrics["orphan_units"] == 1


def test_cached_results_are_protected_from_callers_changes(engine):
    """Changing a returned frame (as a page might) does not change what the next caller gets."""
    p = ch.Programme(engine)
    p.leaf("1.1.1")
    first = p.run()
    first.by_competency["code"] = "changed"
    first.metrics["covered"] = 99
    second = p.run()
    assert second.by_competency["code"].tolist() == ["1.1.1"] and second.metrics["covered"] == 0


def test_cache_sees_a_write_from_another_process(sqlite_engine):
    """The data version is read from the database, so another process's write invalidates this one's cache."""
    p = ch.Programme(sqlite_engine)
    a = p.leaf("1.1.1")
    course = p.course("C1")
    assert p.run().metrics["covered"] == 0
    script = ("import sys; from services.db import make_engine; from tests.coverage_helpers import align; "
              f"align(make_engine(sys.argv[1]), competency_id={a}, course_id={course}, level=2)")
    url = sqlite_engine.url.render_as_string(hide_password=False)
    subprocess.run([sys.executable, "-c", script, url], cwd=ROOT, check=True, timeout=60)
    assert p.run().metrics["covered"] == 1


# --------------------------------------------------------------------------- drill-down, JSON, gap table


def test_alignment_details_shows_every_alignment_with_provenance(engine):
    """Drill-down: course, unit or objective text, level, status, who proposed (name and side), reason."""
    p = ch.Programme(engine)
    mentor = make_user(engine, role="mentor", username="mentor_zhang")
    faculty = make_user(engine, role="faculty", username="teacher_wang")
    a, other = p.leaf("1.1.1"), p.leaf("1.1.2")
    c1, c2 = p.course("C1", semester=2), p.course("C2", semester=1)
    std = ch.add_standard(engine, c1, units=[("项目一 机器人安装", 8, 8)], objectives=[("S1", "能完成安装")])
    ch.align(engine, competency_id=a, course_id=c1, unit_id=std["units"][0], level=3, side="enterprise",
             proposed_by_id=mentor.id, decided_by_id=faculty.id)
    ch.align(engine, competency_id=a, course_id=c1, objective_id=std["objectives"][0], level=2, status="proposed",
             proposed_by_id=faculty.id)
    ch.align(engine, competency_id=a, course_id=c2, level=1, status="rejected", reason="只是提及", side="enterprise",
             proposed_by_id=mentor.id)
    ch.align(engine, competency_id=other, course_id=c1, level=1)
    rows = coverage.alignment_details(engine, program_id=p.id, competency_id=a).to_dict("records")
    assert [(r["course_code"], r["target_kind"], r["target_text"], r["level"], r["status"]) for r in rows] == [
        ("C2", "course", "测试课程", 1, "rejected"),
        ("C1", "unit", "项目一 机器人安装", 3, "accepted"),
        ("C1", "objective", "S1 能完成安装", 2, "proposed"),
    ]
    assert (rows[0]["proposed_by"], rows[0]["proposed_side"], rows[0]["reason"]) == (
        "Mentor_Zhang", "enterprise", "只是提及")
    assert rows[1]["decided_by"] == "Teacher_Wang" and all(r["current"] for r in rows)
    cell = coverage.alignment_details(engine, program_id=p.id, competency_id=a, course_id=c1)
    assert cell["target_kind"].tolist() == ["unit", "objective"]
    foreign = ch.Programme(engine)
    with pytest.raises(NotFound):
        coverage.alignment_details(engine, program_id=foreign.id, competency_id=a)


def test_coverage_json_has_exactly_the_shape_of_the_issue(engine):
    """Keys, value types and natural-sorted code lists of ``manage.py coverage --json``."""
    p = ch.Programme(engine, code="JSONP")
    ids = {code: p.leaf(code, importance=imp) for code, imp in
           (("1.1.10", 5), ("1.1.9", 5), ("1.1.2", 3), ("1.1.1", None))}
    c1, _c2 = p.course("C1", hours_theory=10, hours_practice=0), p.course("C2")
    ch.align(engine, competency_id=ids["1.1.2"], course_id=c1, level=1)
    ch.align(engine, competency_id=ids["1.1.1"], course_id=c1, level=3)
    payload = coverage.result_json(coverage.compute_coverage(engine, program_id=p.id))
    assert list(payload) == ["program", "competencies", "courses", "alignments", "covered", "coverage_ratio",
                             "weighted_coverage", "uncovered", "below_required", "redundant", "orphan_courses",
                             "by_competency"]
    assert payload["program"] == "JSONP"
    assert (payload["competencies"], payload["courses"], payload["alignments"], payload["covered"]) == (4, 2, 2, 2)
    assert payload["uncovered"] == ["1.1.9", "1.1.10"]
    assert payload["below_required"] == ["1.1.2"] and payload["redundant"] == [] and payload["orphan_courses"] == ["C2"]
    assert [r["code"] for r in payload["by_competency"]] == ["1.1.1", "1.1.2", "1.1.9", "1.1.10"]
    first = payload["by_competency"][0]
    assert list(first) == ["code", "statement", "importance", "required_level", "level", "courses", "hours"]
    assert first == {"code": "1.1.1", "statement": "能完成操作 1.1.1", "importance": None, "required_level": 1,
                     "level": 3, "courses": {"C1": 3}, "hours": 7.5}
    json.dumps(payload)  # plain Python values only


def test_gap_table_filters_and_excel_export(engine):
    """The gap table filters by job role, area, type, importance, course type and semester, and exports to xlsx."""
    p = ch.Programme(engine)
    a = p.leaf("1.1.1", importance=5, comp_type="knowledge")
    b = p.leaf("2.1.1", importance=4)
    p.leaf("2.1.2", importance=3)
    core = p.course("C1", semester=3, course_type="professional_core")
    practice = p.course("C2", semester=5, course_type="practice")
    ch.align(engine, competency_id=a, course_id=core, level=1)
    ch.align(engine, competency_id=b, course_id=practice, level=2)
    gaps = p.run().gaps
    assert gaps["kind"].tolist() == ["uncovered", "below_required", "below_required"]
    assert coverage.filter_gaps(gaps, areas=["2"])["code"].tolist() == ["2.1.2", "2.1.1"]
    assert coverage.filter_gaps(gaps, comp_types=["knowledge"])["code"].tolist() == ["1.1.1"]
    assert coverage.filter_gaps(gaps, importance=[4, 3])["code"].tolist() == ["2.1.2", "2.1.1"]
    assert coverage.filter_gaps(gaps, course_types=["practice"])["code"].tolist() == ["2.1.1"]
    assert coverage.filter_gaps(gaps, semesters=[3])["code"].tolist() == ["1.1.1"]
    assert coverage.filter_gaps(gaps, kinds=["uncovered"], semesters=[3]).empty


# --------------------------------------------------------------------------- snapshots


def test_snapshots_compare_and_change_since_last(engine):
    """Snapshots store metrics and per-competency rows; comparing shows gaps closed and opened and level changes."""
    lead = make_user(engine, role="lead")
    p = ch.Programme(engine)
    a, b = p.leaf("1.1.1", importance=5), p.leaf("1.1.2", importance=3)
    c1 = p.course("C1")
    withdrawn = ch.align(engine, competency_id=b, course_id=c1, level=2)
    assert coverage.latest_snapshot_delta(engine, program_id=p.id) is None
    first = coverage.take_snapshot(engine, actor=lead, program_id=p.id, label="baseline")
    assert first["metrics"]["uncovered"] == 1 and first["created_by"] == lead.display_name
    ch.align(engine, competency_id=a, course_id=c1, level=3)
    ch.delete_alignment(engine, withdrawn)
    delta = coverage.latest_snapshot_delta(engine, program_id=p.id)
    assert delta["snapshot"]["id"] == first["id"]
    assert delta["metrics"]["uncovered"] == {"before": 1, "after": 1, "delta": 0}
    assert delta["metrics"]["weighted_coverage"]["delta"] == pytest.approx(5 / 8 - 3 / 8)
    second = coverage.take_snapshot(engine, actor=SYSTEM, program_id=p.id, reason="approval")
    listed = coverage.list_snapshots(engine, program_id=p.id)
    assert [s["id"] for s in listed] == [second["id"], first["id"]]
    assert [s["reason"] for s in listed] == ["approval", "manual"] and listed[1]["label"] == "baseline"
    diff = coverage.compare_snapshots(engine, a_id=first["id"], b_id=second["id"])
    assert [(g["code"], g["kind"]) for g in diff["gaps_closed"]] == [("1.1.1", "uncovered")]
    assert [(g["code"], g["kind"]) for g in diff["gaps_opened"]] == [("1.1.2", "uncovered")]
    assert [(c["code"], c["before"], c["after"]) for c in diff["level_changes"]] == [("1.1.1", 0, 3), ("1.1.2", 2, 0)]
    assert diff["metrics"]["covered"] == {"before": 1, "after": 1, "delta": 0}
    assert coverage.latest_snapshot_delta(engine, program_id=p.id)["metrics"]["covered"]["delta"] == 0


def test_snapshot_permissions_and_validation(engine):
    """Only admins and leads take snapshots; unknown snapshots are NotFound."""
    p = ch.Programme(engine)
    with pytest.raises(PermissionDenied):
        coverage.take_snapshot(engine, actor=make_user(engine, role="faculty"), program_id=p.id)
    with pytest.raises(PermissionDenied):
        coverage.take_snapshot(engine, actor=make_user(engine, role="mentor"), program_id=p.id)
    with pytest.raises(ValidationFailed):
        coverage.take_snapshot(engine, actor=SYSTEM, program_id=p.id, label="x" * 201)
    with pytest.raises(NotFound):
        coverage.compare_snapshots(engine, a_id=12345, b_id=12346)
    with pytest.raises(NotFound):
        coverage.take_snapshot(engine, actor=SYSTEM, program_id=987_654)


# --------------------------------------------------------------------------- the demo programmes


def test_demo_programmes_have_plausible_known_gaps(seeded_engine):
    """The demo has uncovered core competencies, some below required, an orphan course, and consistent counts."""
    for code in ("460305", "MECH-ENG"):
        program_id = coverage.program_id_for_code(seeded_engine, code=code)
        result = coverage.compute_coverage(seeded_engine, program_id=program_id)
        m = result.metrics
        comp = result.by_competency
        summary = programs.program_summary(seeded_engine, program_id=program_id)
        assert m["competencies"] == summary["competencies"] and m["covered"] == summary["covered"]
        assert 0.5 < m["coverage_ratio"] < 1 and 0.5 < m["weighted_coverage"] < 1
        # important job competencies are the weak ones (a certificate's requirements carry no importance)
        jobs = coverage.compute_coverage(seeded_engine, program_id=program_id, source_kind="job").metrics
        assert jobs["weighted_coverage"] < jobs["coverage_ratio"]
        core_uncovered = comp[(comp["gap"] == "uncovered") & (comp["importance"] >= 4)]
        assert len(core_uncovered) >= 1
        assert set(core_uncovered["code"]) == {r["code"] for r in summary["core_uncovered"]}
        assert m["below_required"] >= 3 and m["orphan_courses"] >= 1
        assert comp["hours"].sum() > 0 and (comp.loc[comp["level"] == 0, "hours"] == 0).all()
        confirmed = coverage.compute_coverage(seeded_engine, program_id=program_id, confirmed_only=True).metrics
        assert confirmed["coverage_ratio"] <= m["coverage_ratio"]
        assert confirmed["weighted_coverage"] <= m["weighted_coverage"]
        assert m["alignments"] > confirmed["alignments"]


def test_leaf_frame_matches_framework_build_frame(seeded_engine):
    """The vectorised framework order equals services.framework.build_frame's on the demo data."""
    for code in ("460305", "MECH-ENG"):
        program_id = coverage.program_id_for_code(seeded_engine, code=code)
        expected = framework_frame(seeded_engine, program_id=program_id)
        expected = expected[expected["kind"] == "competency"].reset_index(drop=True)
        inputs = coverage.load_inputs(seeded_engine, program_id=program_id)
        leaves = coverage.leaf_frame(inputs.nodes, inputs.job_roles)
        for column in ("id", "code", "area_code", "task_code", "job_role", "required_level"):
            assert leaves[column].tolist() == expected[column].tolist(), column


def test_leaf_frame_falls_back_to_build_frame_for_other_shapes():
    """A competency hanging directly under an area still gets its place and context."""
    inputs = ch.inputs(leaves=[(1, "1.1.1", 5, None)], courses=[], alignments=[])
    nodes = inputs.nodes.copy()
    extra = coverage.frame_from_rows([(9, 1_000_001, "competency", "1.0", "direct", "skill", 3, None, None, 0,
                                       "accepted")], coverage.NODE_COLUMNS,
                                     ints=("id", "parent_id", "importance", "required_level", "job_role_id",
                                           "sort_order"))
    leaves = coverage.leaf_frame(pd.concat([nodes, extra], ignore_index=True), {})
    assert leaves["code"].tolist() == ["1.0", "1.1.1"]
    assert leaves["area_code"].tolist() == ["1", "1"] and leaves["task_code"].tolist() == ["", "1.1"]


# --------------------------------------------------------------------------- command line


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=120)


def test_cli_coverage_json_snapshot_and_errors(seeded_sqlite_path):
    """``coverage --json`` prints the issue's object; unknown programmes exit 1 with a message on stderr."""
    url = f"sqlite:///{seeded_sqlite_path}"
    done = manage("--db", url, "coverage", "--program", "460305", "--json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert payload["program"] == "460305" and payload["competencies"] == demo_sizes("460305")["competency"]
    assert payload["uncovered"] == sorted(payload["uncovered"], key=coverage.code_sort_key)
    confirmed = json.loads(manage("--db", url, "coverage", "--program", "460305", "--confirmed-only", "--json").stdout)
    assert confirmed["coverage_ratio"] <= payload["coverage_ratio"]
    strict = json.loads(manage("--db", url, "coverage", "--program", "460305", "--redundant-threshold", "1",
                               "--json").stdout)
    assert len(strict["redundant"]) > len(payload["redundant"])
    text = manage("--db", url, "coverage", "--program", "460305")
    assert text.returncode == 0 and "weighted coverage" in text.stdout
    missing = manage("--db", url, "coverage", "--program", "NOPE", "--json")
    assert missing.returncode == 1 and "NOPE" in missing.stderr and missing.stdout == ""
    assert manage("--db", url, "coverage", "--program", "460305", "--redundant-threshold", "0").returncode == 2
    snap = manage("--db", url, "coverage-snapshot", "--program", "460305", "--label", "before review", "--json")
    assert snap.returncode == 0, snap.stderr
    snapshot = json.loads(snap.stdout)
    assert snapshot["label"] == "before review" and snapshot["metrics"]["covered"] == payload["covered"]
    assert manage("--db", url, "coverage-snapshot", "--program", "NOPE").returncode == 1


# --------------------------------------------------------------------------- properties (in memory, fast)


@st.composite
def programmes(draw):
    """Small random programmes as in-memory inputs, plus one extra non-rejected alignment to add."""
    n_leaves = draw(st.integers(1, 6))
    leaves = [(i, f"1.1.{i}", draw(st.one_of(st.none(), st.integers(1, 5))),
               draw(st.one_of(st.none(), st.integers(1, 3)))) for i in range(1, n_leaves + 1)]
    n_courses = draw(st.integers(1, 3))
    courses = [(100 + c, f"C{c}", draw(st.one_of(st.none(), st.integers(1, 6))), draw(st.integers(0, 64)))
               for c in range(1, n_courses + 1)]
    units = [(200 + u, 100 + draw(st.integers(1, n_courses)), draw(st.integers(0, 16)))
             for u in range(draw(st.integers(0, 3)))]
    objectives = [(300 + o, 100 + draw(st.integers(1, n_courses))) for o in range(draw(st.integers(0, 2)))]

    def alignment(i):
        leaf = draw(st.integers(1, n_leaves))
        target = draw(st.sampled_from(["course"] + (["unit"] if units else []) + (["objective"] if objectives else [])))
        if target == "unit":
            unit = draw(st.sampled_from(units))
            return (i, leaf, unit[1], unit[0], None)
        if target == "objective":
            objective = draw(st.sampled_from(objectives))
            return (i, leaf, objective[1], None, objective[0])
        return (i, leaf, 100 + draw(st.integers(1, n_courses)), None, None)

    alignments = [(*alignment(i), draw(st.integers(1, 3)), draw(st.sampled_from(["proposed", "accepted", "rejected"])))
                  for i in range(1, draw(st.integers(0, 10)) + 1)]
    extra = (*alignment(99), draw(st.integers(1, 3)), draw(st.sampled_from(["proposed", "accepted"])))
    return dict(leaves=leaves, courses=courses, units=units, objectives=objectives, alignments=alignments), extra


PROPERTY_SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(programmes())
def test_adding_a_non_rejected_alignment_never_adds_an_uncovered_or_below_required_gap(case):
    spec, extra = case
    before = coverage.coverage_from_inputs(ch.inputs(**spec))
    after = coverage.coverage_from_inputs(ch.inputs(**{**spec, "alignments": [*spec["alignments"], extra]}))
    gaps_before = dict(zip(before.by_competency["code"], before.by_competency["gap"], strict=True))
    gaps_after = dict(zip(after.by_competency["code"], after.by_competency["gap"], strict=True))
    for code, gap in gaps_after.items():
        if gap == "uncovered":
            assert gaps_before[code] == "uncovered"
        if gap == "below_required":
            assert gaps_before[code] in ("uncovered", "below_required")
    assert after.metrics["weighted_coverage"] >= before.metrics["weighted_coverage"] - 1e-12


@PROPERTY_SETTINGS
@given(programmes())
def test_ratios_stay_in_bounds_and_confirmed_only_never_exceeds_default(case):
    spec, _ = case
    default = coverage.coverage_from_inputs(ch.inputs(**spec))
    confirmed = coverage.coverage_from_inputs(ch.inputs(**spec), confirmed_only=True)
    for result in (default, confirmed):
        assert 0.0 <= result.metrics["weighted_coverage"] <= 1.0
        assert 0.0 <= result.metrics["coverage_ratio"] <= 1.0
        assert result.metrics["covered"] + result.metrics["uncovered"] == result.metrics["competencies"]
        assert (result.by_competency["hours"] >= 0).all()
    assert confirmed.metrics["coverage_ratio"] <= default.metrics["coverage_ratio"]
    assert confirmed.metrics["weighted_coverage"] <= default.metrics["weighted_coverage"] + 1e-12
    assert (confirmed.by_competency["level"].to_numpy() <= default.by_competency["level"].to_numpy()).all()


def test_docs_worked_example(engine):
    """The worked example of docs/coverage.md, recomputed."""
    p = ch.Programme(engine, code="EXAMPLE")
    ids = {code: p.leaf(code, importance=imp, required_level=req)
           for code, imp, req in (("1.1.1", 5, None), ("1.1.2", 3, None), ("1.1.3", 1, None), ("1.1.4", 4, 2))}
    c1 = p.course("C1", semester=1, hours_theory=16, hours_practice=16)
    c2 = p.course("C2", semester=2, hours_theory=24, hours_practice=24)
    c3 = p.course("C3", semester=3, hours_theory=32, hours_practice=32)
    p.course("C4", semester=3, hours_theory=8, hours_practice=8)
    std = ch.add_standard(engine, c1, units=[("U1", 10, 10), ("U2", 6, 6)], objectives=[("K1", "能说明"), ("K2", "能识读")])
    u1, k1 = std["units"][0], std["objectives"][0]
    for code, course, level, status, unit, objective in (
            ("1.1.1", c1, 2, "accepted", u1, None), ("1.1.1", c2, 1, "proposed", None, None),
            ("1.1.2", c1, 3, "accepted", u1, None), ("1.1.2", c2, 3, "accepted", None, None),
            ("1.1.2", c1, 1, "accepted", None, k1),
            ("1.1.3", c2, 2, "accepted", None, None), ("1.1.3", c3, 1, "accepted", None, None),
            ("1.1.3", c1, 3, "rejected", None, None)):
        ch.align(engine, competency_id=ids[code], course_id=course, level=level, status=status, unit_id=unit,
                 objective_id=objective)
    result = p.run()
    rows = by_code(result)
    assert {c: (r["level"], r["gap"], r["hours"]) for c, r in rows.items()} == {
        "1.1.1": (2, "below_required", pytest.approx(16)), "1.1.2": (3, "ok", pytest.approx(36)),
        "1.1.3": (2, "ok", pytest.approx(80)), "1.1.4": (0, "uncovered", 0)}
    assert [c for c, r in rows.items() if r["under_invested"]] == ["1.1.1"]
    assert [c for c, r in rows.items() if r["over_invested"]] == ["1.1.3"]
    payload = coverage.result_json(result)
    assert {k: payload[k] for k in ("competencies", "courses", "alignments", "covered", "coverage_ratio",
                                    "weighted_coverage", "uncovered", "below_required", "redundant",
                                    "orphan_courses")} == {
        "competencies": 4, "courses": 4, "alignments": 7, "covered": 3, "coverage_ratio": 0.75,
        "weighted_coverage": 0.5641, "uncovered": ["1.1.4"], "below_required": ["1.1.1"], "redundant": [],
        "orphan_courses": ["C4"]}
    assert payload["by_competency"][0]["courses"] == {"C1": 2, "C2": 1} and payload["by_competency"][0]["hours"] == 16
    gaps = result.gaps
    assert gaps.loc[gaps["kind"] == "orphan_unit", "target_text"].tolist() == ["U2"]
    assert gaps.loc[gaps["kind"] == "orphan_objective", "target_text"].tolist() == ["K2 能识读"]
    assert [(r["semester"], r["covered"], r["meets_required"], round(r["weighted_coverage"], 4))
            for r in result.by_semester.to_dict("records")] == [(1, 2, 1, 0.4872), (2, 3, 2, 0.5641), (3, 3, 2, 0.5641)]
    assert by_code(p.run(redundant_threshold=2))["1.1.2"]["gap"] == "redundant"
    confirmed = p.run(confirmed_only=True)
    assert confirmed.metrics["coverage_ratio"] == 0.75
    assert confirmed.metrics["weighted_coverage"] == pytest.approx(result.metrics["weighted_coverage"])
    assert by_code(confirmed)["1.1.3"]["hours"] == pytest.approx(48 * 2 / 5 + 64)
