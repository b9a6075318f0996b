"""Import benchmark (issue 10): a 50,000-competency framework and a 5,000 × 300 matrix into SQLite.

The floor (``bench/floor.py``) is a bare script that reads the same file with
``pandas.read_excel(engine="calamine")`` and writes the same rows with one ``sqlite3``
``executemany`` in one transaction, into a fresh copy of the same database (the app's schema;
for the matrix also the competencies and courses it refers to). Target for each file: the
import within 1.5× its floor, peak memory under 500 MB, measured two ways side by side in the
same run, alternating import and floor:

* whole processes: a fresh ``python manage.py --db … import FILE --program BENCH`` against a
  fresh ``python bench/floor.py …`` (start-up included; peak memory = the child's max RSS);
* in-process: ``analyse`` + ``commit`` against ``floor.floor()`` in a warm interpreter (each side
  in its own fresh child so that its max RSS is its own).

The framework file: 50,000 competencies under 50 areas × 20 tasks, area/task columns filled on
every row. The matrix: 5,000 competency rows × 300 course columns, 4 % of the cells marked
●/◐/○ (about 60,000 alignments), imported into a programme that already has the competencies
and courses. Times are the best of ``--repeat`` runs.

Run: ``python -m bench`` (every benchmark) or ``python -m bench.import_bench``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import xlsxwriter

TARGET_RATIO = 1.5
MEMORY_LIMIT_MB = 500
MARKS = ("●", "◐", "○")
ROOT = Path(__file__).resolve().parent.parent
PROGRAM = "BENCH"


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
    """The framework and course catalogue the matrix refers to (imported before the timed runs)."""
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


# --------------------------------------------------------------------------- databases


def make_template(path: Path, setup: list[Path] = ()) -> int:
    """A migrated SQLite file with the programme (and the ``setup`` files imported); its programme id.

    Made in a child process: the benchmark's own process stays small, so nothing of it shows in a
    child's max RSS.
    """
    run = run_measured([sys.executable, "-m", "bench.import_bench", "--make-template", str(path),
                        *[str(name) for name in setup]])
    if run["rc"] != 0:
        raise RuntimeError(f"making {path.name} failed: {run['err'][-2000:]}")
    return int(run["out"].strip().splitlines()[-1])


def _make_template(path: Path, setup: list[Path]) -> int:
    sys.path.insert(0, str(ROOT))
    from services import programs
    from services.actor import SYSTEM
    from services.db import make_engine
    from services.importing import import_file
    from services.migrate import upgrade

    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    program = programs.create_program(engine, actor=SYSTEM, code=PROGRAM, name=PROGRAM, language="zh")
    for name in setup:
        result = import_file(engine, actor=SYSTEM, data=name.read_bytes(), filename=name.name, program_code=PROGRAM)
        assert result.ok, result.errors[:3]
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return program["id"]


def fresh_copy(template: Path, target: Path) -> Path:
    """``target`` as a copy of ``template`` (no stale WAL files beside it)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copy(template, target)
    return target


# --------------------------------------------------------------------------- whole processes


def run_measured(args: list[str]) -> dict:
    """Run ``args`` as a fresh process: wall time from start to exit and the child's own max RSS (wait4)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return {"seconds": seconds, "rc": child.returncode, "max_rss_mb": usage.ru_maxrss / 1024,
                "cpu_s": usage.ru_utime + usage.ru_stime,
                "out": out.read().decode(errors="replace"), "err": err.read().decode(errors="replace")}


def whole_processes(kind: str, file: Path, template: Path, program_id: int, repeat: int, folder: Path) -> dict:
    """Fresh ``manage.py import`` against fresh ``bench/floor.py``, alternating; best of ``repeat``."""
    imports, floors = [], []

    def run_import() -> None:
        db = fresh_copy(template, folder / f"{kind}-process-import.db")
        run = run_measured([sys.executable, "manage.py", "--db", f"sqlite:///{db}", "import", str(file),
                            "--program", PROGRAM])
        if run["rc"] != 0:
            raise RuntimeError(f"manage.py import failed ({run['rc']}): {run['err'][-2000:]}")
        imports.append(run)

    def run_floor() -> None:
        db = fresh_copy(template, folder / f"{kind}-process-floor.db")
        run = run_measured([sys.executable, str(ROOT / "bench" / "floor.py"), kind, str(file), str(db),
                            str(program_id)])
        if run["rc"] != 0:
            raise RuntimeError(f"floor script failed ({run['rc']}): {run['err'][-2000:]}")
        floors.append(run)

    for round_ in range(repeat):  # alternate which goes first, so neither always runs on a warmer machine
        for step in ((run_import, run_floor) if round_ % 2 == 0 else (run_floor, run_import)):
            step()
    return {"import_s": min(r["seconds"] for r in imports), "floor_s": min(r["seconds"] for r in floors),
            "import_cpu_s": min(r["cpu_s"] for r in imports), "floor_cpu_s": min(r["cpu_s"] for r in floors),
            "import_rss_mb": max(r["max_rss_mb"] for r in imports),
            "floor_rss_mb": max(r["max_rss_mb"] for r in floors), "report": imports[-1]["out"].strip()}


# --------------------------------------------------------------------------- in-process


def _child(side: str, kind: str, file: Path, template: Path, program_id: int, repeat: int, folder: Path) -> dict:
    """In this (fresh) interpreter: warm up, then time ``side`` ("import" or "floor") ``repeat`` times."""
    sys.path.insert(0, str(ROOT))
    times, cpus, parts = [], [], []
    if side == "import":
        from services.actor import SYSTEM
        from services.db import make_engine
        from services.importing import analyse, commit

        # warm the process up the way a running server is warm (imports, caches): a tiny import elsewhere
        warm = folder / f"{kind}-warm-up.xlsx"
        write_framework(warm, competencies=20, areas=2, tasks=2)
        warm_db = fresh_copy(template, folder / f"{kind}-warm-up.db")
        engine = make_engine(f"sqlite:///{warm_db}")
        commit(engine, actor=SYSTEM, preview=analyse(warm.read_bytes(), warm.name, engine=engine,
                                                      program_code="WARM"))
        engine.dispose()
        for _ in range(repeat):
            db = fresh_copy(template, folder / f"{kind}-inproc-import.db")
            engine = make_engine(f"sqlite:///{db}")
            start, cpu = time.perf_counter(), time.process_time()
            preview = analyse(file.read_bytes(), file.name, engine=engine, program_code=PROGRAM)
            analysed = time.perf_counter()
            result = commit(engine, actor=SYSTEM, preview=preview)
            end = time.perf_counter()
            cpus.append(time.process_time() - cpu)
            engine.dispose()
            if not result.ok:
                raise RuntimeError(f"import failed: {result.errors[:3]}")
            times.append(end - start)
            parts.append({"analyse_s": analysed - start, "commit_s": end - analysed,
                          "created": {k: v for k, v in result.counts["created"].items() if v}})
    else:
        sys.path.insert(0, str(ROOT / "bench"))
        import pandas  # noqa: F401  (warm: the floor's imports are not part of its in-process time)
        from floor import floor

        for _ in range(repeat):
            db = fresh_copy(template, folder / f"{kind}-inproc-floor.db")
            start, cpu = time.perf_counter(), time.process_time()
            rows = floor(kind, str(file), str(db), program_id)
            times.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu)
            parts.append({"rows": rows})
    best = min(range(len(times)), key=times.__getitem__)
    return {"seconds": times[best], "cpu_s": min(cpus), **parts[best],
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def in_process(kind: str, file: Path, template: Path, program_id: int, repeat: int, folder: Path) -> dict:
    out = {}
    for side in ("import", "floor"):
        run = run_measured([sys.executable, "-m", "bench.import_bench", "--child", side, "--kind", kind,
                            "--file", str(file), "--template", str(template), "--program-id", str(program_id),
                            "--repeat", str(repeat), "--folder", str(folder)])
        if run["rc"] != 0:
            raise RuntimeError(f"in-process {side} child failed: {run['err'][-2000:]}")
        out[side] = json.loads(run["out"].strip().splitlines()[-1])
    return out


# --------------------------------------------------------------------------- report


def run(*, competencies: int, rows: int, courses: int, repeat: int) -> dict:
    out = {}
    with tempfile.TemporaryDirectory(prefix="import-bench-") as tmp:
        folder = Path(tmp)
        framework = folder / "framework.xlsx"
        write_framework(framework, competencies=competencies)
        matrix = folder / "matrix.xlsx"
        marks = write_matrix(matrix, rows=rows, courses=courses)
        setup = folder / "framework-setup.xlsx"
        write_matrix_setup(setup, rows=rows, courses=courses)
        plain = folder / "template.db"
        plain_id = make_template(plain)
        with_setup = folder / "template-matrix.db"
        setup_id = make_template(with_setup, [setup, setup.with_name("courses.xlsx")])
        for kind, file, template, program_id, size in (
                ("framework", framework, plain, plain_id, f"{competencies} competencies"),
                ("matrix", matrix, with_setup, setup_id, f"{rows} × {courses}, {marks} marks")):
            out[kind] = {"size": size, "mb": file.stat().st_size / 1e6,
                         "process": whole_processes(kind, file, template, program_id, repeat, folder),
                         "inproc": in_process(kind, file, template, program_id, repeat, folder)}
    return out


def report(kind: str, r: dict) -> bool:
    """Print one file's figures; True when it met every target."""
    p, i = r["process"], r["inproc"]
    p_ratio = p["import_s"] / p["floor_s"]
    i_ratio = i["import"]["seconds"] / i["floor"]["seconds"]
    p_ok = p_ratio <= TARGET_RATIO and p["import_rss_mb"] < MEMORY_LIMIT_MB
    i_ok = i_ratio <= TARGET_RATIO and i["import"]["max_rss_mb"] < MEMORY_LIMIT_MB
    verdict = {True: "OK", False: "MISSED"}
    print(f"  {kind}: {r['size']}, {r['mb']:.1f} MB .xlsx; created {i['import']['created']}")
    print(f"    whole processes   manage.py import {p['import_s'] * 1000:7.0f} ms, max RSS {p['import_rss_mb']:4.0f} MB"
          f" | floor script {p['floor_s'] * 1000:7.0f} ms, max RSS {p['floor_rss_mb']:4.0f} MB"
          f" | ratio {p_ratio:.2f} {verdict[p_ok]}")
    print(f"    in-process        analyse+commit   {i['import']['seconds'] * 1000:7.0f} ms "
          f"(analyse {i['import']['analyse_s'] * 1000:.0f} + commit {i['import']['commit_s'] * 1000:.0f}), "
          f"max RSS {i['import']['max_rss_mb']:4.0f} MB"
          f" | floor()      {i['floor']['seconds'] * 1000:7.0f} ms, max RSS {i['floor']['max_rss_mb']:4.0f} MB"
          f" | ratio {i_ratio:.2f} {verdict[i_ok]}")
    print(f"    CPU time (user + sys; steadier than wall time on a busy machine): whole processes "
          f"{p['import_cpu_s'] * 1000:.0f} / {p['floor_cpu_s'] * 1000:.0f} ms = "
          f"{p['import_cpu_s'] / p['floor_cpu_s']:.2f}, "
          f"in-process {i['import']['cpu_s'] * 1000:.0f} / {i['floor']['cpu_s'] * 1000:.0f} ms = "
          f"{i['import']['cpu_s'] / i['floor']['cpu_s']:.2f}")
    return p_ok and i_ok


def main(argv: list[str] | None = None) -> int:
    """Print the import benchmark figures; exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench.import_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--competencies", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--courses", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", choices=("import", "floor"), help=argparse.SUPPRESS)
    parser.add_argument("--make-template", type=Path, nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--kind", help=argparse.SUPPRESS)
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--template", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--program-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.make_template:
        print(_make_template(args.make_template[0], args.make_template[1:]))
        return 0
    if args.child:
        print(json.dumps(_child(args.child, args.kind, args.file, args.template, args.program_id, args.repeat,
                                args.folder)))
        return 0
    r = run(competencies=args.competencies, rows=args.rows, courses=args.courses, repeat=args.repeat)
    print(f"import benchmark (SQLite; best of {args.repeat}; target: import ≤ {TARGET_RATIO}× the floor = "
          f"pandas.read_excel(engine='calamine') + one sqlite3 executemany, peak memory < {MEMORY_LIMIT_MB} MB)")
    ok = [report(kind, r[kind]) for kind in ("framework", "matrix")]
    return 0 if all(ok) else 1


if __name__ == "__main__":
    sys.exit(main())
