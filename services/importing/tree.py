"""Framework trees from rows: derived codes, outline parents, duplicates, cycles, depth, kinds.

Rows reach this module as provisional nodes keyed by their code, or by a temporary key
when the file gives no code. Codes are then derived so they stay the same on every
re-import of the file: first from the children's outline codes (tasks 1.2.1 and 1.2.2 →
"1.2"), otherwise from the position under the parent ("1", "1.3").
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from services.hierarchy import parent_allowed
from services.importing.limits import Limits, depths, find_cycles
from services.importing.records import Dataset, Issue, NodeIn, Origin, Term

TEMP = "\x00"
_KEY = attrgetter("key")
_PARENT = attrgetter("parent")


def is_temp(key: str | None) -> bool:
    return bool(key) and key.startswith(TEMP)


def code_key(code: str) -> str:
    """Comparison form of an outline code: case-, width- and trailing-dot-insensitive."""
    key = code.replace("．", ".").lower()
    if " " in key or "\t" in key:
        key = "".join(key.split())
    return key.rstrip(".、")


def code_text(code: str) -> str:
    """An outline or course code as stored: width-folded, no spaces, no trailing dots ("１．２." → "1.2")."""
    if code.isascii():
        if " " in code or "\t" in code:
            code = "".join(code.split())
        return code.rstrip(".") if code.endswith(".") else code
    code = "".join(unicodedata.normalize("NFKC", code).split()).replace("．", ".")
    return code.rstrip(".、")


def outline_parent(code: str) -> str | None:
    key = code_key(code)
    if "." not in key:
        return None
    return key.rsplit(".", 1)[0] or None


@dataclass
class Prov:
    """A provisional node: ``key`` is its code, or a temporary key until ``assign_codes`` runs."""

    key: str
    statement: str
    parent: str | None = None
    kind: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    origin: Origin = field(default_factory=Origin)
    fields: frozenset[str] = frozenset()

    @property
    def explicit(self) -> bool:
        return not is_temp(self.key)


def assign_codes(provs: list[Prov], taken: set[str] | None = None) -> dict[str, str]:
    """Map each temporary key to a stable derived code (children's outline prefix, else position)."""
    # C-level first test (a file with codes everywhere has no TEMP at all), then the exact one
    if TEMP not in "".join(map(_KEY, provs)) or not any(is_temp(p.key) for p in provs):
        return {}
    used = {p.key for p in provs if p.explicit} | set(taken or ())
    children: dict[str | None, list[Prov]] = defaultdict(list)
    for prov in provs:
        children[prov.parent].append(prov)
    by_key = {p.key: p for p in provs}
    depth: dict[str, int] = {}
    for prov in provs:
        d, node, guard = 0, prov, 0
        while node.parent is not None and node.parent in by_key and guard < 64:
            node, d, guard = by_key[node.parent], d + 1, guard + 1
        depth[prov.key] = d
    derived: dict[str, str] = {}

    def code_of(key: str) -> str | None:
        return key if not is_temp(key) else derived.get(key)

    # bottom-up: a parent without code takes its children's common outline prefix
    for prov in sorted((p for p in provs if not p.explicit), key=lambda p: -depth[p.key]):
        prefixes = set()
        for child in children.get(prov.key, []):
            code = code_of(child.key)
            if code is None:
                continue
            parent_code = code.rstrip(".")
            prefixes.add(parent_code.rsplit(".", 1)[0] if "." in parent_code else None)
        if len(prefixes) == 1:
            prefix = prefixes.pop()
            if prefix and prefix not in used:
                derived[prov.key] = prefix
                used.add(prefix)
    # top-down: the rest by position under their parent
    for prov in sorted((p for p in provs if not p.explicit), key=lambda p: depth[p.key]):
        if prov.key in derived:
            continue
        siblings = children.get(prov.parent, [])
        position = next(i for i, s in enumerate(siblings, start=1) if s is prov)
        parent_code = code_of(prov.parent) if prov.parent else None
        base = f"{parent_code}.{position}" if parent_code else str(position)
        code, n = base, 1
        while code in used:
            n += 1
            code = f"{base}-{n}"
        derived[prov.key] = code
        used.add(code)
    return derived


def finalize(dataset: Dataset, provs: list[Prov], *, limits: Limits, filename: str,
             infer_outline_parents: bool = False, taken: set[str] | None = None,
             rejected: list[Prov] | None = None) -> list[NodeIn]:
    """Check duplicates, parents, cycles and depth; decide kinds by shape; return the valid nodes.

    ``rejected`` are rows already refused for other errors: a code they share with another
    row is still a duplicate (which of the two is right is the user's call).
    """
    errors = dataset.errors
    keys = list(map(_KEY, provs))
    if rejected or len(set(keys)) != len(keys):  # else no code is repeated: nothing to report
        seen: dict[str, Prov] = {}
        if rejected:
            ordered = sorted([*provs, *rejected], key=lambda p: (p.origin.sheet or "", p.origin.row or 0))
        else:
            ordered = provs
        rejected_ids = {id(p) for p in rejected or []}
        dropped: set[int] = set()
        for prov in ordered:
            key = prov.key
            explicit = key[:1] != TEMP
            if rejected_ids and id(prov) in rejected_ids:
                if explicit and key not in seen:
                    seen[key] = prov
                continue
            if explicit and key in seen:
                first = seen[key]
                errors.append(Issue("import.error.duplicate_code", {"code": key, "first_row": first.origin.row},
                                    file=filename, sheet=prov.origin.sheet, row=prov.origin.row))
                dropped.add(id(prov))
                continue
            seen[key] = prov
        if dropped:
            provs = [p for p in provs if id(p) not in dropped]
    roots = [p for p in provs if p.parent is None and p.key[:1] != TEMP and "." in p.key.rstrip(".")]
    if infer_outline_parents and roots:
        keyed = {code_key(p.key): p.key for p in provs if p.key[:1] != TEMP}
        for prov in roots:
            if prov.parent is None:
                candidate = outline_parent(prov.key)
                while candidate is not None and candidate not in keyed:
                    candidate = candidate.rsplit(".", 1)[0] if "." in candidate else None
                if candidate is not None and keyed[candidate] != prov.key:
                    prov.parent = keyed[candidate]
    derived = assign_codes(provs, taken)
    if derived:
        for prov in provs:
            if not prov.explicit:
                prov.values["code_derived"] = True
                prov.key = derived[prov.key]
            if is_temp(prov.parent):
                prov.parent = derived[prov.parent]
    parent_of = {p.key: p.parent for p in provs}
    cyclic = find_cycles(parent_of) if any(p.parent is not None and p.parent in parent_of for p in provs) else set()
    if cyclic:
        for prov in provs:
            if prov.key in cyclic:
                errors.append(Issue("import.error.cycle", {"code": prov.key, "parent": prov.parent},
                                    file=filename, sheet=prov.origin.sheet, row=prov.origin.row))
        provs = [p for p in provs if p.key not in cyclic]
        parent_of = {p.key: p.parent for p in provs}
    level = depths(parent_of, cyclic=set())
    deepest = max(level.values(), default=0)
    if deepest > limits.max_depth:
        too_deep = {k for k, d in level.items() if d > limits.max_depth}
        for prov in provs:
            if prov.key in too_deep:
                errors.append(Issue("import.error.too_deep", {"code": prov.key, "depth": level[prov.key],
                                                              "limit": limits.max_depth},
                                    file=filename, sheet=prov.origin.sheet, row=prov.origin.row))
        provs = [p for p in provs if p.key not in too_deep]
    has_children = {p.parent for p in provs}
    has_children.discard(None)
    if deepest > 3:
        dataset.warnings.append(Issue("import.warning.deep_tree", {"levels": deepest}, file=filename))
    kinds = {}
    for prov in provs:
        kind = prov.kind
        if kind is None:
            if prov.key not in has_children:
                kind = "competency"
            elif prov.parent is None:
                kind = "area"
            else:
                kind = "task"
        kinds[prov.key] = kind
    provs = _allowed_only(provs, kinds, errors, filename)
    nodes = []
    append = nodes.append
    for order, prov in enumerate(provs):
        kind = kinds[prov.key]
        values = prov.values
        if "sort_order" in values and "code_derived" not in values:  # the usual case: nothing to pop
            append(NodeIn(code=prov.key, statement=prov.statement, kind=kind, parent=prov.parent,
                          origin=prov.origin, fields=prov.fields, **values))
            continue
        values = dict(values)
        derived_flag = values.pop("code_derived", False)
        append(NodeIn(code=prov.key, statement=prov.statement, kind=kind, parent=prov.parent,
                      sort_order=values.pop("sort_order", order), code_derived=derived_flag,
                      origin=prov.origin, fields=prov.fields, **values))
    return nodes


def parent_kind_issue(*, kind: str, parent: str | None, parent_kind: str | None, code: str, origin: Origin,
                      filename: str | None) -> Issue:
    """The row error for a node whose kind may not sit under its parent (``services.hierarchy``'s rule)."""
    return Issue("import.error.parent_kind", {"code": code, "kind": Term(f"import.term.kind.{kind}"), "parent": parent or "—",
                                              "parent_kind": Term(f"import.term.kind.{parent_kind}") if parent_kind else
                                              Term("import.term.root")},
                 file=filename, sheet=origin.sheet, row=origin.row, column=origin.column)


def _allowed_only(provs: list[Prov], kinds: dict[str, str], errors: list[Issue], filename: str) -> list[Prov]:
    """The nodes the hierarchy rule allows where they sit (the framework editor's rule, ``parent_allowed``).

    A node under a parent of a kind it may not have is a row error; its descendants go with it (they are not
    reported again). A parent outside the file (in the database) is checked by the planner.
    """
    # each distinct (kind, parent kind) pair once (C-level passes): when every pair is allowed, as in nearly every
    # file, no node is refused. A parent outside the file reads as no parent here, which can only add pairs to
    # check, never hide a refused one.
    child_kinds = map(kinds.__getitem__, map(_KEY, provs))
    parent_kinds = map(kinds.get, map(_PARENT, provs))
    if all(parent_allowed(kind, parent) for kind, parent in set(zip(child_kinds, parent_kinds, strict=True))):
        return provs
    refused: set[str] = set()
    for prov in provs:
        parent = prov.parent
        if parent is not None and parent not in kinds:
            continue
        parent_kind = kinds[parent] if parent is not None else None
        if not parent_allowed(kinds[prov.key], parent_kind):
            errors.append(parent_kind_issue(kind=kinds[prov.key], parent=parent, parent_kind=parent_kind,
                                            code=prov.key, origin=prov.origin, filename=filename))
            refused.add(prov.key)
    if not refused:
        return provs
    parent_of = {p.key: p.parent for p in provs}

    def under_refused(key: str | None) -> bool:
        seen = 0
        while key is not None and seen < 256:
            if key in refused:
                return True
            key, seen = parent_of.get(key), seen + 1
        return False

    return [p for p in provs if not under_refused(p.key)]
