"""Start a job role from an ESCO or O*NET occupation shipped in ``data/esco_onet`` (see data/SOURCES.md).

``search_occupations`` finds occupations by label, alternative label or code; ``seed_job_role``
takes the chosen occupation's rows out of the shipped file (ESCO occupation–skill relations, or
O*NET task statements) and runs them through the import engine (``esco`` / ``onet`` kinds), so
the new job role, its area, tasks and competencies are written, audited and previewable exactly
as any import.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Engine

from services.actor import Actor
from services.errors import NotFound, ValidationFailed, field_error
from services.importing import analyse, commit

DATA = Path(__file__).resolve().parent.parent / "data" / "esco_onet"
ESCO_OCCUPATIONS = DATA / "esco_occupations_subset.csv"
ESCO_RELATIONS = DATA / "esco_occupation_skills_subset.csv"
ONET_OCCUPATIONS = DATA / "onet_occupations_subset.csv"
ONET_TASKS = DATA / "onet_tasks_subset.csv"


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@cache
def occupations() -> tuple[dict[str, Any], ...]:
    """Every shipped occupation: ``source`` (esco / onet), ``id`` (URI or O*NET-SOC code), label, code,
    alternative labels and how many skills or tasks the shipped file holds for it."""
    relations = _rows(ESCO_RELATIONS)
    tasks = _rows(ONET_TASKS)
    out = []
    for r in _rows(ESCO_OCCUPATIONS):
        out.append({"source": "esco", "id": r["conceptUri"], "label": r["preferredLabel"], "code": r["code"],
                    "alt_labels": [a for a in r["altLabels"].splitlines() if a.strip()],
                    "items": sum(1 for x in relations if x["occupation_uri"] == r["conceptUri"])})
    for r in _rows(ONET_OCCUPATIONS):
        code = r["O*NET-SOC Code"]
        out.append({"source": "onet", "id": code, "label": r["Title"], "code": code, "alt_labels": [],
                    "items": sum(1 for x in tasks if x["O*NET-SOC Code"] == code)})
    return tuple(out)


def search_occupations(query: str) -> list[dict[str, Any]]:
    """Occupations whose label, an alternative label or code contains every word of ``query``
    (case-insensitive), those with skills or tasks to import first."""
    words = [w.lower() for w in (query or "").split() if w]
    hits = [o for o in occupations()
            if all(any(w in text.lower() for text in (o["label"], o["code"], *o["alt_labels"])) for w in words)]
    return sorted(hits, key=lambda o: (o["items"] == 0, o["source"], o["label"]))


def _subset(path: Path, column: str, value: str) -> bytes:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = [r for r in reader if r[column] == value]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=reader.fieldnames)
        writer.writeheader()
        writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def occupation_file(source: str, occupation_id: str) -> tuple[bytes, str, str]:
    """The shipped rows of one occupation as a CSV: ``(bytes, file name, import kind)``."""
    match = next((o for o in occupations() if o["source"] == source and o["id"] == occupation_id), None)
    if match is None:
        raise NotFound(f"occupation {occupation_id} not found", key="occupation.error.not_found")
    if not match["items"]:
        raise ValidationFailed([field_error("occupation", "occupation.error.nothing", "no skills or tasks shipped")])
    if source == "esco":
        return _subset(ESCO_RELATIONS, "occupation_uri", occupation_id), "esco_occupation_skills.csv", "esco"
    return _subset(ONET_TASKS, "O*NET-SOC Code", occupation_id), "onet_task_statements.csv", "onet"


def seed_job_role(engine: Engine, *, actor: Actor, program_code: str, source: str, occupation_id: str,
                  lang: str = "zh") -> dict[str, Any]:
    """Import one occupation's skills (ESCO) or tasks (O*NET) as a new job role with its framework part,
    through the import engine. Returns the import result as a dict; an import error raises nothing
    and writes nothing (``ok`` false, ``errors`` say why)."""
    data, filename, kind = occupation_file(source, occupation_id)
    preview = analyse(data, filename, engine=engine, program_code=program_code, kind=kind, lang=lang)
    return commit(engine, actor=actor, preview=preview).to_json()
