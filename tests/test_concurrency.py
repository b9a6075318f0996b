"""Several app processes against one database: a stale save loses, nothing is overwritten."""

from __future__ import annotations

import multiprocessing as mp

from services import courses
from services.actor import SYSTEM
from services.errors import Conflict
from tests.factories import make_course, make_program


def _save(url: str, course_id: int, version: int, name: str, barrier, results) -> None:
    from services.db import make_engine

    engine = make_engine(url)
    barrier.wait(timeout=30)
    try:
        courses.update_course(engine, actor=SYSTEM, course_id=course_id, expected_version=version,
                              changes={"name": name})
        results.put(("ok", name))
    except Conflict:
        results.put(("conflict", name))
    finally:
        engine.dispose()


def test_two_processes_saving_the_same_version_one_wins(engine):
    """Two processes save from the same version at once: exactly one succeeds, the other gets Conflict."""
    p = make_program(engine)
    course = make_course(engine, p["id"], code="RACE", name="original")
    url = engine.url.render_as_string(hide_password=False)
    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(2), ctx.Queue()
    procs = [ctx.Process(target=_save, args=(url, course["id"], course["version"], name, barrier, results))
             for name in ("first", "second")]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    outcomes = sorted(results.get(timeout=5) for _ in procs)
    assert [o for o, _ in outcomes].count("ok") == 1
    assert [o for o, _ in outcomes].count("conflict") == 1
    winner = next(name for outcome, name in outcomes if outcome == "ok")
    final = courses.get_course(engine, course_id=course["id"])
    assert final["name"] == winner and final["version"] == course["version"] + 1


def test_stale_save_in_one_process_carries_current_values(engine):
    """The Conflict tells the loser what is there now, so the UI can show both versions."""
    p = make_program(engine)
    course = make_course(engine, p["id"], code="C1", name="A")
    courses.update_course(engine, actor=SYSTEM, course_id=course["id"], expected_version=1, changes={"name": "B"})
    try:
        courses.update_course(engine, actor=SYSTEM, course_id=course["id"], expected_version=1, changes={"name": "C"})
    except Conflict as exc:
        assert exc.current["name"] == "B" and exc.current["version"] == 2
    else:
        raise AssertionError("stale save was accepted")
