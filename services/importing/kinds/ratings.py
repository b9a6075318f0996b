"""``ratings``: DACUM verification survey results, one row per rater and competency.

Columns: rater, competency code (or its statement), importance 1–5, frequency 1–7,
difficulty 1–5, comment. Ratings are stored per rater (one per competency and rater,
updated on re-import); aggregation is the industry-side issue's job. The competencies
must already exist in the programme.
"""

from __future__ import annotations

from typing import Any

from services.importing.header import RATING_SYNONYMS, detect_header
from services.importing.kinds.framework import select_sheets
from services.importing.limits import Limits
from services.importing.readers import RawBook
from services.importing.records import Dataset, Issue, Origin, RatingIn
from services.importing.table import Options, Table, formula_issue, is_help_sheet, note_warnings
from services.outline import parse_importance

KIND = "ratings"
FIELDS = RATING_SYNONYMS
SCALES = {"importance": (1, 5), "frequency": (1, 7), "difficulty": (1, 5)}


def _scale(table: Table, cells: list[Any], index: int, name: str, problems: list[Issue]) -> int | None:
    col = table.column_for(name)
    text = table.text(cells, col)
    if col is None or not text:
        return None
    low, high = SCALES[name]
    try:
        value = parse_importance(text) if name == "importance" else None
        if value is None:
            number = float(text)
            if number != int(number):
                raise ValueError(text)
            value = int(number)
        if not low <= value <= high:
            raise ValueError(text)
        return value
    except ValueError:
        problems.append(table.issue(f"import.error.rating_{name}", index, col, value=text, low=low, high=high))
        return None


def parse(book: RawBook, options: Options, limits: Limits) -> Dataset:
    """Survey rows → ``Dataset.ratings`` keyed by (competency, rater)."""
    del limits
    dataset = Dataset(kind=KIND)
    tables = select_sheets(book, options, FIELDS, required=("rater",))
    sheets_info = {}
    for table in tables:
        supplied = frozenset(n for n in ("importance", "frequency", "difficulty", "comment")
                             if table.column_for(n) is not None)
        code_col, stmt_col = table.column_for("code"), table.column_for("statement")
        columns = table.field_columns()  # one per table, shared by its rows' origins
        for index, cells in table.data_rows():
            problems: list[Issue] = []
            for col in table.header.mapping:
                if col < len(cells):
                    issue = formula_issue(table, index, col, cells[col])
                    if issue:
                        problems.append(issue)
            rater = table.text(cells, table.column_for("rater"))
            code = table.text(cells, code_col).replace(" ", "")
            statement = table.text(cells, stmt_col)
            if not rater:
                problems.append(table.issue("import.error.rater_required", index, table.column_for("rater")))
            if not code and not statement:
                problems.append(table.issue("import.error.rating_competency_required", index,
                                            code_col if code_col is not None else stmt_col))
            values = {name: _scale(table, cells, index, name, problems) for name in SCALES}
            comment = table.text(cells, table.column_for("comment"))
            if problems:
                dataset.errors.extend(problems)
                continue
            key = code or f"\x00s:{statement}"
            if not code:
                dataset.node_refs[key] = {"statement": statement, "label": statement}
            dataset.ratings.append(RatingIn(competency=key, rater=rater[:128], comment=comment,
                                            origin=Origin(table.sheet_name, index + 1, columns=columns), fields=supplied,
                                            **values))
        note_warnings(dataset, table)
        sheets_info[table.sheet_name] = table.info()
    dataset.info["sheets"] = sheets_info
    return dataset


def score(book: RawBook) -> float:
    best = 0.0
    for sheet in book.sheets[:6]:
        if not sheet.rows or is_help_sheet(sheet.name):
            continue
        guess = detect_header(sheet, FIELDS)
        if guess is None:
            continue
        fields = set(guess.mapping.values())
        if "rater" in fields and fields & {"code", "statement"}:
            best = max(best, 0.5 + 0.15 * len(fields & {"importance", "frequency", "difficulty"}))
    return best
