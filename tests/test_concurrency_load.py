"""Many worker processes call the real services against one database for a fixed time; then nothing
acknowledged is lost.

Each worker acts like a user in the editor (reads the standard's version with its content, saves one
changed objective or unit field naming that version, continues from the version the save returned,
takes the current version after a ``Conflict``), or proposes, re-levels, decides and removes
alignments, or comments. It logs every acknowledged write and every ``Conflict`` to its own file.

The check, after all workers stopped:
- nothing but domain errors reached a caller (no deadlock, no unique violation, no ``Busy``);
- every change of the standard's version was acknowledged exactly once: the stored versions
  (``standard_version``) are numbered 1…N without gaps and each one after the start belongs to
  exactly one acknowledged write, whose "from" version is distinct from every other's;
- no acknowledged write was silently reverted: between two consecutive stored versions the text
  (header, objectives, units, assessment) changed in exactly the field the acknowledged save
  wrote, and not at all for an alignment change — a save built on stale content would show as
  other fields changing back;
- the final value of every field equals the last acknowledged write to it (by version), every
  alignment holds the level and status of its last acknowledged write (or is gone after an
  acknowledged removal), every acknowledged comment exists exactly once;
- every ``Conflict`` named a version that really was no longer current.

Short in ``make test`` (``COSTANDARD_LOAD_WORKERS`` = 4, ``COSTANDARD_LOAD_SECONDS`` = 5); ``make load``
runs 20 workers for 60 s. PostgreSQL is the real test (row locks); SQLite gets a two-process run.
``COSTANDARD_LOAD_SPLIT_READ=1`` makes the workers read the version in a second transaction, as the
editor used to: the check then reports the overwritten saves (a demonstration that it can fail).
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import time
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from models import Alignment, Comment, StandardVersion
from services.db import session_scope
from services.standards import HEADER_FIELDS, TABLE_FIELDS, standard_content
from tests.standard_factories import make_world

pytestmark = pytest.mark.load

WORKERS = int(os.environ.get("COSTANDARD_LOAD_WORKERS", "4"))
SECONDS = float(os.environ.get("COSTANDARD_LOAD_SECONDS", "5"))
SPLIT_READ = os.environ.get("COSTANDARD_LOAD_SPLIT_READ", "") == "1"
TABLES = ("objectives", "units", "assessment")


# --------------------------------------------------------------------------- the worker (a spawned process)


def _snapshot(engine, standard_id: int) -> dict[str, Any]:
    from services.standards import editing_snapshot
    from services.workflow import workflow_state

    if SPLIT_READ:  # the old editor: content, then the version in another transaction
        content = standard_content(engine, standard_id)
        return {"content": content, "version": workflow_state(engine, standard_id=standard_id)["version"]}
    return editing_snapshot(engine, standard_id=standard_id)


def _worker(number: int, url: str, world: dict[str, Any], seconds: float, log_path: str, barrier) -> None:
    from services import alignments, comments
    from services.db import make_engine
    from services.errors import Busy, Conflict, DomainError
    from services.standards import save_args_from_content, save_standard

    rng = random.Random(number)
    engine = make_engine(url)
    sid = world["standard_id"]
    owner, mentor, lead = world["owner"], world["mentor"], world["lead"]
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - one line per acknowledged write, flushed

    started = time.perf_counter()

    def write(**entry: Any) -> None:  # with the time the action took, for the report's p50 / p95
        ms = round((time.perf_counter() - started) * 1000, 2)
        log.write(json.dumps({"worker": number, "ms": ms, **entry}, ensure_ascii=False) + "\n")
        log.flush()

    base = _snapshot(engine, sid)
    barrier.wait(timeout=120)
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        n += 1
        started = time.perf_counter()
        op = rng.choices(["objective", "unit", "propose", "relevel", "decide", "remove", "comment"],
                         weights=[35, 25, 12, 8, 8, 4, 8])[0]
        try:
            if op in ("objective", "unit"):
                table = "objectives" if op == "objective" else "units"
                args = save_args_from_content(base["content"])
                for t in ("objectives", "units"):
                    for row in args[t]:
                        row.pop("alignments", None)  # the editor saves text; links change one by one
                row = rng.choice(args[table])
                field, value = ("text", f"目标 w{number}-{n}") if op == "objective" else \
                    rng.choice([("title", f"单元 w{number}-{n}"), ("hours_practice", rng.randrange(0, 2000))])
                row[field] = value
                try:
                    result = save_standard(engine, actor=owner, standard_id=sid, expected_version=base["version"],
                                           **args)
                except Conflict as exc:
                    write(kind="conflict", op=op, expected=base["version"], current=exc.current.get("version"))
                    base = _snapshot(engine, sid)
                    continue
                if result["saved"]:
                    write(kind="save", table=table, id=row["id"], field=field, value=value,
                          start=base["version"], version=result["version"], number=result["version_number"])
                base = _snapshot(engine, sid) if SPLIT_READ else result
            elif op == "propose":
                table = rng.choice(["objectives", "units"])
                target = rng.choice(base["content"][table])
                where = {"objective_id": target["id"]} if table == "objectives" else {"unit_id": target["id"]}
                who = rng.choice([owner, mentor])
                result = alignments.propose_alignment(engine, actor=who, code=rng.choice(world["codes"]),
                                                      level=rng.randint(1, 3), **where)
                write(kind="alignment", op=op, id=result["id"], level=result["level"], status=result["status"],
                      version=result["version"], **_standard_step(result))
            elif op in ("relevel", "decide", "remove"):
                links = alignments.alignments_for_standard(engine, standard_id=sid)
                if op == "decide":
                    links = [a for a in links if a["status"] == "proposed" and a["proposed_side"] == "school"]
                if not links:
                    continue
                a = rng.choice(links)
                if op == "relevel":
                    result = alignments.change_level(engine, actor=owner, alignment_id=a["id"],
                                                     expected_version=a["version"], level=rng.randint(1, 3))
                elif op == "decide":
                    result = alignments.decide_alignment(engine, actor=mentor, alignment_id=a["id"],
                                                         expected_version=a["version"], decision="accept")
                else:
                    result = alignments.remove_alignment(engine, actor=lead, alignment_id=a["id"],
                                                         expected_version=a["version"])
                    write(kind="removed", id=a["id"], from_version=a["version"], **_standard_step(result))
                    continue
                write(kind="alignment", op=op, id=result["id"], level=result["level"], status=result["status"],
                      version=result["version"], **_standard_step(result))
            else:
                who = rng.choice([owner, mentor, lead])
                body = f"评论 w{number}-{n}"
                thread = comments.add_comment(engine, actor=who, entity_type="standard", entity_id=sid, body=body)
                write(kind="comment", id=thread["id"], body=body)
        except Busy as exc:
            write(kind="busy", op=op, error=str(exc)[:300])
        except Conflict as exc:
            write(kind="conflict", op=op, error=type(exc).__name__, key=exc.key)
        except DomainError as exc:
            write(kind="refused", op=op, key=exc.key)
        except Exception as exc:  # noqa: BLE001 - anything else reached the caller: the check reports it
            write(kind="error", op=op, error=f"{type(exc).__name__}: {str(exc)[:300]}")
    log.close()
    engine.dispose()


def _standard_step(result: dict[str, Any]) -> dict[str, Any]:
    step = result.get("standard") or {}
    return {"start": step.get("previous_version"), "to": step.get("version"), "number": step.get("version_number")}


# --------------------------------------------------------------------------- the check


def _text_changes(old: dict[str, Any], new: dict[str, Any]) -> set[tuple]:
    """(table, row id, field) of every text field that differs between two snapshots (rows by id)."""
    changed = {("header", None, f) for f in HEADER_FIELDS if old["header"].get(f) != new["header"].get(f)}
    for table in TABLES:
        a = {r["id"]: r for r in old[table]}
        b = {r["id"]: r for r in new[table]}
        for row_id in set(a) | set(b):
            if row_id not in a or row_id not in b:
                changed.add((table, row_id, "row"))
                continue
            changed |= {(table, row_id, f) for f in TABLE_FIELDS[table] if a[row_id].get(f) != b[row_id].get(f)}
    return changed


def _run_workers(engine, tmp_path: Path, workers: int, seconds: float) -> tuple[list[dict], dict[str, Any]]:
    world = make_world(engine)
    start = standard_content(engine, world.standard_id)
    with session_scope(engine) as session:
        first_number = max(session.exec(select(StandardVersion.number)
                                        .where(StandardVersion.standard_id == world.standard_id)).all())
    info = {"standard_id": world.standard_id, "owner": world.owner, "mentor": world.mentor, "lead": world.lead,
            "codes": [c for c, node in world.nodes.items() if node["kind"] == "competency"]}
    url = engine.url.render_as_string(hide_password=False)
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(workers)
    logs = [tmp_path / f"worker{i}.jsonl" for i in range(workers)]
    procs = [ctx.Process(target=_worker, args=(i, url, info, seconds, str(logs[i]), barrier)) for i in range(workers)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=seconds + 300)
        assert proc.exitcode == 0, f"worker {proc.pid} ended with {proc.exitcode}"
    entries = [json.loads(line) for path in logs for line in path.read_text(encoding="utf-8").splitlines()]
    return entries, {"world": world, "start": start, "first_number": first_number}


def _check(engine, entries: list[dict], run: dict[str, Any]) -> dict[str, Any]:
    """Every problem found, by kind (empty lists when all is well), plus counts for the report."""
    sid = run["world"].standard_id
    problems: dict[str, list] = {"errors": [], "busy": [], "versions": [], "reverted": [], "final": [],
                                 "alignments": [], "comments": [], "conflicts": []}
    problems["errors"] = [e for e in entries if e["kind"] == "error"]
    problems["busy"] = [e for e in entries if e["kind"] == "busy"]
    with session_scope(engine) as session:
        stored = {v.number: v.content for v in session.exec(
            select(StandardVersion).where(StandardVersion.standard_id == sid)).all()}
        links = {a.id: a for a in session.exec(select(Alignment)).all()}
        notes = session.exec(select(Comment).where(Comment.parent_id == None)).all()  # noqa: E711
    steps = [e for e in entries if e["kind"] == "save" or (e["kind"] in ("alignment", "removed") and e.get("number"))]
    by_number: dict[int, list[dict]] = {}
    for e in steps:
        by_number.setdefault(e["number"], []).append(e)
    first = run["first_number"]
    if sorted(stored) != list(range(1, max(stored) + 1)):
        problems["versions"].append(f"stored version numbers have gaps: {sorted(stored)[:20]}…")
    for number in range(first + 1, max(stored) + 1):
        if len(by_number.get(number, [])) != 1:
            problems["versions"].append(f"version {number}: {len(by_number.get(number, []))} acknowledged writes")
    starts = [e["start"] for e in steps]
    if len(starts) != len(set(starts)):
        problems["versions"].append("two acknowledged writes started from the same standard version")
    # no silent revert: each stored version differs from the one before in exactly what its write changed
    for number in range(first + 1, max(stored) + 1):
        owners = by_number.get(number, [])
        if len(owners) != 1:
            continue
        e = owners[0]
        changed = _text_changes(stored[number - 1], stored[number])
        expected = {(e["table"], e["id"], e["field"])} if e["kind"] == "save" else set()
        if changed != expected:
            problems["reverted"].append({"number": number, "write": e, "also_changed": sorted(
                map(str, changed - expected))[:5]})
    # final values: the last acknowledged write of each field, by version
    final = standard_content(engine, sid)
    if _text_changes(final, stored[max(stored)]):
        problems["final"].append("the standard differs from its last stored version")
    last: dict[tuple, dict] = {}
    for e in sorted((e for e in entries if e["kind"] == "save"), key=lambda e: e["version"]):
        last[(e["table"], e["id"], e["field"])] = e
    rows = {(t, r["id"]): r for t in TABLES for r in final[t]}
    for (table, row_id, field), e in last.items():
        if rows[(table, row_id)].get(field) != e["value"]:
            problems["final"].append({"field": (table, row_id, field), "db": rows[(table, row_id)].get(field),
                                      "last_acknowledged": e["value"]})
    # alignments: the last acknowledged write of each link, ordered by the standard version it made
    # (SQLite may give a new link the id of a removed one), or gone after a removal
    last_link: dict[int, dict] = {}
    for e in sorted((e for e in entries if e["kind"] in ("alignment", "removed")), key=lambda e: e["number"]):
        last_link[e["id"]] = e
    for link_id, e in last_link.items():
        a = links.get(link_id)
        if e["kind"] == "removed":
            if a is not None:
                problems["alignments"].append(f"alignment {link_id} was removed (acknowledged) but is there")
        elif a is None:
            problems["alignments"].append(f"alignment {link_id} vanished without an acknowledged removal")
        elif (a.version, a.level, a.status) != (e["version"], e["level"], e["status"]):
            problems["alignments"].append({"id": link_id, "db": (a.version, a.level, a.status),
                                           "last_acknowledged": (e["version"], e["level"], e["status"])})
    bodies = [c.body for c in notes]
    for e in (e for e in entries if e["kind"] == "comment"):
        if bodies.count(e["body"]) != 1:
            problems["comments"].append(e)
    problems["conflicts"] = [e for e in entries if e["kind"] == "conflict" and e.get("current") is not None
                             and e["current"] == e["expected"]]
    counts = {kind: sum(1 for e in entries if e["kind"] == kind) for kind in
              ("save", "alignment", "removed", "comment", "conflict", "refused", "busy", "error")}
    return {"problems": problems, "counts": counts}


def _percentile(values: list[float], share: float) -> float | None:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else None


def _report(engine, entries: list[dict], workers: int, seconds: float, result: dict[str, Any]) -> None:
    """One JSON line for ``make reliability`` (``COSTANDARD_RELIABILITY_OUT``): actions, p50 / p95, problems."""
    out = os.environ.get("COSTANDARD_RELIABILITY_OUT")
    if not out:
        return
    by_action: dict[str, list[float]] = {}
    for e in entries:
        action = e.get("table") or e.get("op") or e["kind"]
        by_action.setdefault(f"{e['kind']}:{action}" if e["kind"] != "save" else f"save:{action}", []).append(
            e.get("ms", 0.0))
    actions = {name: {"count": len(ms), "p50_ms": _percentile(ms, 0.5), "p95_ms": _percentile(ms, 0.95)}
               for name, ms in sorted(by_action.items())}
    problems = {k: len(v) for k, v in result["problems"].items()}
    with open(out, "a", encoding="utf-8") as handle:
        handle.write(json.dumps({"check": "load", "db": engine.dialect.name, "workers": workers, "seconds": seconds,
                                 "actions": actions, "counts": result["counts"], "problems": problems,
                                 "lost": problems["final"] + problems["reverted"] + problems["alignments"]
                                 + problems["comments"]}) + "\n")


def _assert_nothing_lost(engine, tmp_path, workers: int, seconds: float) -> dict[str, Any]:
    entries, run = _run_workers(engine, tmp_path, workers, seconds)
    result = _check(engine, entries, run)
    print(f"\nload: {workers} workers × {seconds:g} s on {engine.dialect.name}: {result['counts']}")
    _report(engine, entries, workers, seconds, result)
    found = {k: v for k, v in result["problems"].items() if v}
    assert not found, json.dumps({k: v[:5] for k, v in found.items()}, ensure_ascii=False, default=str)[:4000]
    assert result["counts"]["save"] > 0, "the run acknowledged at least one save"
    return result


def test_concurrent_editors_lose_no_acknowledged_write_on_postgresql(pg_engine, tmp_path):
    """Many processes saving, aligning and commenting on one standard: nothing acknowledged is lost."""
    _assert_nothing_lost(pg_engine, tmp_path, WORKERS, SECONDS)


def test_two_processes_lose_no_acknowledged_write_on_sqlite(sqlite_engine, tmp_path):
    """The same check with two processes on one SQLite file (one writer at a time, busy timeout)."""
    _assert_nothing_lost(sqlite_engine, tmp_path, 2, min(SECONDS, 3))


def test_the_check_reports_a_save_built_on_stale_content(engine):
    """The old editor's fault, replayed in one process: the check finds the overwritten field."""
    from services.standards import save_args_from_content, save_standard

    world = make_world(engine)
    sid = world.standard_id
    with session_scope(engine) as session:
        first = max(session.exec(select(StandardVersion.number).where(StandardVersion.standard_id == sid)).all())
    stale = standard_content(engine, sid)  # content read in one transaction …
    theirs = save_args_from_content(stale)
    objective = theirs["objectives"][0]
    objective["text"] = "同事的目标"
    from services.workflow import workflow_state

    other = save_standard(engine, actor=world.lead, standard_id=sid,
                          expected_version=workflow_state(engine, standard_id=sid)["version"], **theirs)
    version = workflow_state(engine, standard_id=sid)["version"]  # … the version in another, after their save
    mine = save_args_from_content(stale)
    mine["units"][0]["title"] = "我的单元"
    result = save_standard(engine, actor=world.owner, standard_id=sid, expected_version=version, **mine)
    entries = [
        {"kind": "save", "table": "objectives", "id": objective["id"], "field": "text", "value": "同事的目标",
         "start": other["version"] - 1, "version": other["version"], "number": other["version_number"]},
        {"kind": "save", "table": "units", "id": mine["units"][0]["id"], "field": "title", "value": "我的单元",
         "start": version, "version": result["version"], "number": result["version_number"]},
    ]
    problems = _check(engine, entries, {"world": world, "first_number": first})["problems"]
    assert [p["number"] for p in problems["reverted"]] == [result["version_number"]]
    assert problems["final"] and problems["final"][0]["last_acknowledged"] == "同事的目标"
