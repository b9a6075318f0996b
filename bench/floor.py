"""The import benchmark's floor: the least any importer of these files must do, as a bare script.

Read the file with ``pandas.read_excel(engine="calamine")``, then write the same rows the
import writes with ONE ``sqlite3`` ``executemany`` in ONE transaction, into a SQLite file that
already has the application's schema (and, for the matrix, the competencies and courses the
marks refer to). No detection, no validation, no planning, no audit, no SQLAlchemy.

Only pandas and sqlite3 are imported, so running it as a script also measures the floor of
a process's start-up::

    python bench/floor.py framework FILE.xlsx DB.sqlite PROGRAM_ID
    python bench/floor.py matrix FILE.xlsx DB.sqlite PROGRAM_ID

``floor(kind, file, db, program_id)`` is the same work in-process; it returns the row count.
"""

from __future__ import annotations

import sqlite3
import sys

NOW = "2026-01-01 00:00:00.000000"
LEVELS = {"●": 3, "◐": 2, "○": 1}
TYPES = {"知识": "knowledge", "技能": "skill", "素质": "quality"}
IMPORTANCE = {"A": 5, "B": 3, "C": 1}


def _connect(db: str) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    return conn


def framework_rows(path: str, program_id: int, first_id: int) -> list[tuple]:
    """One row per area, task and competency of the framework file, ids assigned here (parents first)."""
    import pandas as pd

    frame = pd.read_excel(path, engine="calamine", header=1, dtype=str)
    area_col, task_col, code_col, text_col, type_col, grade_col = frame.columns[:6]
    rows: list[tuple] = []
    ids: dict[str, int] = {}
    next_id = first_id
    for area, task, code, text, kind, grade in zip(frame[area_col], frame[task_col], frame[code_col],
                                                   frame[text_col], frame[type_col], frame[grade_col], strict=True):
        area_code, _, area_text = area.partition(" ")
        task_code, _, task_text = task.partition(" ")
        if area_code not in ids:
            ids[area_code] = next_id
            rows.append((next_id, program_id, None, "area", area_code, area_text, None, None))
            next_id += 1
        if task_code not in ids:
            ids[task_code] = next_id
            rows.append((next_id, program_id, ids[area_code], "task", task_code, task_text, None, None))
            next_id += 1
        rows.append((next_id, program_id, ids[task_code], "competency", code, text, TYPES.get(kind),
                     IMPORTANCE.get(grade)))
        next_id += 1
    return rows


def matrix_rows(path: str, conn: sqlite3.Connection, program_id: int) -> list[tuple]:
    """One (competency, course, target, level) row per mark of the matrix file."""
    import pandas as pd

    frame = pd.read_excel(path, engine="calamine", dtype=str)
    nodes = dict(conn.execute("SELECT code, id FROM competency WHERE program_id = ?", (program_id,)))
    courses = dict(conn.execute("SELECT code, id FROM course WHERE program_id = ?", (program_id,)))
    column_course = {}
    for label in frame.columns[2:]:
        code = label.rsplit("（", 1)[-1].rstrip("）")
        column_course[label] = courses[code]
    marks = frame.set_index(frame.columns[0])[list(column_course)].stack()  # drops the empty cells
    rows = []
    for (code, label), mark in marks.items():
        if mark not in LEVELS:  # an empty cell
            continue
        course_id = column_course[label]
        rows.append((nodes[code], course_id, f"course:{course_id}", LEVELS[mark]))
    return rows


def floor(kind: str, path: str, db: str, program_id: int) -> int:
    """Read ``path`` with pandas/calamine and write its rows into ``db`` with one executemany; the row count."""
    conn = _connect(db)
    try:
        if kind == "framework":
            first = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM competency").fetchone()[0]
            rows = framework_rows(path, program_id, first)
            sql = ("INSERT INTO competency (id, program_id, parent_id, kind, code, statement, comp_type, importance, "
                   "external_uri, notes, sort_order, status, proposed_side, created_at, updated_at, version) "
                   f"VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', '', 0, 'accepted', 'system', '{NOW}', '{NOW}', 1)")
        elif kind == "matrix":
            rows = matrix_rows(path, conn, program_id)
            sql = ("INSERT INTO alignment (competency_id, course_id, target, level, status, source, proposed_side, "
                   f"reason, created_at, updated_at, version) VALUES (?, ?, ?, ?, 'proposed', 'import', 'system', "
                   f"'', '{NOW}', '{NOW}', 1)")
        else:
            raise ValueError(f"unknown kind {kind!r}")
        conn.execute("BEGIN")
        conn.executemany(sql, rows)
        conn.execute("COMMIT")
        return len(rows)
    finally:
        conn.close()


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    print(floor(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
