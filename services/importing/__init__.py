"""Spreadsheet import engine (issue #3): messy workbooks, CSVs, Moodle, OpenSALT, CASE, ESCO, O*NET.

Two steps for every caller (page, command line, test)::

    preview = analyse(data, filename, engine=engine, program_code="460305")   # nothing written
    result = commit(engine, actor=actor, preview=preview, progress_callback=cb)  # one transaction

``preview.to_dict()`` is plain data: detected kind, sheets, header row, column mapping,
mark scheme, counts of what would be created / updated / unchanged / not in the file,
and row-level errors and warnings. Editing an option means calling ``analyse`` again.
"""

from services.importing.api import ImportPreview, ImportResult, analyse, commit, import_file, list_imports
from services.importing.detect import KINDS, available_kinds
from services.importing.limits import Limits
from services.importing.marks import SCHEME_NAMES

__all__ = ["KINDS", "SCHEME_NAMES", "ImportPreview", "ImportResult", "Limits", "analyse", "available_kinds",
           "commit", "import_file", "list_imports"]
