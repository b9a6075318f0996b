"""Coverage benchmark (issue 4): 5,000 competencies, 300 courses, 50,000 alignments in SQLite.

Target: computing coverage (cold, cache bypassed, loading included) takes at most 1.5× the
time of loading the programme's alignment rows into a DataFrame with ``pd.read_sql``,
measured in the same run. Also reported: the pure computation, the heatmap figure, its
JSON serialisation (what a page sends to the browser) and peak memory.

Run: ``python -m bench`` (every benchmark) or ``python -m bench.coverage_bench``.
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import insert, select

from models import Alignment, Competency, Course, CourseStandard, JobRole, LearningUnit, Objective, Program
from services import charts, coverage
from services.db import make_engine, session_scope
from services.migrate import upgrade

TARGET_RATIO = 1.5


def build_programme(engine, *, competencies: int = 5000, courses: int = 300, alignments: int = 50_000,
                    seed: int = 4) -> int:
    """Bulk-insert one synthetic programme; returns its id."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    areas, tasks_per_area = 25, 10
    per_task = max(1, competencies // (areas * tasks_per_area))
    with session_scope(engine) as session:
        session.execute(insert(Program), [{"id": 1, "code": "BENCH", "name": "Benchmark programme", "language": "en",
                                           "description": "", "is_demo": False, "created_at": now,
                                           "updated_at": now, "version": 1}])
        session.execute(insert(JobRole), [{"id": r, "program_id": 1, "name": f"Role {r}", "description": "",
                                           "external_code": "", "external_uri": "", "source": "manual",
                                           "sort_order": r, "version": 1} for r in range(1, 6)])
        nodes, next_id, leaf_ids = [], 1, []

        def node(kind, code, parent, **extra):
            nonlocal next_id
            nodes.append({"id": next_id, "program_id": 1, "parent_id": parent, "kind": kind, "code": code,
                          "statement": f"{kind} {code} " + "能完成相关操作" * 3, "comp_type": extra.get("comp_type"),
                          "importance": extra.get("importance"), "required_level": None,
                          "job_role_id": extra.get("job_role_id"), "external_uri": "", "notes": "", "sort_order": 0,
                          "status": "accepted", "proposed_side": "school", "created_at": now, "updated_at": now,
                          "version": 1})
            next_id += 1
            return next_id - 1

        for a in range(1, areas + 1):
            area = node("area", f"{a}", None)
            for t in range(1, tasks_per_area + 1):
                task = node("task", f"{a}.{t}", area, job_role_id=rng.randint(1, 5))
                for c in range(1, per_task + 1):
                    leaf_ids.append(node("competency", f"{a}.{t}.{c}", task,
                                         importance=rng.choice([1, 2, 3, 3, 4, 5, 5]),
                                         comp_type=rng.choice(["knowledge", "skill", "quality"])))
        session.execute(insert(Competency), nodes)
        session.execute(insert(Course), [{
            "id": c, "program_id": 1, "code": f"C{c:03d}", "name": f"Course {c}",
            "course_type": rng.choice(["professional_basic", "professional_core", "practice"]), "credits": 4.0,
            "hours_theory": 32, "hours_practice": 32, "semester": rng.randint(1, 6), "description": "",
            "created_at": now, "updated_at": now, "version": 1} for c in range(1, courses + 1)])
        session.execute(insert(CourseStandard), [{
            "id": c, "course_id": c, "revision": 1, "status": "approved", "created_at": now, "updated_at": now,
            "version": 1, **{k: "" for k in ("title", "department", "author_name", "author_date", "reviewer_name",
                                             "reviewer_date", "prerequisites", "follow_on", "nature",
                                             "design_rationale", "teaching_methods", "resources",
                                             "rejection_reason")}} for c in range(1, courses + 1)])
        units_per_course, objectives_per_course = 8, 6
        session.execute(insert(LearningUnit), [{
            "id": (c - 1) * units_per_course + u, "standard_id": c, "title": f"Unit {u} of course {c}", "content": "",
            "learning_tasks": "", "hours_theory": 4, "hours_practice": 4, "sort_order": u, "version": 1}
            for c in range(1, courses + 1) for u in range(1, units_per_course + 1)])
        session.execute(insert(Objective), [{
            "id": (c - 1) * objectives_per_course + o, "standard_id": c, "dimension": "skill", "code": f"S{o}",
            "text": f"能完成课程{c}的第{o}项任务", "sort_order": o, "version": 1}
            for c in range(1, courses + 1) for o in range(1, objectives_per_course + 1)])
        rows, seen = [], set()
        while len(rows) < alignments:
            competency_id = rng.choice(leaf_ids)
            course_id = rng.randint(1, courses)
            kind = rng.random()
            unit_id = objective_id = None
            if kind < 0.4:
                target = f"course:{course_id}"
            elif kind < 0.8:
                unit_id = (course_id - 1) * units_per_course + rng.randint(1, units_per_course)
                target = f"unit:{unit_id}"
            else:
                objective_id = (course_id - 1) * objectives_per_course + rng.randint(1, objectives_per_course)
                target = f"objective:{objective_id}"
            if (competency_id, target) in seen:
                continue
            seen.add((competency_id, target))
            rows.append({"id": len(rows) + 1, "competency_id": competency_id, "course_id": course_id,
                         "unit_id": unit_id, "objective_id": objective_id, "target": target,
                         "level": rng.randint(1, 3), "status": rng.choices(["accepted", "proposed", "rejected"],
                                                                           [80, 15, 5])[0],
                         "source": "bench", "proposed_side": rng.choice(["school", "enterprise"]),
                         "reason": "", "created_at": now, "updated_at": now, "version": 1})
        session.execute(insert(Alignment), rows)
    return 1


def _timed(func, repeat: int) -> tuple[float, object]:
    """Median wall time of ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _render_page(url: str, program_id: int) -> tuple[float, float]:
    """Time a full run of pages/coverage.py as a programme lead (AppTest, no browser)."""
    import os

    from streamlit.testing.v1 import AppTest

    from services.actor import SYSTEM
    from services.db import make_engine
    from services.errors import NotFound
    from services.users import create_user, get_actor

    engine = make_engine(url)
    try:  # a real account: pages recheck the logged-in user against the database on every run
        lead = get_actor(engine, username="bench")
    except NotFound:
        create_user(engine, actor=SYSTEM, username="bench", display_name="Bench", role="lead", side="school",
                    password="bench-only")
        lead = get_actor(engine, username="bench")
    engine.dispose()
    previous = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    try:
        page = AppTest.from_file(str(Path(__file__).resolve().parent.parent / "pages" / "coverage.py"),
                                 default_timeout=300)
        page.session_state["auth"] = lead.as_dict()
        page.session_state["program_id"] = program_id
        page.session_state["lang"] = "en"
        times = []
        for _ in range(2):
            start = time.perf_counter()
            page.run()
            times.append(time.perf_counter() - start)
            if page.exception:
                raise RuntimeError(page.exception[0].value)
        return times[0], times[1]
    finally:
        if previous is None:
            os.environ.pop("DATABASE_URL", None)
        else:
            os.environ["DATABASE_URL"] = previous


def run(*, competencies: int = 5000, courses: int = 300, alignments: int = 50_000, repeat: int = 5) -> dict:
    """Build the programme in a temporary SQLite file and time each step; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="costandard-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        start = time.perf_counter()
        program_id = build_programme(engine, competencies=competencies, courses=courses, alignments=alignments)
        build_s = time.perf_counter() - start

        def load_alignments() -> pd.DataFrame:
            with engine.connect() as conn:
                return pd.read_sql(select(Alignment).join(Course, Course.id == Alignment.course_id)
                                   .where(Course.program_id == program_id), conn)

        def load_needed_columns() -> pd.DataFrame:
            with engine.connect() as conn:
                return pd.read_sql(select(Alignment.id, Alignment.competency_id, Alignment.course_id,
                                          Alignment.unit_id, Alignment.objective_id, Alignment.level,
                                          Alignment.status).join(Course, Course.id == Alignment.course_id)
                                   .where(Course.program_id == program_id), conn)

        def cold() -> coverage.CoverageResult:
            return coverage.compute_coverage(engine, program_id=program_id, use_cache=False)

        def first_call() -> coverage.CoverageResult:
            coverage.clear_cache()
            return coverage.compute_coverage(engine, program_id=program_id)

        load_alignments()  # warm the SQLite page cache for every measurement alike
        cold()
        load_s, frame = _timed(load_alignments, repeat)
        narrow_s, _ = _timed(load_needed_columns, repeat)
        cold_s, result = _timed(cold, repeat)
        miss_s, _ = _timed(first_call, repeat)
        inputs_s, inputs = _timed(lambda: coverage.load_inputs(engine, program_id=program_id), repeat)
        pure_s, _ = _timed(lambda: coverage.coverage_from_inputs(inputs), repeat)
        coverage.clear_cache()
        coverage.compute_coverage(engine, program_id=program_id)
        cached_s, _ = _timed(lambda: coverage.compute_coverage(engine, program_id=program_id), repeat)
        heatmap_s, figure = _timed(lambda: charts.heatmap_figure(result.by_competency, result.matrix, result.courses),
                                   max(1, repeat // 2))
        json_s, payload = _timed(figure.to_json, 1)
        page_cold_s, page_warm_s = _render_page(f"sqlite:///{Path(tmp) / 'bench.db'}", program_id)
        tracemalloc.start()
        coverage.compute_coverage(engine, program_id=program_id, use_cache=False)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        engine.dispose()
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "competencies": result.metrics["competencies"], "courses": result.metrics["courses"],
        "alignment_rows": len(frame), "counted_alignments": result.metrics["alignments"],
        "build_s": build_s, "load_alignments_s": load_s, "load_needed_columns_s": narrow_s,
        "coverage_cold_s": cold_s, "coverage_cache_miss_s": miss_s, "load_inputs_s": inputs_s,
        "compute_pure_s": pure_s, "coverage_cached_s": cached_s,
        "heatmap_s": heatmap_s, "heatmap_json_s": json_s, "page_cold_s": page_cold_s, "page_warm_s": page_warm_s, "heatmap_json_mb": len(payload) / 1e6,
        "ratio": cold_s / load_s, "ratio_needed_columns": cold_s / narrow_s, "target_ratio": TARGET_RATIO,
        "peak_traced_mb": peak / 1e6, "max_rss_mb": maxrss_kb / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the coverage benchmark figures; exit 1 when the ratio misses the target."""
    parser = argparse.ArgumentParser(prog="python -m bench.coverage_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--competencies", type=int, default=5000)
    parser.add_argument("--courses", type=int, default=300)
    parser.add_argument("--alignments", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    r = run(competencies=args.competencies, courses=args.courses, alignments=args.alignments, repeat=args.repeat)
    ok = r["ratio"] <= TARGET_RATIO
    print(f"coverage benchmark: {r['competencies']} competencies, {r['courses']} courses, "
          f"{r['alignment_rows']} alignment rows ({r['counted_alignments']} counted); median of {args.repeat} runs")
    print(f"  (a) load alignment rows, all columns (pd.read_sql) {r['load_alignments_s'] * 1000:8.1f} ms")
    print(f"      the 7 columns coverage needs (pd.read_sql)     {r['load_needed_columns_s'] * 1000:8.1f} ms")
    print(f"  (b) coverage, cold: cache bypassed (load+compute) {r['coverage_cold_s'] * 1000:8.1f} ms")
    print(f"      of which: load_inputs (7 queries)             {r['load_inputs_s'] * 1000:8.1f} ms")
    print(f"                compute (pandas, pure)              {r['compute_pure_s'] * 1000:8.1f} ms")
    print(f"      cache miss (data version + load + compute)    {r['coverage_cache_miss_s'] * 1000:8.1f} ms")
    print(f"      cache hit (data version query only)           {r['coverage_cached_s'] * 1000:8.1f} ms")
    print(f"  ratio (b)/(a) = {r['ratio']:.2f} (target ≤ {TARGET_RATIO}) {'OK' if ok else 'MISSED'}; "
          f"against the 7-column load: {r['ratio_needed_columns']:.2f}")
    print(f"  (c) heatmap figure                                {r['heatmap_s'] * 1000:8.1f} ms")
    print(f"      heatmap to_json (what a page sends)           {r['heatmap_json_s'] * 1000:8.1f} ms "
          f"({r['heatmap_json_mb']:.1f} MB)")
    print(f"  (d) coverage page, full script run (AppTest)      {r['page_cold_s'] * 1000:8.1f} ms first, "
          f"{r['page_warm_s'] * 1000:.1f} ms next run")
    print(f"  peak memory: {r['peak_traced_mb']:.1f} MB traced during a cold computation; "
          f"process max RSS {r['max_rss_mb']:.0f} MB")
    print(f"  (setup: bulk insert {r['build_s']:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
