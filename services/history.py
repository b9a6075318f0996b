"""History of a course standard: versions, diffs, restore, three-way merge, and the audit trail.

Every save stores a ``StandardVersion`` (``services.standards``). ``diff_content`` compares two
snapshots — prose fields as text diffs, tables as added / removed / changed rows matched by id,
else by objective code, unit title or assessment name — and ``restore_version`` saves an old
snapshot as a *new* version (history is never rewritten). ``merge_content`` is the three-way
merge behind the conflict view: both sides' non-conflicting changes are kept and every field
changed differently on both sides is reported, so the page can offer mine / theirs / merged.
"""

from __future__ import annotations

import bisect
import difflib
from datetime import UTC, date, datetime, time
from types import SimpleNamespace
from typing import Any

import pandas as pd
from sqlalchemy.engine import Engine
from sqlmodel import select

from models import AuditEvent, Competency, ImportRecord, StandardVersion, User
from services.actor import Actor
from services.db import session_scope
from services.errors import NotFound
from services.permissions import require
from services.standards import (
    HEADER_FIELDS,
    TABLE_FIELDS,
    invalid,
    load_standard,
    save_args_from_content,
    save_standard,
    standard_content,
)

TABLES = ("objectives", "units", "assessment")
NATURAL_KEY = {"objectives": ("code", "text"), "units": ("title",), "assessment": ("name",)}
ALIGNMENT_FIELDS = ("level", "status", "proposed_side", "reason")
AUDIT_COLUMNS = ["id", "at", "username", "program_id", "entity_type", "entity_id", "action", "summary", "before",
                 "after", "import_id"]
IMPORT_SECTIONS = (("create", "created"), ("update", "updated"), ("delete", "deleted"))


# --------------------------------------------------------------------------- versions


def _has_content(content: dict[str, Any] | None) -> bool:
    return isinstance(content, dict) and "header" in content and "units" in content


def list_versions(engine: Engine, *, standard_id: int) -> list[dict[str, Any]]:
    """A standard's versions, newest first: number, created_at, author, note, ``has_content``
    (False for placeholder versions without a snapshot, such as the demo's seed version)."""
    with session_scope(engine) as session:
        load_standard(session, standard_id)
        rows = session.exec(select(StandardVersion, User.display_name)
                            .outerjoin(User, User.id == StandardVersion.author_id)
                            .where(StandardVersion.standard_id == standard_id)
                            .order_by(StandardVersion.number.desc())).all()
        return [{"id": v.id, "number": v.number, "created_at": v.created_at.isoformat(), "author": name or "",
                 "author_id": v.author_id, "note": v.note, "has_content": _has_content(v.content)}
                for v, name in rows]


def get_version(engine: Engine, *, standard_id: int, number: int) -> dict[str, Any]:
    """One version with its content snapshot."""
    with session_scope(engine) as session:
        version = session.exec(select(StandardVersion).where(StandardVersion.standard_id == standard_id,
                                                             StandardVersion.number == number)).first()
        if version is None:
            raise NotFound(f"version {number} of standard {standard_id} not found", number=number)
        author = session.get(User, version.author_id) if version.author_id else None
        return {"id": version.id, "number": version.number, "created_at": version.created_at.isoformat(),
                "author": author.display_name if author else "", "note": version.note,
                "has_content": _has_content(version.content), "content": version.content}


def _content_of(engine: Engine, standard_id: int, number: int) -> dict[str, Any]:
    version = get_version(engine, standard_id=standard_id, number=number)
    if not version["has_content"]:
        raise invalid("history.error.no_content", f"version {number} has no content snapshot", field="number",
                      number=number)
    return version["content"]


# --------------------------------------------------------------------------- diff (pure)


def text_diff(old: str, new: str) -> dict[str, Any]:
    """A prose diff: ``unified`` (line diff, for plain text display) and ``ops`` (character-level
    ``[{op, old, new}]`` with op equal / insert / delete / replace, for inline highlighting —
    Chinese paragraphs are one line, so lines alone say little)."""
    old, new = old or "", new or ""
    unified = list(difflib.unified_diff(old.splitlines(), new.splitlines(), "old", "new", lineterm=""))
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    ops = [{"op": tag, "old": old[i1:i2], "new": new[j1:j2]} for tag, i1, i2, j1, j2 in matcher.get_opcodes()]
    return {"unified": unified, "ops": ops}


def _match(old_rows: list[dict[str, Any]], new_rows: list[dict[str, Any]], natural: tuple[str, ...]) -> list[tuple]:
    """Pairs (old or None, new or None): by id first, then by the first non-blank natural key."""
    pairs, used_new = [], set()
    new_by_id = {r.get("id"): i for i, r in enumerate(new_rows) if r.get("id") is not None}
    unmatched_old = []
    for old in old_rows:
        i = new_by_id.get(old.get("id")) if old.get("id") is not None else None
        if i is not None and i not in used_new:
            pairs.append((old, new_rows[i]))
            used_new.add(i)
        else:
            unmatched_old.append(old)
    for old in unmatched_old:
        found = None
        for field in natural:
            value = str(old.get(field) or "").strip()
            if not value:
                continue
            found = next((i for i, r in enumerate(new_rows)
                          if i not in used_new and str(r.get(field) or "").strip() == value), None)
            if found is not None:
                break
        if found is None:
            pairs.append((old, None))
        else:
            pairs.append((old, new_rows[found]))
            used_new.add(found)
    pairs += [(None, r) for i, r in enumerate(new_rows) if i not in used_new]
    return pairs


def _row_label(table: str, row: dict[str, Any]) -> str:
    if table == "objectives":
        return f"{row.get('code') or ''} {str(row.get('text') or '')[:60]}".strip()
    return str(row.get("title") if table == "units" else row.get("name") or "")


def diff_content(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Differences between two ``standard_content`` snapshots (pure).

    ``header``: ``[{field, old, new, unified, ops}]`` for changed header and prose fields;
    ``objectives`` / ``units`` / ``assessment`` / ``alignments``: ``{added, removed, changed}``,
    changed rows as ``{label, id, fields: {field: {old, new}}}``; alignments are flattened to
    ``{target_type, target, code, level, status, …}`` and matched by target row and code.
    ``summary`` counts it all and ``identical`` is True when nothing differs.
    """
    result: dict[str, Any] = {"header": []}
    old_header, new_header = old.get("header", {}), new.get("header", {})
    for field in HEADER_FIELDS:
        a, b = old_header.get(field) or "", new_header.get(field) or ""
        if a != b:
            result["header"].append({"field": field, "old": a, "new": b, **text_diff(a, b)})
    alignment_pairs = []
    for table in TABLES:
        section = {"added": [], "removed": [], "changed": []}
        for a, b in _match(old.get(table, []), new.get(table, []), NATURAL_KEY[table]):
            if a is None:
                section["added"].append(b)
            elif b is None:
                section["removed"].append(a)
            else:
                fields = {f: {"old": a.get(f), "new": b.get(f)} for f in TABLE_FIELDS[table] if a.get(f) != b.get(f)}
                if fields:
                    section["changed"].append({"label": _row_label(table, b), "id": b.get("id"), "fields": fields})
            if table != "assessment":
                alignment_pairs.append((table, a, b))
        result[table] = section
    result["alignments"] = _diff_alignments(alignment_pairs)
    result["summary"] = {"header": len(result["header"]),
                         **{t: {k: len(v) for k, v in result[t].items()} for t in (*TABLES, "alignments")}}
    result["identical"] = not result["header"] and all(
        not any(result[t].values()) for t in (*TABLES, "alignments"))
    return result


def _diff_alignments(pairs: list[tuple[str, dict | None, dict | None]]) -> dict[str, list[dict[str, Any]]]:
    section: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": []}
    for table, a, b in pairs:
        row = b if b is not None else a
        base = {"target_type": table[:-1], "target_id": row.get("id"), "target": _row_label(table, row)}
        old_links = {x["code"]: x for x in (a or {}).get("alignments", [])}
        new_links = {x["code"]: x for x in (b or {}).get("alignments", [])}
        for code in sorted(set(old_links) | set(new_links)):
            x, y = old_links.get(code), new_links.get(code)
            if x is None:
                section["added"].append({**base, **y})
            elif y is None:
                section["removed"].append({**base, **x})
            else:
                fields = {f: {"old": x.get(f), "new": y.get(f)} for f in ALIGNMENT_FIELDS if x.get(f) != y.get(f)}
                if fields:
                    section["changed"].append({**base, "code": code, "fields": fields})
    return section


def diff_versions(engine: Engine, *, standard_id: int, a: int, b: int) -> dict[str, Any]:
    """``diff_content`` of version ``a`` (old) and version ``b`` (new) of a standard."""
    return {"a": a, "b": b, **diff_content(_content_of(engine, standard_id, a), _content_of(engine, standard_id, b))}


# --------------------------------------------------------------------------- restore


def restore_version(
    engine: Engine, *, actor: Actor, standard_id: int, version_number: int, expected_version: int, note: str = "",
) -> dict[str, Any]:
    """Make the standard hold an old version's content again, saved as a new version.

    Rows deleted since are re-created; alignments to competencies that no longer exist (or are
    retired and not aligned there now) are left out and listed in ``skipped_codes``. Alignment
    decisions are not restored: links that are kept keep their current status, re-created
    links are proposed anew. Returns ``save_standard``'s result plus ``restored_from``.
    """
    content = _content_of(engine, standard_id, version_number)
    current = standard_content(engine, standard_id)
    args = save_args_from_content(content)
    with session_scope(engine) as session:
        codes = {a["code"] for t in ("objectives", "units") for r in args[t] for a in r["alignments"]}
        nodes = {c.code: c for c in session.exec(select(Competency).where(
            Competency.program_id == current["meta"]["program_id"], Competency.code.in_(codes or {""}))).all()}
    skipped: set[str] = set()
    for table in TABLES:
        live = {r["id"]: r for r in current[table]}
        for row in args[table]:
            if row["id"] not in live:
                row["id"] = None
            if table == "assessment":
                continue
            now = {a["code"] for a in live[row["id"]]["alignments"]} if row["id"] is not None else set()
            kept = []
            for link in row["alignments"]:
                node = nodes.get(link["code"])
                if node is None or node.kind != "competency" or (node.status == "retired" and link["code"] not in now):
                    skipped.add(link["code"])
                else:
                    kept.append(link)
            row["alignments"] = kept
    result = save_standard(engine, actor=actor, standard_id=standard_id, expected_version=expected_version,
                           note=note or f"restored version {version_number}", **args)
    return {**result, "restored_from": version_number, "skipped_codes": sorted(skipped)}


# --------------------------------------------------------------------------- three-way merge (pure)


def _pick(base: Any, mine: Any, theirs: Any, prefer: str) -> tuple[Any, bool]:
    """(merged value, conflicted?) of one field."""
    if mine == theirs or theirs == base:
        return mine, False
    if mine == base:
        return theirs, False
    return (mine if prefer == "mine" else theirs), True


def _links(row: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    return {a["code"]: a for a in (row or {}).get("alignments") or []}


def _row_changed(table: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    if any(a.get(f) != b.get(f) for f in TABLE_FIELDS[table]):
        return True
    return table != "assessment" and {c: x.get("level") for c, x in _links(a).items()} != \
        {c: x.get("level") for c, x in _links(b).items()}


def _merge_links(base: dict, mine: dict, theirs: dict, prefer: str, conflict) -> list[dict[str, Any]]:
    b, m, t = _links(base), _links(mine), _links(theirs)

    def level(links: dict[str, dict[str, Any]], code: str) -> int | None:
        return links[code]["level"] if code in links else None

    merged = {}
    for code in [*m, *(c for c in t if c not in m), *(c for c in b if c not in m and c not in t)]:
        if code in m and code in t:
            value, clash = _pick(level(b, code), level(m, code), level(t, code), prefer)
            if clash:
                conflict(f"alignment:{code}", level(b, code), level(m, code), level(t, code))
            merged[code] = {**t[code], "level": value}
        elif code in m or code in t:
            side = m if code in m else t
            if code not in b:
                merged[code] = side[code]  # added on one side
            elif level(side, code) != level(b, code):  # removed on one side, changed on the other
                conflict(f"alignment:{code}", level(b, code), level(m, code), level(t, code))
                if (prefer == "mine") == (code in m):
                    merged[code] = side[code]
            # else removed on one side and untouched on the other: removed
    return list(merged.values())


def merge_content(base: dict[str, Any], mine: dict[str, Any], theirs: dict[str, Any], *,
                  prefer: str = "mine") -> dict[str, Any]:
    """Three-way merge of ``standard_content`` snapshots: ``base`` (what the editor started from),
    ``mine`` (the editor's unsaved content) and ``theirs`` (the current content, e.g. from a
    ``Conflict``'s ``current["content"]``).

    Header fields merge field by field; table rows by id (rows new on either side are kept, new
    rows of ``theirs`` after the row they follow there); row fields and nested alignments
    (by code) merge field by field. A field changed differently on both sides, or a row deleted
    on one side and changed on the other, is a conflict: the merged value follows ``prefer``
    ("mine" or "theirs") and the conflict is listed as ``{table, id, label, field, base, mine,
    theirs}``. Returns ``{merged, conflicts, clean}``; save ``merged`` with
    ``services.standards.save_args_from_content`` and the current version.
    """
    if prefer not in ("mine", "theirs"):
        raise ValueError("prefer is 'mine' or 'theirs'")
    conflicts: list[dict[str, Any]] = []
    merged: dict[str, Any] = {"meta": dict(theirs.get("meta") or mine.get("meta") or {}), "header": {}}
    for field in HEADER_FIELDS:
        b, m, t = (c.get("header", {}).get(field, "") for c in (base, mine, theirs))
        value, clash = _pick(b, m, t, prefer)
        merged["header"][field] = value
        if clash:
            conflicts.append({"table": "header", "id": None, "label": field, "field": field, "base": b, "mine": m,
                              "theirs": t})
    for table in TABLES:
        merged[table] = _merge_table(table, base.get(table, []), mine.get(table, []), theirs.get(table, []), prefer,
                                     conflicts)
    return {"merged": merged, "conflicts": conflicts, "clean": not conflicts}


def _merge_table(table: str, base_rows: list, mine_rows: list, theirs_rows: list, prefer: str,
                 conflicts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    base = {r["id"]: r for r in base_rows if r.get("id") is not None}
    mine = {r["id"]: r for r in mine_rows if r.get("id") is not None}
    theirs = {r["id"]: r for r in theirs_rows if r.get("id") is not None}
    fields = TABLE_FIELDS[table]

    def resolve(row_id: Any) -> dict[str, Any] | None:
        b, m, t = base.get(row_id), mine.get(row_id), theirs.get(row_id)
        label = _row_label(table, m or t or b)

        def conflict(field: str, bv: Any, mv: Any, tv: Any) -> None:
            conflicts.append({"table": table, "id": row_id, "label": label, "field": field, "base": bv, "mine": mv,
                              "theirs": tv})

        if b is None:  # new on a side (only theirs can have a new row with an id)
            return m or t
        if m is None and t is None:
            return None
        if m is None or t is None:
            present = m if m is not None else t
            if not _row_changed(table, b, present):
                return None  # deleted on one side, untouched on the other
            conflict("row", "present", "deleted" if m is None else "changed", "deleted" if t is None else "changed")
            keep = (prefer == "mine") == (m is not None)
            if not keep:
                return None
            return {**present, "id": None} if t is None else present  # gone from the database: re-create
        row = {**t}
        for field in fields:
            value, clash = _pick(b.get(field), m.get(field), t.get(field), prefer)
            row[field] = value
            if clash:
                conflict(field, b.get(field), m.get(field), t.get(field))
        if table != "assessment":
            row["alignments"] = _merge_links(b, m, t, prefer, conflict)
        return row

    out: list[dict[str, Any]] = []
    placed: set[Any] = set()
    for r in mine_rows:
        if r.get("id") is None:
            out.append(r)
            continue
        merged = resolve(r["id"])
        placed.add(r["id"])
        if merged is not None:
            out.append(merged)
    # rows only theirs still has (new there, or deleted by mine): place after the row they follow in theirs
    anchor_index = -1
    for r in theirs_rows:
        row_id = r.get("id")
        if row_id in placed:
            anchor_index = next((i for i, x in enumerate(out) if x.get("id") == row_id), anchor_index)
            continue
        placed.add(row_id)
        merged = resolve(row_id)
        if merged is not None:
            anchor_index += 1
            out.insert(anchor_index, merged)
    return out


# --------------------------------------------------------------------------- audit trail


def _moment(value: date | datetime | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.max if end else time.min)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def audit_events(
    engine: Engine, *, actor: Actor, program_id: int | None = None, username: str | None = None,
    entity_type: str | None = None, entity_id: int | None = None, action: str | None = None,
    since: date | datetime | None = None, until: date | datetime | None = None, limit: int = 500,
) -> pd.DataFrame:
    """Audit events, newest first, filtered by programme, user, entity, action and time (dates
    include the whole day; naive datetimes are UTC). Needs ``audit.view`` (admins and leads).

    A bulk import is one event (entity type "import", ``import_id`` its import record); the
    rows it created, changed or deleted are listed on its import record. Filtered by an entity
    (``entity_type`` and ``entity_id``), the result includes one entry per import that touched
    that row: action create / update / delete, the import's user and time, the file in the
    summary, before → after for a change. Filtered by ``entity_type`` alone, it includes one
    "import" entry per import that touched rows of that type.
    """
    require(actor, "audit.view")
    start, stop = _moment(since, end=False), _moment(until, end=True)
    with session_scope(engine) as session:
        query = _within(select(AuditEvent), AuditEvent, program_id=program_id, username=username, start=start,
                        stop=stop)
        if entity_type:
            query = query.where(AuditEvent.entity_type == entity_type)
        if entity_id is not None:
            query = query.where(AuditEvent.entity_id == entity_id)
        if action:
            query = query.where(AuditEvent.action == action)
        rows = session.exec(query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(max(limit, 0))).all()
        events = [{**{c: getattr(e, c) for c in AUDIT_COLUMNS[:-1]},
                   "import_id": e.entity_id if e.entity_type == "import" else None} for e in rows]
        if entity_type or entity_id is not None:
            events += _import_entries(session, program_id=program_id, username=username, entity_type=entity_type,
                                      entity_id=entity_id, action=action, start=start, stop=stop)
            events.sort(key=lambda e: (_moment(e["at"], end=False), e["id"] or 0), reverse=True)
            events = events[:max(limit, 0)]
    frame = pd.DataFrame(events, columns=AUDIT_COLUMNS)
    frame["program_id"] = frame["program_id"].astype("Int64")
    frame["entity_id"] = frame["entity_id"].astype("Int64")
    frame["import_id"] = frame["import_id"].astype("Int64")
    return frame


def _within(query, table, *, program_id: int | None, username: str | None, start: datetime | None,
            stop: datetime | None):
    """``query`` narrowed to a programme, a user and a time window on ``table``'s program_id, username and at
    (audit events and import records carry all three)."""
    if program_id is not None:
        query = query.where(table.program_id == program_id)
    if username:
        query = query.where(table.username == username)
    if start is not None:
        query = query.where(table.at >= start)
    if stop is not None:
        query = query.where(table.at <= stop)
    return query


def _imports(session, *, program_id: int | None, username: str | None = None, start: datetime | None = None,
             stop: datetime | None = None) -> list[tuple[ImportRecord, int | None]]:
    """Import records with an entity list, each with the id of its "import" audit event."""
    query = _within(select(ImportRecord, AuditEvent.id).outerjoin(
        AuditEvent, (AuditEvent.entity_type == "import") & (AuditEvent.entity_id == ImportRecord.id)), ImportRecord,
        program_id=program_id, username=username, start=start, stop=stop)
    found = [(record, event_id) for record, event_id in session.exec(query).all() if record.entities]
    return found + _restores(session, program_id=program_id, username=username, start=start, stop=stop)


def _restores(session, *, program_id: int | None, username: str | None, start: datetime | None,
              stop: datetime | None) -> list[tuple[Any, int]]:
    """A backup restore is one "restore" (or "merge") audit event on the programme whose ``after`` lists
    the rows it created the way an import record does; shaped like an import record for ``_import_entries``."""
    query = _within(select(AuditEvent).where(AuditEvent.entity_type == "program",
                                             AuditEvent.action.in_(("restore", "merge"))), AuditEvent,
                    program_id=program_id, username=username, start=start, stop=stop)
    out = []
    for event in session.exec(query).all():
        entities = (event.after or {}).get("entities") if isinstance(event.after, dict) else None
        if entities:
            out.append((SimpleNamespace(entities=entities, at=event.at, username=event.username,
                                        program_id=event.program_id, id=None, kind=event.action,
                                        filename=event.summary), event.id))
    return out


def _in_ranges(ranges: list[list[int]], entity_id: int) -> bool:
    """Whether ``entity_id`` lies in one of the sorted ``[[first, last], …]`` ranges."""
    i = bisect.bisect_right(ranges, [entity_id, float("inf")]) - 1
    return i >= 0 and ranges[i][0] <= entity_id <= ranges[i][1]


def _import_entries(session, *, program_id: int | None, username: str | None, entity_type: str | None,
                    entity_id: int | None, action: str | None, start: datetime | None, stop: datetime | None
                    ) -> list[dict[str, Any]]:
    """The entries ``audit_events`` adds for imports that touched the filtered entity (see there)."""
    out = []
    for record, event_id in _imports(session, program_id=program_id, username=username, start=start, stop=stop):
        entities = record.entities
        base = {"id": event_id, "at": record.at, "username": record.username, "program_id": record.program_id,
                "import_id": record.id}
        source = (f"import #{record.id} ({record.kind}): {record.filename}" if record.id is not None
                  else f"{record.kind}: {record.filename}")  # a backup restore (see _restores)
        if entity_id is None:  # a type only: one entry per import that touched rows of that type
            counts = [f"{section} {_count(entities.get(section, {}).get(entity_type))}"
                      for name, section in IMPORT_SECTIONS if entities.get(section, {}).get(entity_type)]
            if counts and action in (None, "import"):
                out.append({**base, "entity_type": entity_type, "entity_id": None, "action": "import",
                            "summary": f"{source} · {', '.join(counts)}", "before": None, "after": None})
            continue
        for name, section in IMPORT_SECTIONS:
            if action and action != name:
                continue
            listed = entities.get(section, {})
            for kind in [entity_type] if entity_type else sorted(listed):
                if section == "created":
                    if not _in_ranges(listed.get(kind) or [], entity_id):
                        continue
                    change = {}
                else:
                    change = (listed.get(kind) or {}).get(str(entity_id))
                    if change is None:
                        continue
                key = change.get("key")
                out.append({**base, "entity_type": kind, "entity_id": entity_id, "action": name,
                            "summary": f"{key} · {source}" if key else source,
                            "before": change.get("before"), "after": change.get("after")})
    return out


def _count(listed: list[list[int]] | dict[str, Any] | None) -> int:
    if isinstance(listed, dict):
        return len(listed)
    return sum(last - first + 1 for first, last in listed or [])


def audit_filters(engine: Engine, *, actor: Actor, program_id: int | None = None) -> dict[str, list[str]]:
    """The usernames, entity types and actions present in the audit trail, for filter widgets."""
    require(actor, "audit.view")
    with session_scope(engine) as session:
        query = select(AuditEvent.username, AuditEvent.entity_type, AuditEvent.action)
        if program_id is not None:
            query = query.where(AuditEvent.program_id == program_id)
        rows = session.exec(query.distinct()).all()
        # types only an import touched (its rows are listed on the import record, not as events)
        imported = {kind for record, _id in _imports(session, program_id=program_id)
                    for _name, section in IMPORT_SECTIONS for kind in record.entities.get(section, {})}
    return {"usernames": sorted({r[0] for r in rows if r[0]}), "entity_types": sorted({r[1] for r in rows} | imported),
            "actions": sorted({r[2] for r in rows})}



# --------------------------------------------------------------------------- version notes

# The notes the services write (English, stored as written); a note a user typed matches none
# and is shown as it is.
_NOTE_PATTERNS = (
    (r"save", "history.note.save"),
    (r"demo", "history.note.demo"),
    (r"created", "history.note.created"),
    (r"copied from (?P<source>.+)", "history.note.copied"),
    (r"restored version (?P<number>\d+)", "history.note.restored"),
    (r"revision (?P<revision>\S+) from approved revision (?P<source>\S+)", "history.note.revision"),
    (r"alignment (?P<code>\S+) level (?P<level>\d)", "history.note.alignment_level"),
    (r"alignment (?P<code>\S+) (?P<status>proposed|accepted|rejected)", "history.note.alignment_decided"),
    (r"alignment (?P<code>\S+) removed", "history.note.alignment_removed"),
    (r"suggested alignments (?P<codes>.+) proposed", "history.note.suggested"),
    (r"objectives drafted from aligned competencies", "history.note.drafted"),
    (r"import(?:ed)?(?: (?P<file>.+))?", "history.note.import"),
)


def note_text(note: str | None, lang: str) -> str:
    """A version's note in ``lang``: the services' own notes translated, a user's note unchanged."""
    import re

    from services.i18n import label, translate

    text = (note or "").strip()
    if not text:
        return translate("history.note.save", lang)
    for pattern, key in _NOTE_PATTERNS:
        match = re.fullmatch(pattern, text)
        if match:
            params = {k: v or "" for k, v in match.groupdict().items()}
            if "status" in params:
                params["status"] = label("alignment_status", params["status"], lang)
            return translate(key, lang, **params)
    return text
