"""SIGKILL in the middle of an import, a restore and standard saves, on SQLite and PostgreSQL.

A worker process (tests/fault_worker.py) starts the operation and is killed after a random short
delay. Afterwards the database holds all of the operation or none of it, no acknowledged save is
lost, and the next operation works. Two kills per operation and database in ``make test``;
``make load`` sets ``COSTANDARD_FAULT_REPEATS`` (10). With ``COSTANDARD_RELIABILITY_OUT`` set, each
kill is appended there as one JSON line for ``make reliability``.
"""

from __future__ import annotations

import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlalchemy import select as sql_select

from models import Competency, Program, StandardVersion
from services.actor import SYSTEM
from services.db import session_scope
from services.exports import export_backup, restore_backup
from services.importing import import_file
from services.standards import editing_snapshot, save_args_from_content, save_standard
from tests.fault_worker import framework_csv
from tests.standard_factories import make_world

pytestmark = pytest.mark.load

ROOT = Path(__file__).resolve().parent.parent
REPEATS = int(os.environ.get("COSTANDARD_FAULT_REPEATS", "2"))
ROWS = 3000
MAX_DELAY = 0.6  # seconds after the worker said START: shorter than an import or a restore of ROWS rows


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _record(**entry) -> None:
    out = os.environ.get("COSTANDARD_RELIABILITY_OUT")
    if out:
        with open(out, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"check": "fault", **entry}, ensure_ascii=False) + "\n")


def _run_and_kill(args: list[str], rng: random.Random, max_delay: float = MAX_DELAY) -> bool:
    """Start the worker, SIGKILL it a random moment after START; True when it was killed before DONE."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.fault_worker", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 120)
        line = proc.stdout.readline() if ready else ""
        assert line.startswith("START"), (line, proc.stderr.read() if proc.poll() is not None else "")
        time.sleep(rng.uniform(0.02, max_delay))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        rest = proc.stdout.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert "REJECTED" not in rest, rest
    return not finished and "DONE" not in rest


def _competencies(engine, code: str) -> int | None:
    """Competencies of programme ``code``, None when the programme does not exist."""
    with session_scope(engine) as session:
        program = session.exec(sql_select(Program).where(Program.code == code)).scalars().first()
        if program is None:
            return None
        return session.exec(sql_select(func.count()).select_from(Competency)
                            .where(Competency.program_id == program.id)).scalar_one()


def _db(engine) -> str:
    return engine.dialect.name


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_kill_during_import(engine, attempt):
    """An import killed mid-way left all or nothing; the same import then runs to the end."""
    rng = random.Random(attempt)
    code = f"FAULT-I{attempt}"
    killed = _run_and_kill(["import", _url(engine), code, str(ROWS)], rng)
    found = _competencies(engine, code)
    assert found in (None, ROWS + 1), found  # ROWS competencies and their area, or no programme at all
    again = import_file(engine, actor=SYSTEM, data=framework_csv(ROWS), filename="fault.csv", program_code=code)
    assert again.ok and _competencies(engine, code) == ROWS + 1
    _record(op="import", db=_db(engine), killed_mid=killed, state="all" if found else "nothing", next_ok=again.ok,
            lost=0)


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_kill_during_restore(engine, attempt, tmp_path):
    """A restore killed mid-way left the programme complete or absent; restoring again works."""
    rng = random.Random(100 + attempt)
    source = f"FAULT-S{attempt}"
    assert import_file(engine, actor=SYSTEM, data=framework_csv(ROWS), filename="src.csv", program_code=source).ok
    with session_scope(engine) as session:
        program_id = session.exec(sql_select(Program.id).where(Program.code == source)).scalar_one()
    doc = json.loads(export_backup(engine, actor=SYSTEM, program_id=program_id, fmt="json").content)
    code = f"FAULT-R{attempt}"
    doc["programs"][0]["code"] = code
    path = tmp_path / "backup.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    killed = _run_and_kill(["restore", _url(engine), str(path)], rng)
    found = _competencies(engine, code)
    assert found in (None, ROWS + 1), found
    report = restore_backup(engine, actor=SYSTEM, data=path.read_bytes(), merge=True)
    assert report.ok, report.errors
    assert _competencies(engine, code) == ROWS + 1
    _record(op="restore", db=_db(engine), killed_mid=killed, state="all" if found else "nothing", next_ok=report.ok,
            lost=0)


@pytest.mark.parametrize("attempt", range(REPEATS))
def test_kill_during_standard_saves(engine, attempt, tmp_path):
    """Saves killed mid-way: every acknowledged save is stored, at most one unacknowledged one more; saving continues."""
    rng = random.Random(200 + attempt)
    world = make_world(engine)
    log = tmp_path / "acks.jsonl"
    start = editing_snapshot(engine, standard_id=world.standard_id)["version"]
    killed = _run_and_kill(["save", _url(engine), str(world.standard_id), json.dumps(asdict(world.owner)), str(log)],
                           rng, max_delay=4 * MAX_DELAY)  # a few saves go through before the kill
    acks = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    with session_scope(engine) as session:
        numbers = set(session.exec(sql_select(StandardVersion.number)
                                   .where(StandardVersion.standard_id == world.standard_id)).scalars())
    lost = [a["number"] for a in acks if a["number"] not in numbers]
    assert not lost, lost
    current = editing_snapshot(engine, standard_id=world.standard_id)
    last = acks[-1]["version"] if acks else start
    assert current["version"] in (last, last + 1), (current["version"], last)
    if current["version"] == last and acks:
        assert current["content"]["objectives"][0]["text"] == acks[-1]["text"]
    args = save_args_from_content(current["content"])
    for table in ("objectives", "units"):
        for row in args[table]:
            row.pop("alignments", None)
    args["objectives"][0]["text"] = "杀死之后的保存"
    after = save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                          expected_version=current["version"], **args)
    assert after["saved"]
    _record(op="save", db=_db(engine), killed_mid=killed, state="acknowledged saves stored", acknowledged=len(acks),
            next_ok=after["saved"], lost=len(lost))
