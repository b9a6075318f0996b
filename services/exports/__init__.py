"""Exports (issue 6): one source, many files. Every exporter returns an ``ExportFile``
(bytes, a suggested file name carrying the programme / course code and the date, a media
type) and accepts ``progress(fraction, message)``.

- ``export_standard_xlsx`` / ``export_standard_docx``: a course standard in the school template.
- ``export_matrix_xlsx``: the programme's competency × course coverage matrix.
- ``export_gaps_xlsx``: the gap report with definitions.
- ``export_backup``: lossless backup of a programme or the database; ``restore_backup`` (it lives in
  ``services.importing.restore``, a restore being an import) is re-exported here for its callers.
- ``export_moodle_csv``, ``export_case_json``, ``export_opensalt_xlsx``: interchange formats.

Spreadsheet safety (formula injection) is described in ``services.exports.common``.
"""

from services.exports.backup import backup_document, export_backup
from services.exports.case_json import case_package, export_case_json
from services.exports.common import (
    ExportFile,
    Progress,
    csv_safe,
    current_standard_id,
    export_filename,
    is_formula_like,
    program_by_code,
    standard_filename,
)
from services.exports.gaps_xlsx import export_gaps_xlsx
from services.exports.matrix_xlsx import MARK_SCHEMES, export_matrix_xlsx
from services.exports.moodle_csv import export_moodle_csv
from services.exports.opensalt_xlsx import export_opensalt_xlsx
from services.exports.standard_docx import export_standard_docx
from services.exports.standard_xlsx import export_standard_xlsx

KINDS = ("standard", "matrix", "gaps", "backup", "moodle", "case", "opensalt")
FORMATS = {"standard": ("xlsx", "docx"), "matrix": ("xlsx",), "gaps": ("xlsx",), "backup": ("json", "zip"),
           "moodle": ("csv",), "case": ("json",), "opensalt": ("xlsx",)}

__all__ = [
    "FORMATS", "KINDS", "MARK_SCHEMES", "ExportFile", "Progress", "RestoreReport", "backup_document", "case_package",
    "csv_safe", "current_standard_id", "export_backup", "export_case_json", "export_filename", "export_gaps_xlsx",
    "export_matrix_xlsx", "export_moodle_csv", "export_opensalt_xlsx", "export_standard_docx",
    "export_standard_xlsx", "is_formula_like", "program_by_code", "restore_backup", "standard_filename",
]


def __getattr__(name: str):
    """``restore_backup`` and ``RestoreReport`` live in ``services.importing.restore`` (which imports the
    backup format from here): loaded on first use, so either package may be imported first."""
    if name in ("RestoreReport", "restore_backup"):
        from services.importing import restore

        return getattr(restore, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
