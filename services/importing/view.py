"""Plain-data shapes for the import page (issue #3): labels, count and issue tables, history, mapping edits.

Everything here takes and returns plain data (dicts, lists, strings) in the user's language,
so the page only places it and tests can check it without Streamlit.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from services.i18n import translate

ACTIONS = ("created", "updated", "unchanged", "not_in_file", "deleted")
ENTITIES = ("area", "task", "competency", "course", "alignment", "standard", "rating")
IGNORE = ""  # the mapping editor's "not imported" choice
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# which page shows what an import wrote: (page path, its title key, icon, entities it shows)
REPORT_PAGES = (("pages/competencies.py", "nav.competencies", ":material/account_tree:",
                 ("area", "task", "competency", "rating")),
                ("pages/courses.py", "nav.courses", ":material/menu_book:", ("course", "standard")),
                ("pages/coverage.py", "nav.coverage", ":material/grid_on:", ("alignment",)))


def label(group: str, value: str | None, lang: str) -> str:
    """``import.page.<group>.<value>`` in ``lang``; the raw value when the catalog has no entry."""
    if value is None or value == "":
        return translate("import.page.field.ignore", lang)
    key = f"import.page.{group}.{value}"
    text = translate(key, lang)
    return value if text == key else text


def options_key(data: bytes, options: dict[str, Any], program_code: str, lang: str) -> str:
    """A stable hash of the file and the chosen options: the cache key of a preview."""
    digest = hashlib.sha256(data)
    digest.update(json.dumps([options, program_code, lang], sort_keys=True, default=str).encode())
    return digest.hexdigest()


def count_rows(counts: dict[str, dict[str, int]], lang: str) -> list[dict[str, Any]]:
    """One row per entity that any action touches: entity label, then one column per action."""
    rows = []
    for entity in ENTITIES:
        values = {action: int(counts.get(action, {}).get(entity, 0)) for action in ACTIONS}
        if any(values.values()):
            rows.append({translate("import.page.col.entity", lang): label("entity", entity, lang),
                         **{label("action", a, lang): v for a, v in values.items()}})
    return rows


def total(counts: dict[str, dict[str, int]], action: str) -> int:
    """How many rows of every entity ``action`` covers."""
    return sum(int(v) for v in counts.get(action, {}).values())


def issue_rows(issues: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Errors or warnings as table rows: file, sheet, row, column, message (already translated)."""
    names = {f: translate(f"import.page.col.{f}", lang) for f in ("file", "sheet", "row", "column", "message")}
    return [{names[f]: "" if issue.get(f) is None else str(issue.get(f)) for f in names} for issue in issues]


def change_rows(changes: list[dict[str, Any]], lang: str, *, limit: int = 500) -> list[dict[str, Any]]:
    """The planned changes (created / updated / not in file), unchanged rows left out."""
    out = []
    for change in changes:
        if change.get("action") == "unchanged":
            continue
        fields = ", ".join(f"{k}: {_short(old)} → {_short(new)}" for k, (old, new) in change.get("changes", {}).items())
        out.append({translate("import.page.col.action", lang): label("change", change.get("action"), lang),
                    translate("import.page.col.entity", lang): label("entity", change.get("entity"), lang),
                    translate("import.page.col.key", lang): str(change.get("key", "")),
                    translate("import.page.col.sheet", lang): change.get("sheet") or "",
                    translate("import.page.col.row", lang): "" if change.get("row") is None else str(change["row"]),
                    translate("import.page.col.changes", lang): fields})
        if len(out) >= limit:
            break
    return out


def _short(value: Any) -> str:
    text = "—" if value is None else str(value)
    return text if len(text) <= 40 else text[:39] + "…"


def mapping_rows(columns: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """The chosen sheet's columns for the mapping editor: letter, header, field label."""
    return [{"letter": c["letter"], "header": c.get("label") or "", "field": label("field", c.get("field"), lang)}
            for c in columns]


def sheet_label(sheet: dict[str, Any], lang: str) -> str:
    """A sheet's name with its row count, for the sheet picker."""
    return translate("import.page.sheet_option", lang, name=sheet["name"], rows=sheet["rows"])


def sample_rows(sheet: dict[str, Any], columns: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The sheet's first rows under the header, keyed "A 工作领域" so they line up with the mapping."""
    names = [f"{c['letter']} {c.get('label') or ''}".strip() for c in columns]
    return [dict(zip(names, [*row, *[""] * len(names)], strict=False)) for row in sheet.get("sample") or []
            if any(str(v).strip() for v in row)]


def field_choices(fields: list[str], kind: str | None, lang: str) -> dict[str, str]:
    """Field label → field name for the mapping editor (``""`` = not imported; a matrix adds "course")."""
    names = [*fields, "course"] if kind == "matrix" else list(fields)
    return {label("field", None, lang): IGNORE, **{label("field", f, lang): f for f in names}}


def mapping_changes(columns: list[dict[str, Any]], edited_labels: list[str], choices: dict[str, str]
                    ) -> dict[str, str | None]:
    """{column letter: field or None} for every column whose field the user changed in the editor."""
    out: dict[str, str | None] = {}
    for column, chosen in zip(columns, edited_labels, strict=True):
        field = choices.get(chosen, column.get("field") or IGNORE) or None
        if field != (column.get("field") or None):
            out[column["letter"]] = field
    return out


def history_rows(records: list[dict[str, Any]], lang: str) -> list[dict[str, Any]]:
    """Recorded imports for the history table: when, who, file, kind, outcome, counts."""
    col = {f: translate(f"import.page.col.{f}", lang) for f in ("at", "user", "file", "kind", "status", "created",
                                                                 "updated", "errors")}
    return [{col["at"]: r["at"][:16].replace("T", " "), col["user"]: r["username"] or "", col["file"]: r["filename"],
             col["kind"]: label("kind", r["kind"], lang),
             col["status"]: translate("import.page.status.ok" if r["ok"] else "import.page.status.rejected", lang),
             col["created"]: total(r["counts"] or {}, "created"), col["updated"]: total(r["counts"] or {}, "updated"),
             col["errors"]: r["errors"] or 0} for r in records]


def report_pages(counts: dict[str, dict[str, int]]) -> list[tuple[str, str, str]]:
    """(page path, title key, icon) of the pages that show what an import created or updated, in menu order."""
    touched = {e for action in ("created", "updated") for e, n in counts.get(action, {}).items() if n}
    return [(page, title, icon) for page, title, icon, entities in REPORT_PAGES if touched & set(entities)]


def reading_of(data: dict[str, Any]) -> dict[str, Any] | None:
    """The reading of the chosen sheet (the first used sheet when several are imported together)."""
    entries = data.get("reading") or []
    return next((e for e in entries if e["sheet"] == data.get("sheet")), entries[0] if entries else None)


def reading_summary(entry: dict[str, Any], lang: str) -> str:
    """One line: which rows are the header, how many rows were set aside, how many cells were split."""
    rows = entry["header_rows"]
    header = "—" if not rows else str(rows[0]) if len(rows) == 1 else f"{rows[0]}–{rows[-1]}"  # 填表说明: none
    ignored = sum(1 for i in entry["ignored"] if i["row"] is not None and i["reason"] != "blank")
    return translate("import.page.reading_summary", lang, sheet=entry["sheet"], header=header, ignored=ignored,
                     splits=len(entry["splits"]))


def group_rows(entry: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Groups (a merged category cell or a section row) and the rows they apply to."""
    col = {f: translate(f"import.page.col.{f}", lang) for f in ("field", "value", "source", "rows")}
    out = []
    for group in entry["groups"]:
        where = f"{group['column']}{group['row']}" if group["column"] else translate(
            "import.page.section_row", lang, row=group["row"])
        out.append({col["field"]: label("field", group["field"], lang), col["value"]: group["value"],
                    col["source"]: where, col["rows"]: f"{group['rows'][0]}–{group['rows'][1]}"})
    return out


def ignored_rows(entry: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """The rows set aside, for display: row, reason (translated), text; blank rows left out."""
    col = {f: translate(f"import.page.col.{f}", lang) for f in ("row", "reason", "text")}
    return [{col["row"]: item["row"], col["reason"]: translate(f"import.reason.{item['reason']}", lang),
             col["text"]: item["text"]} for item in entry["ignored"] if item["row"] is not None
            and item["reason"] != "blank"]


def row_choices(entry: dict[str, Any], row_roles: dict[Any, str] | None, lang: str) -> dict[int, str]:
    """Row number → label for the "import as data" picker: the ignored rows and those already turned into data."""
    out = {int(r): translate("import.page.row_choice", lang, row=int(r), reason=translate("import.page.reason_user",
                                                                                          lang), text="")
           for r, role in (row_roles or {}).items() if role == "data"}
    for item in entry["ignored"]:
        if item["row"] is not None and item["reason"] != "blank":
            out[item["row"]] = translate("import.page.row_choice", lang, row=item["row"], text=item["text"][:30],
                                         reason=translate(f"import.reason.{item['reason']}", lang))
    return dict(sorted(out.items()))


def rows_as_data(row_roles: dict[Any, str] | None) -> list[int]:
    """The rows the user turned into data (the picker's current value)."""
    return sorted(int(r) for r, role in (row_roles or {}).items() if role == "data")


def row_roles_option(chosen: list[int], row_roles: dict[Any, str] | None) -> dict[int, str]:
    """``row_roles`` with exactly ``chosen`` read as data (other roles the user set are kept)."""
    roles = {int(r): role for r, role in (row_roles or {}).items() if role != "data"}
    roles.update({int(r): "data" for r in chosen})
    return roles


def split_rows(entry: dict[str, Any], lang: str) -> list[dict[str, Any]]:
    """Split cells with their parts, one row per part."""
    col = {f: translate(f"import.page.col.{f}", lang) for f in ("cell", "part", "text")}
    return [{col["cell"]: f"{s['column']}{s['row']}", col["part"]: number, col["text"]: part}
            for s in entry["splits"] for number, part in enumerate(s["parts"], start=1)]


def split_choices(entry: dict[str, Any], keep_whole: list[str] | None) -> list[str]:
    """Cells the "keep whole" picker offers: the split cells and those already kept whole."""
    cells = {f"{s['column']}{s['row']}" for s in entry["splits"]} | set(keep_whole or [])
    return sorted(cells, key=lambda c: (int("".join(ch for ch in c if ch.isdigit()) or 0), c))
