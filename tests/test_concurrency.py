"""Several app processes against one database: a stale save loses, nothing is overwritten."""

from __future__ import annotations

import multiprocessing as mp
import threading
import time

import pytest
from sqlalchemy import event, text

from services import alignments, courses, standards
from services.actor import SYSTEM
from services.db import make_engine, session_scope
from services.errors import Conflict, DomainError
from tests.factories import make_course, make_program
from tests.standard_factories import make_world, version_of


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


# --------------------------------------------------------------------------- row locks (PostgreSQL)

def _pause_after(engine, prefix: str):
    """Make the first statement starting with ``prefix`` on ``engine`` wait, holding its locks,
    until the returned ``release`` event is set; ``reached`` is set when it got there."""
    reached, release = threading.Event(), threading.Event()

    def hook(conn, cursor, statement, parameters, context, executemany):
        if not reached.is_set() and statement.lstrip().upper().startswith(prefix):
            reached.set()
            release.wait(60)

    event.listen(engine, "after_cursor_execute", hook)
    return reached, release


def _wait_for_a_lock_waiter(engine, thread: threading.Thread) -> None:
    """Return once another transaction of this database waits for a row lock (or ``thread`` ended)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and thread.is_alive():
        with engine.connect() as conn:
            waiting = conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalar()
        if waiting:
            return
        time.sleep(0.05)


def _run(outcomes: dict, name: str, fn) -> threading.Thread:
    def target():
        try:
            outcomes[name] = ("ok", fn())
        except DomainError as exc:
            outcomes[name] = ("domain", exc)
        except Exception as exc:  # noqa: BLE001 - the test reports what reached the caller
            outcomes[name] = ("crash", exc)
    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    return thread


def test_deciding_an_alignment_while_the_standard_is_saved_does_not_deadlock(pg_engine, caplog):
    """A decision (alignment row) and a save (standard, then its alignments) take locks in the same order."""
    world = make_world(pg_engine)
    content = standards.standard_content(pg_engine, world.standard_id)
    link = alignments.alignments_for_standard(pg_engine, standard_id=world.standard_id)[0]
    args = standards.save_args_from_content(content)
    for row in [*args["objectives"], *args["units"]]:
        for a in row["alignments"]:
            a["level"] = 1 if a["level"] != 1 else 2
    version = version_of(pg_engine, world.standard_id)
    url = pg_engine.url.render_as_string(hide_password=False)
    deciding, saving = make_engine(url), make_engine(url)
    reached, release = _pause_after(deciding, "UPDATE ALIGNMENT")
    outcomes: dict = {}
    try:
        decide = _run(outcomes, "decide", lambda: alignments.decide_alignment(
            deciding, actor=world.mentor, alignment_id=link["id"], expected_version=link["version"],
            decision="accept"))
        assert reached.wait(60)
        save = _run(outcomes, "save", lambda: standards.save_standard(
            saving, actor=world.owner, standard_id=world.standard_id, expected_version=version, **args))
        _wait_for_a_lock_waiter(pg_engine, save)
        release.set()
        decide.join(60)
        save.join(60)
    finally:
        release.set()
        deciding.dispose()
        saving.dispose()
    assert outcomes["decide"][0] == "ok", outcomes
    assert outcomes["save"][0] == "domain" and isinstance(outcomes["save"][1], Conflict), outcomes
    assert not [r for r in caplog.records if "retry" in r.getMessage()], "no deadlock had to be retried"


@pytest.mark.parametrize("target", ["unit", "course"])
def test_two_people_proposing_the_same_alignment_at_once(pg_engine, target):
    """The second of two simultaneous proposals gets a clear domain error, not a UniqueViolation."""
    world = make_world(pg_engine)
    unit = standards.standard_content(pg_engine, world.standard_id)["units"][0]
    where = {"unit_id": unit["id"]} if target == "unit" else {"course_id": world.course_id}
    url = pg_engine.url.render_as_string(hide_password=False)
    first, second = make_engine(url), make_engine(url)
    reached, release = _pause_after(first, "INSERT INTO ALIGNMENT")
    outcomes: dict = {}
    try:
        a = _run(outcomes, "first", lambda: alignments.propose_alignment(
            first, actor=world.owner, code="1.2.2", level=2, **where))
        assert reached.wait(60)
        b = _run(outcomes, "second", lambda: alignments.propose_alignment(
            second, actor=world.mentor, code="1.2.2", level=3, **where))
        _wait_for_a_lock_waiter(pg_engine, b)
        release.set()
        a.join(60)
        b.join(60)
    finally:
        release.set()
        first.dispose()
        second.dispose()
    assert outcomes["first"][0] == "ok", outcomes
    assert outcomes["second"][0] == "domain", repr(outcomes["second"][1])[:300]
    assert outcomes["second"][1].key == "alignments.error.duplicate"
    links = [a for a in alignments.alignments_for_standard(pg_engine, standard_id=world.standard_id)
             if a["code"] == "1.2.2" and a["unit_id"] == where.get("unit_id")]
    if target == "unit":
        assert len(links) == 1 and links[0]["level"] == 2


def test_a_decision_on_an_alignment_someone_removed_is_a_conflict(engine):
    """Deciding or re-levelling a link that was removed meanwhile raises Conflict ("someone deleted it")."""
    world = make_world(engine)
    link = alignments.alignments_for_standard(engine, standard_id=world.standard_id)[0]
    alignments.remove_alignment(engine, actor=world.owner, alignment_id=link["id"], expected_version=link["version"])
    with pytest.raises(Conflict) as info:
        alignments.decide_alignment(engine, actor=world.mentor, alignment_id=link["id"],
                                    expected_version=link["version"], decision="accept")
    assert info.value.key == "error.deleted"
    with pytest.raises(Conflict):
        alignments.change_level(engine, actor=world.owner, alignment_id=link["id"],
                                expected_version=link["version"], level=1)


def test_a_versioned_update_of_a_row_deleted_meanwhile_is_a_conflict(engine):
    """apply_changes on a row another transaction deleted raises Conflict, not an ORM error."""
    from models import Course
    from services.versioning import apply_changes

    p = make_program(engine)
    course = make_course(engine, p["id"], code="GONE")
    with session_scope(engine) as session:
        row = session.get(Course, course["id"])
        session.expunge(row)
    with session_scope(engine) as session:
        session.delete(session.get(Course, course["id"]))
    with session_scope(engine) as session:
        row = session.merge(row, load=False)
        with pytest.raises(Conflict) as info:
            apply_changes(session, row, expected_version=course["version"], changes={"name": "x"})
    assert info.value.key == "error.deleted"


def test_two_people_creating_a_courses_first_standard_at_once(pg_engine):
    """The second of two simultaneous creations is told the course already has a standard."""
    from services.courses import set_course_owners
    from tests.factories import make_user

    p = make_program(pg_engine)
    course = make_course(pg_engine, p["id"], code="TWICE")
    owner, lead = make_user(pg_engine, role="faculty"), make_user(pg_engine, role="lead")
    set_course_owners(pg_engine, actor=SYSTEM, course_id=course["id"], user_ids=[owner.id])
    url = pg_engine.url.render_as_string(hide_password=False)
    first, second = make_engine(url), make_engine(url)
    reached, release = _pause_after(first, "INSERT INTO COURSE_STANDARD")
    outcomes: dict = {}
    try:
        a = _run(outcomes, "first", lambda: standards.create_standard(first, actor=owner, course_id=course["id"]))
        assert reached.wait(60)
        b = _run(outcomes, "second", lambda: standards.create_standard(second, actor=lead, course_id=course["id"]))
        _wait_for_a_lock_waiter(pg_engine, b)
        release.set()
        a.join(60)
        b.join(60)
    finally:
        release.set()
        first.dispose()
        second.dispose()
    assert outcomes["first"][0] == "ok", outcomes
    assert outcomes["second"][0] == "domain", repr(outcomes["second"][1])[:300]
    assert outcomes["second"][1].key == "standards.error.exists"
