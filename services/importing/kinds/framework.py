"""``framework``: a competency analysis (职业能力分析表) or any competency list.

Two layouts, chosen from the mapped columns:

* hierarchy columns — 工作领域 | 工作任务 | 职业能力 with the area and task cells merged (or
  simply left blank) over their children; codes from code columns or from an outline
  number at the start of the text ("1.2.3 能识读…");
* a flat list — code | statement with a parent-code column, a kind column, or outline
  codes whose prefixes give the tree ("1.2" is the parent of "1.2.3").

Several matching sheets are imported together; flat lists on several sheets become one
area per sheet.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from itertools import repeat
from typing import Any

from services.importing.header import SYNONYMS
from services.importing.limits import Limits
from services.importing.readers import RawBook, RawSheet, cell_text
from services.importing.records import Dataset, ImportRejected, Issue, Origin
from services.importing.splits import may_hold_lists, may_split, single_item, split_statements
from services.importing.table import (
    Options,
    Table,
    formula_issue,
    is_help_sheet,
    note_warnings,
    open_table,
    split_leading_code,
)
from services.importing.tree import TEMP, Prov, code_text, finalize
from services.importing.weights import WeightTables, read_weight_tables
from services.outline import normalize_text, parse_comp_type, parse_importance

KIND = "framework"
FIELDS = SYNONYMS
NODE_FIELDS = ("comp_type", "importance", "required_level", "job_role", "notes", "external_uri", "cert_level")
KIND_WORDS = {
    "area": "area", "领域": "area", "工作领域": "area", "行动领域": "area", "domain": "area", "duty": "area",
    "1": "area", "一级": "area",
    "task": "task", "任务": "task", "工作任务": "task", "典型工作任务": "task", "2": "task", "二级": "task",
    "competency": "competency", "能力": "competency", "职业能力": "competency", "competence": "competency",
    "skill": "competency", "3": "competency", "三级": "competency", "技能要求": "competency",
}


_LIST_MARK = re.compile(r"^\s*\d{1,2}\s*[.．、)）](?!\d)")


@dataclass
class RowNodes:
    """What the row side of a sheet produced: provisional nodes and, per data row, its node's key."""

    provs: list[Prov] = field(default_factory=list)
    row_key: dict[int, str] = field(default_factory=dict)
    hierarchical: bool = False
    rejected: list[Prov] = field(default_factory=list)  # rows with errors: their codes still count for duplicates


def select_sheets(book: RawBook, options: Options, fields: dict[str, tuple[str, ...]], *,
                  required: tuple[str, ...]) -> list[Table]:
    """The chosen sheet, or every visible sheet whose header maps the required fields."""
    if options.sheet:
        sheet = book.sheet(options.sheet)
        if sheet is None:
            raise ImportRejected(Issue("import.error.no_such_sheet", {"sheet": options.sheet,
                                                                      "sheets": ", ".join(s.name for s in book.sheets)},
                                       file=book.filename))
        candidates = [sheet]
    else:
        candidates = [s for s in book.sheets if not s.hidden and s.rows and not is_help_sheet(s.name)] or \
            [s for s in book.sheets if s.rows]
    tables = []
    for sheet in candidates:
        table = open_table(book, sheet, fields, options, required=required)
        if table is not None:
            tables.append(table)
    if not tables:
        raise ImportRejected(Issue("import.error.no_header", {
            "fields": ", ".join(required), "rows": 30}, file=book.filename, sheet=options.sheet))
    return tables


class RowReader:
    """Reads the value columns of framework rows; parses each distinct combination of cell values once."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self.cols = {name: table.column_for(name) for name in NODE_FIELDS}
        self.parsed = [(name, parser, key, self.cols[name]) for name, parser, key in (
            ("comp_type", parse_comp_type, "import.error.comp_type"),
            ("importance", parse_importance, "import.error.importance"),
            ("required_level", _required_level, "import.error.required_level")) if self.cols[name] is not None]
        self.importance_col = self.cols["importance"]
        self.plain = [name for name in ("job_role", "notes", "external_uri", "cert_level")
                      if self.cols[name] is not None]
        # the columns ``from_texts`` reads, in order: the parsed ones, then the plain ones
        self.columns = [col for *_, col in self.parsed] + [self.cols[name] for name in self.plain]
        # texts of the parsed columns → (the values that parse, (issue key, column, text) of those that do not)
        self.memo: dict[tuple[str, ...], tuple[dict[str, Any], list[tuple[str, int, str]]]] = {}

    def star_scale(self, texts: list[str]) -> None:
        """★ marks count on a five-star scale when any cell has four or more, else ★★★/★★/★ = 核心/重要/一般."""
        distinct = set(texts)
        if any(t.count("★") + t.count("☆") > 3 for t in distinct if "★" in t or "☆" in t):
            self.parsed = [(name, functools.partial(parser, stars=5) if name == "importance" else parser, key, col)
                           for name, parser, key, col in self.parsed]

    def _parse(self, texts: tuple[str, ...]) -> tuple[dict[str, Any], list[tuple[str, int, str]]]:
        values: dict[str, Any] = {}
        failures: list[tuple[str, int, str]] = []
        for (name, parser, key, col), text in zip(self.parsed, texts, strict=True):
            try:
                values[name] = parser(text)
            except ValueError:
                failures.append((key, col, text))
        self.memo[texts] = (values, failures)
        return values, failures

    def values(self, index: int, cells: list[Any], problems: list[Issue]) -> dict[str, Any]:
        """Type, importance, required level, job role, notes, URI of one row (problems appended, not raised)."""
        return self.from_texts(index, tuple(self.table.text(cells, col) for col in self.columns), problems)

    def from_texts(self, index: int, texts: tuple[str, ...], problems: list[Issue]) -> dict[str, Any]:
        """``values`` from the texts (``Table.text``) of the row's ``columns``."""
        count = len(self.parsed)
        plain = self.plain
        parsed = texts[:count] if plain else texts
        entry = self.memo.get(parsed)
        ok, failures = entry if entry is not None else self._parse(parsed)
        values = ok.copy()
        for key, col, text in failures:
            problems.append(self.table.issue(key, index, col, value=text))
        if plain:
            for name, text in zip(plain, texts[count:], strict=True):
                values[name] = text or ("" if name != "job_role" else None)
        return values


def _required_level(text: str) -> int | None:
    if not text:
        return None
    level = _int_in(text, 1, 3)
    if level is None:
        raise ValueError(text)
    return level


def _int_in(text: str, low: int, high: int) -> int | None:
    try:
        number = float(text)
    except ValueError:
        return None
    if number != int(number) or not low <= number <= high:
        return None
    return int(number)


def parse_rows(table: Table, dataset: Dataset, *, parent_key: str | None = None, prefix: str = "",
               sort_base: int = 0, allow_code_only: bool = False) -> RowNodes:
    """The framework nodes of one sheet's rows (both layouts); row problems go to ``dataset.errors``."""
    area_col, task_col = table.column_for("area"), table.column_for("task")
    area_code_col, task_code_col = table.column_for("area_code"), table.column_for("task_code")
    code_col, stmt_col = table.column_for("code"), table.column_for("statement")
    parent_col, kind_col = table.column_for("parent"), table.column_for("kind")
    path_col = table.column_for("path") if parent_col is None else None
    if area_col is None and not allow_code_only and table._regions is None and (task_col is not None
                                                                                or code_col is None):
        table.section_field = "area"  # "一、工业机器人安装" rows are the work areas of the rows under them
    hierarchy_cols = {c for c in (area_col, task_col, area_code_col, task_code_col) if c is not None}
    table.fill_down(hierarchy_cols)  # classifies the rows first: a note merged across is never filled down
    sections = area_col is None and any(g.field == "area" for g in table.regions.groups)
    result = RowNodes(hierarchical=area_col is not None or task_col is not None or sections)
    supplied = frozenset(f for f in NODE_FIELDS if table.column_for(f) is not None)
    reader = RowReader(table)
    value_columns = _value_columns(table)
    mapped_columns = list(table.header.mapping)
    formulas = bool(table.sheet.formula_cells)
    split = _memo(split_leading_code)
    split_cells = table.keep_whole is not True and stmt_col is not None
    groups: dict[str, Prov] = {}
    current_area: str | None = None
    current_task: str | None = None
    # hot loop: locals instead of attribute lookups; the texts read column by column (absent columns read "")
    rows = list(table.data_rows())
    cells_of = [cells for _index, cells in rows]
    columns = table.columns(cells_of, (area_col, area_code_col, task_col, task_code_col, stmt_col, code_col, kind_col,
                                       parent_col, *reader.columns))
    if sections:
        section = table.section_value
        columns[0] = [section(index) or "" for index, _cells in rows]
    for position in (1, 3, 5, 7):  # codes: width-folded, no spaces, no trailing dots
        if not isinstance(columns[position], repeat):
            columns[position] = list(map(code_text, columns[position]))
    if reader.importance_col is not None:
        reader.star_scale(columns[8 + reader.columns.index(reader.importance_col)])
    value_texts = zip(*columns[8:], strict=True) if reader.columns else repeat(())
    lists = not isinstance(columns[4], repeat) and may_hold_lists(columns[4])  # else no row's statement is a list
    lines = zip(rows, *columns[:8], value_texts, strict=False)  # absent columns are endless
    row_values = reader.from_texts
    text = table.text
    sheet_name = table.sheet_name
    hierarchical = result.hierarchical
    has_code, has_kind, has_parent = code_col is not None, kind_col is not None, parent_col is not None
    provs, row_key, rejected, errors = result.provs, result.row_key, result.rejected, dataset.errors
    # area and task cells repeat row after row: the same texts (and owner) give the same key, already handled
    last_area = last_area_code = last_task = last_task_code = last_owner = task_key = None
    alone_items: list[tuple[int, int | None, list[str]]] = []
    label = table.header.label
    # the column that places a row in the tree, named by a hierarchy error (services.hierarchy's rule)
    placed_by = label(kind_col) if has_kind else label(parent_col) if has_parent else \
        label(stmt_col) if stmt_col is not None else None
    columns = table.field_columns()  # a competency row's fields → their columns (one dict, shared by the rows)
    area_label = label(area_col) if area_col is not None else placed_by
    task_label = label(task_col) if task_col is not None else placed_by
    for ((index, cells), area_text, area_code, task_text, task_code, statement, code, kind_word, parent_text,
         texts) in lines:
        problems: list[Issue] = []
        if formulas:
            for col in mapped_columns:
                if col < len(cells):
                    issue = formula_issue(table, index, col, cells[col])
                    if issue:
                        problems.append(issue)
        origin = Origin(sheet_name, index + 1, placed_by, columns)
        if hierarchical:
            if area_text and (area_text != last_area or area_code != last_area_code):
                last_area, last_area_code = area_text, area_code
                lead, name = split(area_text)
                key = area_code or (code_text(lead) if lead else None) or f"{TEMP}{prefix}a:{normalize_text(name)}"
                if key not in groups:
                    groups[key] = Prov(key=key, statement=name, parent=parent_key, kind="area",
                                       origin=Origin(sheet_name, index + 1, area_label),
                                       values={"sort_order": sort_base + index})
                    provs.append(groups[key])
                if key != current_area:
                    current_task = None
                current_area = key
            if task_text:
                owner = current_area or parent_key
                if task_text != last_task or task_code != last_task_code or owner != last_owner:
                    last_task, last_task_code, last_owner = task_text, task_code, owner
                    lead, name = split(task_text)
                    task_key = task_code or (code_text(lead) if lead else None) or \
                        f"{TEMP}{prefix}t:{owner}:{normalize_text(name)}"
                    if task_key not in groups:
                        groups[task_key] = Prov(key=task_key, statement=name, parent=owner, kind="task",
                                                origin=Origin(sheet_name, index + 1, task_label),
                                                values={"sort_order": sort_base + index})
                        provs.append(groups[task_key])
                current_task = task_key
        parts = listed = alone = None
        if lists:
            if statement and may_split(statement):
                listed = split_statements(statement)
                if listed is not None and split_cells and table.split_allowed(index, stmt_col):
                    parts = listed
            if listed is None and hierarchical and statement and split_cells and table.split_allowed(index,
                                                                                                      stmt_col):
                alone = single_item(statement)
                if alone is not None:  # "（1）能…" alone under its task: a list of one, its number is not the text
                    statement = alone
        coded_alone = None
        if statement and not has_code and listed is None:
            lead, rest = split_leading_code(statement)
            if lead and rest:
                if "." in lead or not hierarchical:
                    code, statement = code_text(lead), rest
                    coded_alone = code
                elif _LIST_MARK.match(statement):
                    statement = rest  # "1.能…" under a task is a list number, not the competency's code
        if not statement and allow_code_only and code:
            pass
        elif not statement:
            if code or any(text(cells, c) for c in value_columns):
                problems.append(table.issue("import.error.statement_required", index, stmt_col))
            if problems:
                errors.extend(problems)
            continue
        values = row_values(index, texts, problems)
        kind = None
        if has_kind:
            word = normalize_text(kind_word).lower() if kind_word else ""
            kind = KIND_WORDS.get(word)
            if word and kind is None:
                problems.append(table.issue("import.error.kind", index, kind_col, value=word))
        if hierarchical:
            parent = current_task or current_area or parent_key
            kind = kind or "competency"
        elif has_parent:
            parent = parent_text or parent_key
        elif path_col is not None and text(cells, path_col).strip("/ "):
            # "/COPREV/COPREV.1/COPREV.1.1": the last step names the row, the one before it its parent
            steps = [step for step in text(cells, path_col).split("/") if step.strip()]
            code = code or code_text(steps[-1].strip())
            parent = code_text(steps[-2].strip()) if len(steps) > 1 else parent_key
        else:
            parent = parent_key
        key = code if code else f"{TEMP}{prefix}c:{index}"
        if problems:
            errors.extend(problems)
            if code:
                rejected.append(Prov(key=key, statement=statement, origin=origin))
            continue
        values["sort_order"] = sort_base + index
        if parts is not None:
            keys = []
            statements = []
            for number, part in enumerate(parts, start=1):
                part_key = f"{TEMP}{prefix}c:{index}:{number}"
                lead, rest = split_leading_code(part) if not has_code else (None, part)
                if lead and rest and "." in lead:  # "1.1.1 能…" lines keep their own codes
                    part_key, part = code_text(lead), rest
                keys.append(part_key)
                statements.append(part)
                provs.append(Prov(key=part_key, statement=part, parent=parent, kind=kind, values=dict(values),
                                  origin=origin, fields=supplied))
            table.splits.append((index, stmt_col, statements))  # the statements as stored (codes apart)
            row_key[index] = keys[0]
            continue
        if coded_alone is not None or alone is not None:
            alone_items.append((index, stmt_col, [statement]))
        provs.append(Prov(key=key, statement=statement, parent=parent, kind=kind, values=values, origin=origin,
                          fields=supplied))
        row_key[index] = key
    if alone_items and any(len(p) > 1 for _r, c, p in table.splits if c == stmt_col):
        # in a column of list cells ("1.能…\n2.能…", "1.1.1 能…\n1.1.2 能…"), a cell with one item is a list of one
        table.splits.extend(alone_items)
        table.splits.sort()
    note_warnings(dataset, table)
    return result


def _memo(func):
    cache: dict[Any, Any] = {}

    def cached(arg):
        if arg not in cache:
            cache[arg] = func(arg)
        return cache[arg]
    return cached


def _value_columns(table: Table) -> list[int]:
    return [i for i, f in table.header.mapping.items() if f in NODE_FIELDS or f in ("parent", "kind")]




def codes_as_numbers_warning(table: Table, dataset: Dataset) -> None:
    """Warn once when a code column holds numbers: "1.10" typed as a number reads back as 1.1."""
    for name in ("code", "parent", "area_code", "task_code"):
        col = table.column_for(name)
        if col is None:
            continue
        for index in range(table.header.data_start, min(len(table.sheet.rows), table.header.data_start + 5000)):
            value = table.sheet.cell(index, col)
            if isinstance(value, float) and not value.is_integer():
                dataset.warnings.append(table.issue("import.warning.numeric_codes", index, col,
                                                    value=cell_text(value)))
                break


def score(book: RawBook) -> float:
    """How much the book looks like a competency list (0–1)."""
    best = 0.0
    for sheet in book.sheets[:6]:
        if is_help_sheet(sheet.name):
            continue
        guess = _guess(sheet)
        if guess is None:
            continue
        fields = set(guess.mapping.values())
        value = 0.0
        if "statement" in fields:
            value += 0.4
        if fields & {"area", "task"}:
            value += 0.35
        if fields & {"code", "parent", "importance", "comp_type"}:
            value += 0.15
        best = max(best, value)
    return best


def _guess(sheet: RawSheet):
    from services.importing.header import detect_header

    return detect_header(sheet, FIELDS) if sheet.rows else None


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """Bytes already read → framework nodes (``Dataset.nodes``) with row-level errors."""
    dataset = Dataset(kind=KIND, complete_for=("area", "task", "competency"))
    weights = read_weight_tables(book) if not options.sheet else None
    if weights and weights.sheets:  # a 国家职业技能标准's weight tables: their own sheets, not requirements
        book = replace(book, sheets=[s for s in book.sheets if s.name not in weights.sheets])
    tables = select_sheets(book, options, FIELDS, required=("statement",))
    flat_sheets = len(tables) > 1 and not any(
        t.column_for("area") is not None or t.column_for("task") is not None for t in tables)
    provs: list[Prov] = []
    rejected: list[Prov] = []
    sheets_info: dict[str, Any] = {}
    for number, table in enumerate(tables, start=1):
        parent_key = None
        if flat_sheets:
            parent_key = f"{TEMP}sheet:{number}"
            provs.append(Prov(key=parent_key, statement=normalize_text(table.sheet_name), kind="area",
                              origin=Origin(table.sheet_name, None), values={"sort_order": (number - 1) * 1_000_000}))
        codes_as_numbers_warning(table, dataset)
        rows = parse_rows(table, dataset, parent_key=parent_key, prefix=f"{number}:",
                          sort_base=(number - 1) * 1_000_000)
        provs.extend(rows.provs)
        rejected.extend(rows.rejected)
        sheets_info[table.sheet_name] = table.info()
    infer = not any(t.column_for("parent") is not None for t in tables)
    dataset.info["outline_parents"] = infer
    dataset.nodes = finalize(dataset, provs, limits=limits, filename=book.filename, infer_outline_parents=infer,
                             rejected=rejected)
    dataset.info["sheets"] = sheets_info
    if weights and weights.sheets:
        _attach_weights(dataset, weights, filename=book.filename)
    if _identifiers_only(dataset.nodes):
        raise ImportRejected(Issue("import.error.identifiers_only", {
            "examples": ", ".join(n.statement for n in dataset.nodes[:3])}, file=book.filename,
            sheet=tables[0].sheet_name))
    return dataset


def _attach_weights(dataset: Dataset, weights: WeightTables, *, filename: str) -> None:
    """The weight tables go with the file's one source: the job role its requirements name."""
    dataset.errors.extend(weights.errors)
    roles = {n.job_role for n in dataset.nodes if n.job_role}
    if len(roles) != 1:
        dataset.errors.append(Issue("import.error.weights_source", {"n": len(roles)}, file=filename,
                                    sheet=weights.sheets[0]))
        return
    dataset.skill_weights = weights.rows
    dataset.info["skill_weights"] = {"job_role": next(iter(roles)), "cells": len(weights.rows),
                                     "sheets": weights.sheets,
                                     **{part: weights.levels(part) for part in ("theory", "skill")}}


_IDENTIFIER = re.compile(r"^[A-Za-z]{1,8}[-_.]?\d{1,5}[A-Za-z]?$")


def _identifiers_only(nodes: list) -> bool:
    """A flat list whose every "statement" is an identifier (UC51, UC52 …) names things, it states no competency:
    it is refused rather than stored as competencies (a teaching-unit list exported by a plugin)."""
    if len(nodes) < 5 or any(n.parent for n in nodes):
        return False
    return all(_IDENTIFIER.match(n.statement.strip()) for n in nodes)
