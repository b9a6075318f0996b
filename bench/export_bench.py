"""Export benchmark (issue 6): coverage matrix of 5,000 competencies × 300 courses to .xlsx.

Target: our formatted matrix export (outline levels, summary columns, conditional fills,
legend, metrics sheet; constant-memory streaming) takes at most 1.5× the time of a bare
``DataFrame.to_excel(engine="xlsxwriter")`` of the same matrix (competency codes × course
codes, the marks as text, blanks where there is no alignment), measured in the same run on
the same computed coverage. Also reported: the end-to-end export (coverage included), the
gap report, and peak memory (traced allocations during each write; process max RSS).

The programme is bulk-inserted into a temporary SQLite file with ``bench.coverage_bench``'s
builder (50,000 alignments). Run: ``python -m bench`` or ``python -m bench.export_bench``.
"""

from __future__ import annotations

import argparse
import io
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import pandas as pd

from bench.coverage_bench import build_programme
from services import coverage
from services.actor import SYSTEM
from services.db import make_engine
from services.exports.gaps_xlsx import gaps_workbook
from services.exports.matrix_xlsx import MARK_SCHEMES, export_matrix_xlsx, matrix_workbook
from services.migrate import upgrade

TARGET_RATIO = 1.5


def _timed(func, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def _peak_mb(func) -> float:
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def marks_frame(result: coverage.CoverageResult, scheme: str = "symbols") -> pd.DataFrame:
    """The same matrix as a plain DataFrame: marks as text, NaN where there is no alignment."""
    marks = MARK_SCHEMES[scheme]
    return result.matrix.astype("object").where(result.matrix > 0).replace({level: mark for level, mark in marks.items()})


def bare_to_excel(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_excel(buffer, engine="xlsxwriter", sheet_name="matrix")
    return buffer.getvalue()


def run(*, competencies: int = 5000, courses: int = 300, alignments: int = 50_000, repeat: int = 3) -> dict:
    """Build the programme, compute coverage once, then time both writers on it; returns the figures."""
    with tempfile.TemporaryDirectory(prefix="costandard-export-bench-") as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'bench.db'}")
        upgrade(engine)
        start = time.perf_counter()
        program_id = build_programme(engine, competencies=competencies, courses=courses, alignments=alignments)
        build_s = time.perf_counter() - start
        result = coverage.compute_coverage(engine, program_id=program_id, use_cache=False)
        frame = marks_frame(result)
        bare_to_excel(frame.iloc[:50])  # warm both code paths (imports, xlsxwriter set-up)
        matrix_workbook(result)
        bare_s, bare = _timed(lambda: bare_to_excel(frame), repeat)
        ours_s, ours = _timed(lambda: matrix_workbook(result, marks="symbols", lang="zh"), repeat)
        calls: list[float] = []
        cold_s, exported = _timed(lambda: export_matrix_xlsx(
            engine, actor=SYSTEM, program_id=program_id, progress=lambda f, m: calls.append(f)), 1)
        gaps_s, gaps = _timed(lambda: gaps_workbook(result, result.gaps), repeat)
        bare_peak = _peak_mb(lambda: bare_to_excel(frame))
        ours_peak = _peak_mb(lambda: matrix_workbook(result))
        engine.dispose()
    return {
        "competencies": int(result.metrics["competencies"]), "courses": int(result.metrics["courses"]),
        "cells": int((result.matrix.to_numpy() > 0).sum()), "gap_rows": len(result.gaps), "build_s": build_s,
        "bare_s": bare_s, "ours_s": ours_s, "ratio": ours_s / bare_s, "target_ratio": TARGET_RATIO,
        "export_end_to_end_s": cold_s, "progress_updates": len(calls), "gaps_s": gaps_s,
        "bare_mb": len(bare) / 1e6, "ours_mb": len(ours) / 1e6, "export_mb": len(exported.content) / 1e6,
        "gaps_mb": len(gaps) / 1e6, "bare_peak_mb": bare_peak, "ours_peak_mb": ours_peak,
        "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    """Print the export benchmark figures; exit 1 when the ratio misses the target."""
    parser = argparse.ArgumentParser(prog="python -m bench.export_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--competencies", type=int, default=5000)
    parser.add_argument("--courses", type=int, default=300)
    parser.add_argument("--alignments", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    r = run(competencies=args.competencies, courses=args.courses, alignments=args.alignments, repeat=args.repeat)
    ok = r["ratio"] <= TARGET_RATIO
    print(f"export benchmark: {r['competencies']} competencies × {r['courses']} courses, {r['cells']} marked cells; "
          f"median of {args.repeat} runs")
    print(f"  (a) bare DataFrame.to_excel(engine='xlsxwriter')   {r['bare_s'] * 1000:8.1f} ms  ({r['bare_mb']:.1f} MB)")
    print(f"  (b) our matrix workbook (same coverage result)      {r['ours_s'] * 1000:8.1f} ms  ({r['ours_mb']:.1f} MB)")
    print(f"  ratio (b)/(a) = {r['ratio']:.2f} (target ≤ {TARGET_RATIO}) {'OK' if ok else 'MISSED'}")
    print(f"  end to end, coverage computed cold + workbook       {r['export_end_to_end_s'] * 1000:8.1f} ms  "
          f"({r['progress_updates']} progress updates)")
    label = f"gap report ({r['gap_rows']} rows)"
    print(f"  {label:<52}{r['gaps_s'] * 1000:8.1f} ms  ({r['gaps_mb']:.1f} MB)")
    print(f"  peak traced memory while writing: bare {r['bare_peak_mb']:.1f} MB, ours {r['ours_peak_mb']:.1f} MB; "
          f"process max RSS {r['max_rss_mb']:.0f} MB")
    print(f"  (setup: bulk insert {r['build_s']:.1f} s)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
