"""Sizes of a demo programme read from its file in data/demo, as a person reads it (FORMAT.md).

Tests compare what the seed wrote with these counts instead of numbers copied from the file, so
adding a competency, a job role or a certificate to the demo keeps them true.
"""

from __future__ import annotations

import json
from collections import Counter

from services.demo import demo_files


def demo_file(code: str) -> dict:
    """The parsed demo file of programme ``code``."""
    for path in demo_files():
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["program"]["code"] == code:
            return data
    raise LookupError(code)


def demo_sizes(code: str) -> dict[str, int]:
    """``area``, ``task``, ``competency``, ``nodes`` (all three) and ``roles`` (job roles and certificates)
    of programme ``code``: the framework tree plus each certificate table's work areas (column 1), work
    tasks (column 2) and requirements (one a row)."""
    data = demo_file(code)
    kinds: Counter[str] = Counter()

    def walk(nodes: list[dict]) -> None:
        for node in nodes:
            kinds[node["kind"]] += 1
            walk(node.get("children", []))

    walk(data["framework"])
    for cert in data.get("certificates", []):
        kinds["area"] += sum(1 for row in cert["rows"] if row[0])
        kinds["task"] += sum(1 for row in cert["rows"] if row[1])
        kinds["competency"] += len(cert["rows"])
    return {"area": kinds["area"], "task": kinds["task"], "competency": kinds["competency"],
            "nodes": sum(kinds.values()), "roles": len(data["job_roles"]) + len(data.get("certificates", []))}
