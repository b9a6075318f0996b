"""Limits that keep a hostile or broken file from exhausting the server, with clear messages.

Checked before parsing where possible: the file size, and for zip-based workbooks
(.xlsx/.xlsm/.ods) the members' declared sizes and compression ratios (a zip bomb is
refused from its ``infolist`` without decompressing anything). Rows per sheet are counted
from the streamed sheet XML of an .xlsx or .ods before the reader opens it (``readers``), and
from the sheet's dimensions for .xls, before its cells are materialised; nesting depth, cycles
and duplicate codes after parsing.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from dataclasses import dataclass
from operator import attrgetter

from services.importing.records import Dataset, ImportRejected, Issue
from services.textguard import FIELD_LIMITS, IMPORT_LIMITS

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 50 * MB
    max_rows_per_sheet: int = 200_000
    max_decompressed_bytes: int = 400 * MB
    max_compression_ratio: float = 200.0  # only for members over ``ratio_floor_bytes``
    ratio_floor_bytes: int = 4 * MB
    max_zip_members: int = 5_000
    max_depth: int = 8

    @classmethod
    def from_env(cls) -> Limits:
        """Defaults, with ``COSTANDARD_IMPORT_MAX_MB`` and ``COSTANDARD_IMPORT_MAX_ROWS`` overriding."""
        values = {}
        if os.environ.get("COSTANDARD_IMPORT_MAX_MB"):
            values["max_file_bytes"] = int(float(os.environ["COSTANDARD_IMPORT_MAX_MB"]) * MB)
        if os.environ.get("COSTANDARD_IMPORT_MAX_ROWS"):
            values["max_rows_per_sheet"] = int(os.environ["COSTANDARD_IMPORT_MAX_ROWS"])
        return cls(**values)


def check_file_size(data: bytes, *, filename: str, limits: Limits) -> None:
    if not data:
        raise ImportRejected(Issue("import.error.empty_file", file=filename))
    if len(data) > limits.max_file_bytes:
        raise ImportRejected(Issue("import.error.file_too_large", {
            "size_mb": round(len(data) / MB, 1), "limit_mb": round(limits.max_file_bytes / MB, 1)}, file=filename))


def check_zip(data: bytes, *, filename: str, limits: Limits) -> None:
    """Refuse a zip whose declared contents are too big, too many or suspiciously compressed."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise ImportRejected(Issue("import.error.corrupt_workbook", {"reason": str(exc)[:200]}, file=filename)) from exc
    if len(infos) > limits.max_zip_members:
        raise ImportRejected(Issue("import.error.zip_members", {"count": len(infos), "limit": limits.max_zip_members},
                                   file=filename))
    total = sum(i.file_size for i in infos)
    if total > limits.max_decompressed_bytes:
        raise ImportRejected(Issue("import.error.zip_bomb", {
            "size_mb": round(total / MB, 1), "limit_mb": round(limits.max_decompressed_bytes / MB, 1)}, file=filename))
    for info in infos:
        if info.file_size > limits.ratio_floor_bytes:
            ratio = info.file_size / max(info.compress_size, 1)
            if ratio > limits.max_compression_ratio:
                raise ImportRejected(Issue("import.error.zip_ratio", {
                    "member": info.filename, "ratio": int(ratio), "limit": int(limits.max_compression_ratio)},
                    file=filename))


def check_rows(count: int, *, filename: str, sheet: str, limits: Limits) -> None:
    if count > limits.max_rows_per_sheet:
        raise ImportRejected(Issue("import.error.too_many_rows", {"rows": count, "limit": limits.max_rows_per_sheet},
                                   file=filename, sheet=sheet))


def _longest(items: list, name: str) -> float:
    """The longest ``name`` value of ``items`` (C-level passes), or infinity when it cannot tell cheaply (a value
    that is not text, a missing attribute): never less than the longest text, so a row over a limit is not missed."""
    try:
        values = list(map(attrgetter(name), items))
        return max(map(len, filter(None, values)), default=0)
    except (AttributeError, TypeError):
        return math.inf


_STANDARD_TABLES = (("objectives", "objective"), ("units", "learning_unit"), ("assessment", "assessment_item"))


def check_lengths(dataset: Dataset, *, filename: str) -> None:
    """Leave out every parsed row with a text over its field's limit (``textguard.FIELD_LIMITS``), with an
    error naming the field and the row; ``--skip-invalid`` then imports the others."""
    for attr, (table, names) in IMPORT_LIMITS.items():
        limits = FIELD_LIMITS[table]
        items = getattr(dataset, attr)
        if all(_longest(items, name) <= limits[name] for name in names):
            continue  # nothing over a limit (the usual case): no row-by-row pass
        kept = []
        for item in items:
            problems = [(name, len(value)) for name in names
                        if isinstance(value := getattr(item, name, None), str) and len(value) > limits[name]]
            for name, length in problems:
                origin = getattr(item, "origin", None)
                dataset.errors.append(Issue("import.error.too_long", {"field": name, "limit": limits[name],
                                                                      "length": length}, file=filename,
                                            sheet=getattr(origin, "sheet", None), row=getattr(origin, "row", None),
                                            column=getattr(origin, "column", None)))
            if not problems:
                kept.append(item)
        setattr(dataset, attr, kept)
    kept_standards = []
    for standard in dataset.standards:
        problems = [(name, len(value), FIELD_LIMITS["course_standard"][name], None)
                    for name, value in standard.fields.items()
                    if isinstance(value, str) and len(value) > FIELD_LIMITS["course_standard"].get(name, 10**9)]
        for section, table in _STANDARD_TABLES:
            for index, row in enumerate(getattr(standard, section)):
                problems += [(name, len(value), FIELD_LIMITS[table][name], f"{section} {index + 1}")
                             for name, value in row.items()
                             if isinstance(value, str) and len(value) > FIELD_LIMITS[table].get(name, 10**9)]
        for name, length, limit, where in problems:
            dataset.errors.append(Issue("import.error.too_long", {"field": f"{where}: {name}" if where else name,
                                                                  "limit": limit, "length": length},
                                        file=filename, sheet=standard.origin.sheet, row=standard.origin.row,
                                        column=standard.origin.column))
        if not problems:
            kept_standards.append(standard)
    dataset.standards = kept_standards


def find_cycles(parent_of: dict[str, str | None]) -> set[str]:
    """Codes that are their own ancestor through ``parent_of`` (iterative, so deep trees are safe)."""
    # one pass settles every code whose parent is a root, outside the map or already settled (parents
    # usually come before their children, so this is all codes); only the others need walking
    settled: set[str] = set()
    add = settled.add
    for code, parent in parent_of.items():
        if parent is None or parent in settled or parent not in parent_of:
            add(code)
    if len(settled) == len(parent_of):
        return set()
    state: dict[str, int] = dict.fromkeys(settled, 2)  # 1 = on the current path, 2 = done
    in_cycle: set[str] = set()
    for start in parent_of:
        if state.get(start):
            continue
        path: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and not state.get(node):
            state[node] = 1
            path.append(node)
            node = parent_of[node]
        if node is not None and state.get(node) == 1:
            in_cycle.update(path[path.index(node):])
        for visited in path:
            state[visited] = 2
    return in_cycle


def depths(parent_of: dict[str, str | None], roots_depth: int = 1, cyclic: set[str] | None = None
           ) -> dict[str, int]:
    """Depth of every code (roots = 1); codes in cycles are left out (pass ``cyclic`` if already known)."""
    cyclic = find_cycles(parent_of) if cyclic is None else cyclic
    out: dict[str, int] = {}
    get = out.get
    # one pass when every parent comes before its children (the usual order); else the walk below
    for code, parent in parent_of.items():
        if code in cyclic:
            continue
        if parent is None or parent not in parent_of or parent in cyclic:
            out[code] = roots_depth
            continue
        depth = get(parent)
        if depth is None:
            break
        out[code] = depth + 1
    else:
        return out
    out = {}
    for start in parent_of:
        if start in cyclic or start in out:
            continue
        chain: list[str] = []
        node: str | None = start
        while node is not None and node in parent_of and node not in out and node not in cyclic:
            chain.append(node)
            node = parent_of[node]
        base = out.get(node, roots_depth - 1) if node is not None else roots_depth - 1
        for offset, code in enumerate(reversed(chain), start=1):
            out[code] = base + offset
    return out
