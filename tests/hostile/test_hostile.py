"""The hostile corpus through the import service, the command line import, restore and manage.py restore.

Every file is either refused with a clear message and the database unchanged (a full dump of every
table compared before and after), or stored safely: each statement exactly as written (control
characters removed, nothing else), never a traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from models import Competency, Program, metadata
from services.actor import SYSTEM
from services.exports import export_backup, restore_backup
from services.importing import import_file
from services.textguard import has_controls
from tests.factories import make_framework, make_program
from tests.hostile.corpus import REJECTED, ROW_LIMIT, STORED, Case, import_cases, restore_cases

ROOT = Path(__file__).resolve().parents[2]
IMPORT_CASES = import_cases()


def _record(through: str, db: str, case: Case, outcome: str, messages: list[str]) -> None:
    """One JSON line per hostile file for ``make reliability`` (when ``COSTANDARD_RELIABILITY_OUT`` is set)."""
    out = os.environ.get("COSTANDARD_RELIABILITY_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"check": "hostile", "through": through, "db": db, "case": case.name,
                                     "outcome": outcome, "message": (messages or [""])[0][:160]},
                                    ensure_ascii=False) + "\n")


def dump(engine) -> dict[str, list[tuple]]:
    """Every row of every table, sorted: two dumps are equal only if nothing changed."""
    out = {}
    with engine.connect() as conn:
        for table in metadata.sorted_tables:
            rows = conn.execute(table.select()).all()
            out[table.name] = sorted(tuple(repr(v) for v in row) for row in rows)
    return out


def _statements(engine, program_code: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(Competency.statement).join(Program, Program.id == Competency.program_id)
                                .where(Program.code == program_code)).scalars())


def _check_stored(engine, case: Case, program_code: str) -> None:
    stored = _statements(engine, program_code)
    assert stored, case.name
    assert not any(has_controls(s) for s in stored), case.name
    for expected in case.texts:
        assert expected in stored, (case.name, expected, stored)


@pytest.fixture
def row_limit(monkeypatch):
    monkeypatch.setenv("COSTANDARD_IMPORT_MAX_ROWS", str(ROW_LIMIT))


@pytest.mark.parametrize("case", IMPORT_CASES, ids=[c.name for c in IMPORT_CASES])
def test_import_service(engine, case, row_limit):
    """Each hostile file through the import service: refused with located messages and nothing written, or stored."""
    before = dump(engine)
    result = import_file(engine, actor=SYSTEM, data=case.data, filename=case.filename, program_code="HOSTILE",
                         lang="en")
    outcome = STORED if result.ok else REJECTED
    assert outcome in case.outcomes, (case.name, result.errors[:3])
    if outcome == REJECTED:
        assert result.errors and all(e["message"] and e["file"] == case.filename for e in result.errors)
        assert dump(engine) == before, case.name
    else:
        _check_stored(engine, case, "HOSTILE")
    _record("import service", engine.dialect.name, case, outcome,
            [e["message"] for e in result.errors] or [w["message"] for w in result.warnings])


def _manage(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["COSTANDARD_IMPORT_MAX_ROWS"] = str(ROW_LIMIT)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=180)


def test_command_line_import(tmp_path, sqlite_engine):
    """The whole corpus through ``manage.py import``: exit 1 with messages and nothing written, or 0 and stored."""
    url = sqlite_engine.url.render_as_string(hide_password=False)
    for case in IMPORT_CASES:
        path = tmp_path / case.filename
        path.write_bytes(case.data)
        before = dump(sqlite_engine)
        run = _manage("--db", url, "import", str(path), "--program", "CLI", "--json", "--lang", "en")
        assert "Traceback" not in run.stderr, (case.name, run.stderr[-2000:])
        outcome = {0: STORED, 1: REJECTED}.get(run.returncode)
        assert outcome in case.outcomes, (case.name, run.returncode, run.stderr[-500:])
        report = json.loads(run.stdout)
        if outcome == REJECTED:
            assert report["errors"] and dump(sqlite_engine) == before, case.name
        else:
            _check_stored(sqlite_engine, case, "CLI")
        _record("manage.py import", "sqlite", case, f"{outcome} (exit {run.returncode})",
                [e["message"] for e in report["errors"]])
        with sqlite_engine.begin() as conn:  # the next case starts from an empty programme again
            for table in reversed(metadata.sorted_tables):
                conn.execute(table.delete())


def _backup(engine) -> bytes:
    program = make_program(engine, code="HOSTILE-SRC")
    make_framework(engine, program["id"], tasks=2, per_task=2)
    return export_backup(engine, actor=SYSTEM, program_id=program["id"], fmt="json").content


def test_restore_corpus(engine):
    """Each hostile backup: refused with a message and the database unchanged, or restored with safe text."""
    for case in restore_cases(_backup(engine)):
        before = dump(engine)
        report = restore_backup(engine, actor=SYSTEM, data=case.data)
        outcome = STORED if report.ok else REJECTED
        assert outcome in case.outcomes, (case.name, report.errors[:3])
        if outcome == REJECTED:
            assert report.errors and all(e["message"] for e in report.errors), case.name
            assert dump(engine) == before, case.name
        else:
            with engine.connect() as conn:
                names = set(conn.execute(text("SELECT name FROM program")).scalars())
                statements = set(conn.execute(text("SELECT statement FROM competency")).scalars())
            assert not any(has_controls(s) for s in names | statements)
            assert any(t in names | statements for t in case.texts), case.name
        _record("restore service", engine.dialect.name, case, outcome,
                [e["message"] for e in report.errors] or [w["message"] for w in report.warnings])


def test_command_line_restore(tmp_path, sqlite_engine):
    """``manage.py restore`` on the corpus: exit 1 with a message, never a traceback, nothing written."""
    url = sqlite_engine.url.render_as_string(hide_password=False)
    for case in restore_cases(_backup(sqlite_engine)):
        if STORED in case.outcomes:
            continue
        path = tmp_path / case.filename
        path.write_bytes(case.data)
        before = dump(sqlite_engine)
        run = _manage("--db", url, "restore", str(path), "--lang", "en")
        assert run.returncode == 1 and "Traceback" not in run.stderr, (case.name, run.stderr[-2000:])
        assert "error:" in run.stderr and dump(sqlite_engine) == before, case.name
        _record("manage.py restore", "sqlite", case, f"{REJECTED} (exit {run.returncode})",
                [line.removeprefix("error: ") for line in run.stderr.splitlines() if line.startswith("error:")])
