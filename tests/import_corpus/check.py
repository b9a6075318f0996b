"""Compare what the import engine read with what a person reads: a list of readable misses.

``check(layout, preview)`` returns ``[]`` when the preview matches the layout's expectation,
else one line per difference ("counts.competency: expected 10, got 7"). Values are compared
without relying on the codes the engine derives: statements under a task, a course found by
its name, an alignment found by statement (or code) and course code/name.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Any

from services.importing import analyse

PROGRAM = "T1"


def run(layout, data: bytes):
    """The preview of one layout (nothing is written): against an empty database, or against a
    programme that already holds ``layout.existing`` when the file links to an existing framework."""
    engine = _framework_engine(tuple(layout.existing)) if layout.existing else None
    return analyse(data, layout.filename, engine=engine, program_code=PROGRAM, lang="zh")


@functools.cache
def _framework_engine(competencies: tuple[tuple[str, str], ...]):
    """A migrated SQLite database holding programme ``PROGRAM`` with one work area and ``competencies``
    under it, built through the same services the framework editor uses."""
    import tempfile
    from pathlib import Path

    from services.actor import SYSTEM
    from services.db import make_engine
    from services.framework import create_node
    from services.migrate import upgrade
    from services.programs import create_program

    folder = Path(tempfile.mkdtemp(prefix="costandard-corpus-"))
    engine = make_engine(f"sqlite:///{folder / 'corpus.db'}")
    upgrade(engine)
    program = create_program(engine, actor=SYSTEM, code=PROGRAM, name="语料专业")
    area = create_node(engine, actor=SYSTEM, program_id=program["id"], kind="area", code="A", statement="工作领域")
    for code, statement in competencies:
        create_node(engine, actor=SYSTEM, program_id=program["id"], kind="competency", code=code,
                    statement=statement, parent_id=area["id"])
    return engine


def _short(value: Any, limit: int = 160) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fold(text: Any) -> str:
    return unicodedata.normalize("NFKC", str(text or "")).strip().rstrip(".、").lower()


def _list_diff(expected: list, got: list) -> str:
    missing = [x for x in expected if x not in got]
    extra = [x for x in got if x not in expected]
    if not missing and not extra:
        return f"same items, other order: got {_short(got)}"
    parts = []
    if missing:
        parts.append(f"missing {_short(missing)}")
    if extra:
        parts.append(f"unexpected {_short(extra)}")
    return "; ".join(parts)


def check(layout, preview) -> list[str]:
    """Misses of ``preview`` against ``layout.expected`` (empty list: imported right)."""
    exp = layout.expected
    if "either" in exp:  # several readings are right: the preview must match one of them
        tried = [check(_Alternative(layout, alternative), preview) for alternative in exp["either"]]
        if any(not misses for misses in tried):
            return []
        return [f"either[{i}] {miss}" for i, misses in enumerate(tried) for miss in misses]
    misses: list[str] = []
    errors = [e.get("message", "") for e in preview.errors[:3]]
    if exp.get("refused"):
        if preview.ok:
            created = {k: v for k, v in preview.counts.get("created", {}).items() if v}
            misses.append(f"refused: expected the file to be refused with a message, got ok (created {created})")
        return misses
    kinds = exp.get("kind")
    if kinds is not None:
        accepted = (kinds,) if isinstance(kinds, str) else tuple(kinds)
        if preview.kind not in accepted:
            misses.append(f"kind: expected {' or '.join(accepted)}, got {preview.kind}")
    want_ok = exp.get("ok", True)  # None: either is acceptable
    if want_ok is not None and bool(preview.ok) != want_ok:
        detail = f" ({'; '.join(errors)}{'…' if len(preview.errors) > 3 else ''})" if errors else ""
        misses.append(f"ok: expected {want_ok}, got {preview.ok}{detail}")
    created = preview.counts.get("created", {}) if preview.counts else {}
    for entity, n in exp.get("counts", {}).items():
        got = sum(created.get(k, 0) for k in ("area", "task", "competency")) if entity == "nodes" \
            else created.get(entity, 0)
        if got != n:
            misses.append(f"counts.{entity}: expected {n}, got {got}")
    dataset = preview.dataset
    value_keys = [k for k in ("tasks", "statements", "contains", "codes", "importance", "courses", "alignments")
                  if k in exp]
    if value_keys and dataset is None:
        misses.append(f"values ({', '.join(value_keys)}): nothing was parsed")
    elif dataset is not None:
        misses += _node_misses(exp, dataset)
        misses += _course_misses(exp, dataset)
        misses += _alignment_misses(exp, dataset)
    misses += _reading_misses(exp, preview)
    return misses


class _Alternative:
    """A layout seen through one of its acceptable expectations."""

    def __init__(self, layout, expected: dict[str, Any]) -> None:
        self.name, self.filename, self.expected = layout.name, layout.filename, expected


def _node_misses(exp: dict[str, Any], dataset) -> list[str]:
    misses = []
    nodes = dataset.nodes
    ordered = sorted(nodes, key=lambda n: n.sort_order) if all(n.sort_order is not None for n in nodes) else nodes
    competencies = [n.statement for n in ordered if n.kind == "competency"]
    if "statements" in exp and competencies != exp["statements"]:
        misses.append(f"statements: {_list_diff(exp['statements'], competencies)}")
    every = {n.statement for n in nodes}
    for statement in exp.get("contains", []):
        if statement not in every:
            misses.append(f"contains: no node has the statement {_short(statement)} exactly")
    for task, want in exp.get("tasks", {}).items():
        found = [n for n in nodes if n.statement == task and n.kind == "task"]
        if not found:
            misses.append(f"tasks[{task}]: no task with this statement")
            continue
        code = found[0].code
        got = [n.statement for n in ordered if n.parent == code and n.kind == "competency"]
        if got != want:
            misses.append(f"tasks[{task}]: {_list_diff(want, got)}")
    by_statement = {n.statement: n for n in nodes}
    for statement, code in exp.get("codes", {}).items():
        node = by_statement.get(statement)
        if node is None:
            misses.append(f"codes[{statement}]: no node with this statement")
        elif _fold(node.code) != _fold(code):
            misses.append(f"codes[{statement}]: expected {code!r} (written in the file), got {node.code!r}")
    for statement, level in exp.get("importance", {}).items():
        node = by_statement.get(statement)
        if node is None:
            misses.append(f"importance[{statement}]: no node with this statement")
        elif node.importance != level:
            misses.append(f"importance[{statement}]: expected {level}, got {node.importance}")
    return misses


def _course_misses(exp: dict[str, Any], dataset) -> list[str]:
    misses = []
    by_name = {}
    for course in dataset.courses:
        by_name.setdefault((course.name or "").strip(), course)
    for name, fields in exp.get("courses", {}).items():
        course = by_name.get(name)
        if course is None:
            misses.append(f"courses[{name}]: no course with this name (got {_short(sorted(by_name)[:6])})")
            continue
        for key, want in fields.items():
            got = getattr(course, key, None)
            if key == "code":
                same = _fold(got) == _fold(want)
            elif isinstance(want, (int, float)) and isinstance(got, (int, float)):
                same = float(got) == float(want)
            else:
                same = got == want
            if not same:
                misses.append(f"courses[{name}].{key}: expected {want!r}, got {got!r}")
    return misses


def _alignment_misses(exp: dict[str, Any], dataset) -> list[str]:
    if "alignments" not in exp:
        return []
    labels_of_node: dict[str, set[str]] = {}
    for n in dataset.nodes:
        labels_of_node[n.code or ""] = {_fold(n.code), _fold(n.statement)}
    for key, ref in dataset.node_refs.items():
        labels_of_node.setdefault(key, set()).update(_fold(v) for v in ref.values() if isinstance(v, str))
        labels_of_node[key].add(_fold(key))
    labels_of_course: dict[str, set[str]] = {}
    for c in dataset.courses:
        keys = {_fold(c.code), _fold(c.name), _fold(c.ref)}
        for k in (c.ref, c.code):
            if k:
                labels_of_course.setdefault(k, set()).update(keys)
    got = []
    for a in dataset.alignments:
        got.append((labels_of_node.get(a.competency, {_fold(a.competency)}),
                    labels_of_course.get(a.course, {_fold(a.course)}), a.level))
    misses = []
    for competency, course, level in exp["alignments"]:
        matches = [g for g in got if _fold(competency) in g[0] and _fold(course) in g[1]]
        if not matches:
            misses.append(f"alignments: no link {competency!r} → {course!r}")
        elif level is not None and all(g[2] != level for g in matches):
            misses.append(f"alignments[{competency} → {course}]: expected level {level}, got "
                          f"{sorted({g[2] for g in matches})}")
    return misses


def _reading_misses(exp: dict[str, Any], preview) -> list[str]:
    """Optional: only when the engine reports ``reading`` (rows it skipped and why)."""
    wanted = exp.get("reading")
    if not wanted:
        return []
    try:
        reading = preview.to_dict().get("reading")
    except Exception:  # noqa: BLE001 - a preview that cannot be serialised is reported by other checks
        return []
    if not reading:
        return []
    misses = []
    got_rows = {}
    by_sheet = {sheet.get("sheet"): sheet for sheet in reading}
    if len(wanted) == 1 and len(reading) == 1 and wanted[0]["sheet"] not in by_sheet:
        # a CSV has no sheet name (the engine names its one sheet after the file): the one sheet is the one drawn
        by_sheet = {wanted[0]["sheet"]: reading[0]}
    for name, sheet in by_sheet.items():
        for item in sheet.get("ignored", []) or []:
            if item.get("row") is not None:
                got_rows[(name, item["row"])] = item.get("reason")
    for sheet in wanted:
        got_sheet = by_sheet.get(sheet["sheet"], {})
        if "header_rows" in got_sheet and got_sheet["header_rows"] != sheet["header_rows"]:
            misses.append(f"reading[{sheet['sheet']}].header_rows: expected {sheet['header_rows']}, "
                          f"got {got_sheet['header_rows']}")
        if "transposed" in got_sheet and bool(got_sheet["transposed"]) != sheet["transposed"]:
            misses.append(f"reading[{sheet['sheet']}].transposed: expected {sheet['transposed']}, "
                          f"got {got_sheet['transposed']}")
        if "splits" in got_sheet:
            got_splits = {s.get("row"): list(s.get("parts") or []) for s in got_sheet["splits"] or []}
            for split in sheet["splits"]:
                if got_splits.get(split["row"]) != split["parts"]:
                    misses.append(f"reading[{sheet['sheet']}!{split['column']}{split['row']}].splits: expected "
                                  f"{_short(split['parts'], 80)}, got {_short(got_splits.get(split['row']), 80)}")
        for item in sheet["ignored"]:
            if item.get("row") is None:
                continue
            reason = got_rows.get((sheet["sheet"], item["row"]))
            if reason is None:
                misses.append(f"reading[{sheet['sheet']}!{item['row']}]: expected ignored as {item['reason']} "
                              f"({_short(item['text'], 40)}), not reported")
            elif reason != item["reason"]:
                misses.append(f"reading[{sheet['sheet']}!{item['row']}]: expected reason {item['reason']}, "
                              f"got {reason}")
    return misses
