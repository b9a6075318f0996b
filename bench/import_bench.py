"""Import benchmark (issue 3): a 50,000-competency framework and a 5,000 × 300 matrix into SQLite.

Targets, measured in the same run on the same files:

* framework .xlsx (50,000 competencies under 50 areas × 20 tasks): the end-to-end import
  (read, detect, map, validate, diff, one-transaction write with audit) within 3× the time
  of ``pandas.read_excel(path, engine="calamine")`` alone; peak memory under 500 MB;
* matrix .xlsx (5,000 competency rows × 300 course columns, 4 % of the cells marked
  ●/◐/○, i.e. about 60,000 alignments): the import into a programme that already has the
  competencies and courses within 3× the bare calamine read (python-calamine, all cells).

Each import runs in a fresh process so its peak memory (max RSS) is its own; that process
first imports a 20-row file into another programme, so it is as warm as a running server.

Run: ``python -m bench`` (every benchmark) or ``python -m bench.import_bench``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

TARGET_RATIO = 3.0
MEMORY_LIMIT_MB = 500
MARKS = ("●", "◐", "○")


def write_framework(path: Path, *, competencies: int = 50_000, areas: int = 50, tasks: int = 20) -> None:
    """A 职业能力分析表: title row, header, area/task columns filled on every row, outline codes."""
    per_task = max(competencies // (areas * tasks), 1)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("职业能力分析表")
    ws.write_row(0, 0, ["基准专业职业能力分析表"])
    ws.write_row(1, 0, ["工作领域", "工作任务", "能力编码", "职业能力", "类型", "重要程度"])
    types, grades = ("知识", "技能", "素质"), ("A", "B", "C")
    row = 2
    for a in range(1, areas + 1):
        for t in range(1, tasks + 1):
            for c in range(1, per_task + 1):
                statement = f"能完成第{a}.{t}.{c}项职业能力要求的操作并记录结果"
                ws.write_row(row, 0, [f"{a} 工作领域{a}", f"{a}.{t} 工作任务{a}.{t}", f"{a}.{t}.{c}", statement,
                                      types[c % 3], grades[c % 3]])
                row += 1
    book.close()


def write_matrix(path: Path, *, rows: int = 5000, courses: int = 300, density: float = 0.04, seed: int = 3) -> int:
    """Competency rows × course columns with ●◐○ marks; returns the number of marks."""
    rng = random.Random(seed)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("矩阵")
    ws.write_row(0, 0, ["能力编码", "职业能力"] + [f"课程{k}（KC{k:03d}）" for k in range(1, courses + 1)])
    marks = 0
    for r in range(1, rows + 1):
        ws.write_string(r, 0, _matrix_code(r))
        ws.write_string(r, 1, f"能完成第{r}项操作")
        for k in range(courses):
            if rng.random() < density:
                ws.write_string(r, 2 + k, rng.choice(MARKS))
                marks += 1
    book.close()
    return marks


def _matrix_code(r: int) -> str:
    return f"{(r - 1) // 100 + 1}.{(r - 1) // 10 % 10 + 1}.{(r - 1) % 10 + 1}"


def write_matrix_setup(path: Path, *, rows: int = 5000, courses: int = 300) -> None:
    """The framework and course catalogue the matrix refers to (imported before the timed run)."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = book.add_worksheet("框架")
    ws.write_row(0, 0, ["能力编码", "职业能力"])
    for r in range(1, rows + 1):
        ws.write_row(r, 0, [_matrix_code(r), f"能完成第{r}项操作"])
    book.close()
    book = xlsxwriter.Workbook(str(path.with_name("courses.xlsx")), {"constant_memory": True})
    ws = book.add_worksheet("课程")
    ws.write_row(0, 0, ["课程代码", "课程名称", "学分"])
    for k in range(1, courses + 1):
        ws.write_row(k, 0, [f"KC{k:03d}", f"课程{k}", "2"])
    book.close()


def _child_import(db_url: str, files: list[str], timed: str, queue) -> None:
    """In a fresh process: import ``files`` (untimed), then time the import of ``timed``."""
    from services.actor import SYSTEM
    from services.db import make_engine
    from services.importing import analyse, commit
    from services.migrate import upgrade

    engine = make_engine(db_url)
    upgrade(engine)
    # warm the process up the way a running server is warm (imports, statement caches): a tiny import
    warm = Path(timed).with_name("warm-up.xlsx")
    write_framework(warm, competencies=20, areas=2, tasks=2)
    commit(engine, actor=SYSTEM, preview=analyse(warm.read_bytes(), warm.name, engine=engine, program_code="WARM"))
    for name in files:
        data = Path(name).read_bytes()
        result = commit(engine, actor=SYSTEM, preview=analyse(data, Path(name).name, engine=engine,
                                                               program_code="BENCH"))
        assert result.ok, result.errors[:3]
    start = time.perf_counter()
    data = Path(timed).read_bytes()
    preview = analyse(data, Path(timed).name, engine=engine, program_code="BENCH")
    analysed = time.perf_counter()
    result = commit(engine, actor=SYSTEM, preview=preview)
    end = time.perf_counter()
    queue.put({"ok": result.ok, "errors": result.errors[:3], "seconds": end - start, "analyse": analysed - start,
               "commit": end - analysed, "created": {k: v for k, v in result.counts["created"].items() if v},
               "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024})


def timed_import(db_url: str, timed: Path, setup: list[Path] = ()) -> dict:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child_import, args=(db_url, [str(p) for p in setup], str(timed), queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def database_floor(db_path: Path) -> dict:
    """The least database work any importer must do for the matrix's links, timed with bare sqlite3.

    On a copy of the imported database the links and their audit events are removed, then put
    back as plainly as SQLite allows: one executemany of (competency, course, target, level)
    with every other column a literal, one INSERT … SELECT for the audit events, one commit.
    No parsing, no planning, no SQLAlchemy: what is left of the import's time is the app's.
    """
    import shutil
    import sqlite3

    copy = db_path.with_name("floor.db")
    shutil.copy(db_path, copy)
    conn = sqlite3.connect(copy, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    links = conn.execute("SELECT competency_id, course_id, target, level FROM alignment ORDER BY id").fetchall()
    conn.execute("DELETE FROM audit_event WHERE entity_type = 'alignment'")
    conn.execute("DELETE FROM alignment")
    now = "2026-01-01 00:00:00.000000"
    start = time.perf_counter()
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO alignment (competency_id, course_id, target, level, status, source, proposed_side, "
                     f"reason, created_at, updated_at, version) VALUES (?, ?, ?, ?, 'proposed', 'import', 'system', "
                     f"'', '{now}', '{now}', 1)", links)
    inserted = time.perf_counter()
    conn.execute("INSERT INTO audit_event (at, username, program_id, entity_type, entity_id, action, summary, after) "
                 "SELECT ?, 'system', NULL, 'alignment', id, 'create', target, json_object('competency_id', "
                 "competency_id, 'target', target, 'level', level) FROM alignment ORDER BY id", (now,))
    audited = time.perf_counter()
    conn.execute("COMMIT")
    end = time.perf_counter()
    conn.close()
    return {"rows": len(links), "insert_s": inserted - start, "audit_s": audited - inserted, "commit_s": end - audited,
            "seconds": end - start}


def best_of(repeat: int, func) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def run(*, competencies: int, rows: int, courses: int, repeat: int) -> dict:
    import pandas as pd
    import python_calamine

    out = {}
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        framework = folder / "framework.xlsx"
        write_framework(framework, competencies=competencies)
        out["framework_mb"] = framework.stat().st_size / 1e6
        out["pandas_s"] = best_of(repeat, lambda: pd.read_excel(framework, engine="calamine"))
        out["framework"] = timed_import(f"sqlite:///{folder / 'framework.db'}", framework)
        matrix = folder / "matrix.xlsx"
        out["marks"] = write_matrix(matrix, rows=rows, courses=courses)
        setup = folder / "framework-setup.xlsx"
        write_matrix_setup(setup, rows=rows, courses=courses)

        def bare_read() -> None:
            book = python_calamine.CalamineWorkbook.from_path(str(matrix))
            book.get_sheet_by_name(book.sheet_names[0]).to_python()

        out["calamine_s"] = best_of(repeat, bare_read)
        out["matrix_pandas_s"] = best_of(repeat, lambda: pd.read_excel(matrix, engine="calamine"))
        out["matrix"] = timed_import(f"sqlite:///{folder / 'matrix.db'}", matrix,
                                     [setup, setup.with_name("courses.xlsx")])
        out["matrix_floor"] = database_floor(folder / "matrix.db")
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the import benchmark figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--competencies", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--courses", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    r = run(competencies=args.competencies, rows=args.rows, courses=args.courses, repeat=args.repeat)
    fw, mx = r["framework"], r["matrix"]
    fw_ratio = fw["seconds"] / r["pandas_s"]
    mx_ratio = mx["seconds"] / r["calamine_s"]
    fw_ok = fw["ok"] and fw_ratio <= TARGET_RATIO and fw["max_rss_mb"] < MEMORY_LIMIT_MB
    mx_ok = mx["ok"] and mx_ratio <= TARGET_RATIO
    print(f"import benchmark (SQLite; best of {args.repeat} for the reads)")
    print(f"  framework: {args.competencies} competencies, {r['framework_mb']:.1f} MB .xlsx; created {fw['created']}")
    print(f"    pandas.read_excel(engine='calamine')       {r['pandas_s'] * 1000:8.0f} ms")
    print(f"    import end to end                          {fw['seconds'] * 1000:8.0f} ms "
          f"(analyse {fw['analyse'] * 1000:.0f} + commit {fw['commit'] * 1000:.0f})")
    print(f"    ratio {fw_ratio:.2f} (target ≤ {TARGET_RATIO}); peak memory (max RSS of the importing process) "
          f"{fw['max_rss_mb']:.0f} MB (target < {MEMORY_LIMIT_MB}) {'OK' if fw_ok else 'MISSED'}")
    print(f"  matrix: {args.rows} × {args.courses}, {r['marks']} marks; created {mx['created']}")
    print(f"    bare calamine read (all cells)             {r['calamine_s'] * 1000:8.0f} ms")
    print(f"    pandas.read_excel(engine='calamine')       {r['matrix_pandas_s'] * 1000:8.0f} ms")
    print(f"    import end to end                          {mx['seconds'] * 1000:8.0f} ms "
          f"(analyse {mx['analyse'] * 1000:.0f} + commit {mx['commit'] * 1000:.0f})")
    print(f"    ratio {mx_ratio:.2f} against the bare read (target ≤ {TARGET_RATIO}), "
          f"{mx['seconds'] / r['matrix_pandas_s']:.2f} against pandas; max RSS {mx['max_rss_mb']:.0f} MB "
          f"{'OK' if mx_ok else 'MISSED'}")
    floor = r["matrix_floor"]
    print(f"    database floor: bare sqlite3 writing the same {floor['rows']} links and their audit events "
          f"{floor['seconds'] * 1000:.0f} ms (insert {floor['insert_s'] * 1000:.0f} + audit "
          f"{floor['audit_s'] * 1000:.0f} + commit {floor['commit_s'] * 1000:.0f}) = "
          f"{floor['seconds'] / r['calamine_s']:.2f}x the bare read before any parsing")
    if not (fw["ok"] and mx["ok"]):
        print(f"  errors: {fw['errors'] or mx['errors']}")
    return 0 if fw_ok and mx_ok else 1


if __name__ == "__main__":
    sys.exit(main())
