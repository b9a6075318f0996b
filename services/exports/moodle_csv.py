"""Moodle competency framework CSV (admin/tool/lpimportcsv), header and column order of BRIEF §5.

- One framework row first (``Is framework`` = 1): ID number = programme code, the scale
  (levels 1–3, "introduced / reinforced / mastered") in ``Scale values`` and ``Scale
  configuration`` (JSON: level 1 is the default, levels 2 and 3 count as proficient), and
  ``Taxonomy`` = ``domain,practice,competency``: Moodle's term for a DACUM work area is
  *domain*, a work task is a *practice* (what is done on the job), the leaf a *competency*.
  Moodle's *skill* is avoided for tasks because our competencies are typed skill/knowledge.
- Then the tree in order: ID number = the node's outline code (unique within a framework,
  so no programme prefix is needed), Parent ID number = its parent's code (empty under the
  framework). Short name is the statement, cut to Moodle's 100 characters; Description holds
  the notes, preceded by the full statement when the short name had to cut it (Moodle's
  limit: a round trip through a Moodle CSV keeps statements of up to 100 characters).
- Retired nodes are left out. Every field that starts with = + - @, a tab or a CR gets a
  leading single quote (``csv_safe``) so a spreadsheet never runs it as a formula.
- UTF-8 with a BOM (Excel on Windows reads it as UTF-8), CRLF line ends, all fields quoted.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sqlalchemy.engine import Engine
from sqlmodel import select

from models import Competency, Program
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound
from services.exports.common import (
    MEDIA_TYPES,
    ExportFile,
    Progress,
    ProgressReporter,
    check_lang,
    csv_safe,
    export_filename,
    require_export,
    t,
)
from services.outline import code_sort_key

HEADER = ("Parent ID number", "ID number", "Short name", "Description", "Description format", "Scale values",
          "Scale configuration", "Rule type (optional)", "Rule outcome (optional)", "Rule config (optional)",
          "Cross-referenced competency ID numbers", "Exported ID (optional)", "Is framework", "Taxonomy")
TAXONOMY = {"area": "domain", "task": "practice", "competency": "competency"}
FORMAT_PLAIN = 2  # Moodle's FORMAT_PLAIN
SHORT_NAME_MAX = 100
SCALE_CONFIGURATION = [{"scaleid": "0"}, {"id": 1, "scaledefault": 1, "proficient": 0},
                       {"id": 2, "scaledefault": 0, "proficient": 1}, {"id": 3, "scaledefault": 0, "proficient": 1}]


def _short_name(statement: str) -> str:
    text = " ".join(statement.split())
    return text if len(text) <= SHORT_NAME_MAX else text[:SHORT_NAME_MAX - 1] + "…"


def _description(node: Competency) -> str:
    """The node's notes; the full statement first when Moodle's 100-character short name had to cut it."""
    cut = _short_name(node.statement) != " ".join(node.statement.split())
    return "\n\n".join(part for part in (node.statement if cut else "", node.notes) if part)


def moodle_rows(engine: Engine, *, program_id: int, lang: str) -> list[list[Any]]:
    """The CSV rows (header first) of a programme's framework."""
    with session_scope(engine) as session:
        program = session.get(Program, program_id)
        if program is None:
            raise NotFound(f"programme {program_id} not found")
        nodes = [n for n in session.exec(select(Competency).where(Competency.program_id == program_id)).all()
                 if n.status != "retired"]
        scale = ",".join(t(f"export.moodle.scale.{level}", lang) for level in (1, 2, 3))
        rows: list[list[Any]] = [list(HEADER), [
            "", program.code, _short_name(program.name), program.description or program.name, FORMAT_PLAIN, scale,
            json.dumps(SCALE_CONFIGURATION, separators=(",", ":")), "", "", "", "", "", 1,
            ",".join(TAXONOMY[k] for k in ("area", "task", "competency"))]]
        kept = {n.id for n in nodes}
        codes = {n.id: n.code for n in nodes}
        children: dict[int | None, list[Competency]] = {}
        for node in nodes:
            parent = node.parent_id if node.parent_id in kept else None
            children.setdefault(parent, []).append(node)

        def walk(parent_id: int | None) -> None:
            for node in sorted(children.get(parent_id, []), key=lambda n: (n.sort_order, code_sort_key(n.code))):
                rows.append([codes.get(node.parent_id, ""), node.code, _short_name(node.statement),
                             _description(node), FORMAT_PLAIN, "", "", "", 0, "", "", "", 0, ""])
                walk(node.id)

        walk(None)
        return rows


def moodle_csv_bytes(rows: list[list[Any]]) -> bytes:
    """Rows → UTF-8 (BOM) CSV bytes, every field quoted and formula-safe."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for i, row in enumerate(rows):
        writer.writerow(row if i == 0 else [csv_safe(v) for v in row])
    return buffer.getvalue().encode("utf-8-sig")


def export_moodle_csv(
    engine: Engine, *, actor: Actor, program_id: int, lang: str = "zh", progress: Progress | None = None,
) -> ExportFile:
    """The programme's framework as a Moodle competency framework CSV."""
    require_export(actor)
    check_lang(lang)
    report = ProgressReporter(progress)
    report(0.0, "read")
    rows = moodle_rows(engine, program_id=program_id, lang=lang)
    content = moodle_csv_bytes(rows)
    report(1.0, "done")
    return ExportFile(content, export_filename(program_code=str(rows[1][1]), kind="moodle", ext="csv"),
                      MEDIA_TYPES["csv"])
