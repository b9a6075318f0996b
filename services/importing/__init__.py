"""Spreadsheet import engine (issue #3): messy workbooks, CSVs, Moodle, OpenSALT, CASE, ESCO, O*NET.

Two steps for every caller (page, command line, test)::

    preview = analyse(data, filename, engine=engine, program_code="460305", lang="zh")  # nothing written
    result = commit(engine, actor=actor, preview=preview, skip_invalid=False,
                    progress_callback=lambda fraction, message: ...)                   # one transaction

``preview.to_dict()`` is plain data for a page: ``kind`` and ``kind_candidates``, ``sheets``
(rows, columns, hidden, used, header row, column mapping, sample rows), ``columns`` of the
chosen sheet (index, letter, label, field, confidence), ``fields`` a column may be mapped to,
``mark_scheme`` (matrix), ``counts`` (created / updated / unchanged / not_in_file / deleted per
area, task, competency, course, alignment, standard, rating), ``changes`` (the planned rows),
``errors`` and ``warnings`` ({file, sheet, row, column, message}) and ``ok``, and ``reading``:
per used sheet, its header rows, mapping, groups, ignored rows and columns with their reason,
split cells and orientation (docs/import.md).

A user's edit is another ``analyse`` call with the option changed: ``kind``, ``sheet``,
``header_row`` (1-based), ``mapping`` ({column letter, index or label: field, or None to
ignore; for a matrix also "course" or "course:<name>"}), ``marks`` (a scheme name or
"VALUE=LEVEL" pairs), ``orientation`` ("rows" / "columns"), ``replace_alignments``,
``row_roles`` ({1-based row: "data" | "ignore"}) and ``split_cells`` (False, or cells to keep whole).
``result.invalid_rows_xlsx`` holds the rows left out under ``skip_invalid``;
``list_imports`` lists the recorded imports; ``templates.template_workbook(kind)`` gives a
blank template.
"""

from services.importing.api import ImportPreview, ImportResult, analyse, commit, import_file, list_imports
from services.importing.detect import KINDS, available_kinds
from services.importing.limits import Limits
from services.importing.marks import SCHEME_NAMES

__all__ = ["KINDS", "SCHEME_NAMES", "ImportPreview", "ImportResult", "Limits", "analyse", "available_kinds",
           "commit", "import_file", "list_imports"]
