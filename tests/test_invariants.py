"""Vocabulary invariants (issue #11, STYLE 16): every course-standard field reaches every place that shows or
carries it — the editor, both catalogs, the backup (and its restore), the import template and the .docx and .xlsx
exports. Parametrised over the live field list, so a field added to ``services.vocabulary`` and forgotten
somewhere fails here, naming the field.
"""

from __future__ import annotations

import io
import json
import shutil
from functools import cache
from pathlib import Path

import docx
import openpyxl
import pytest

from services import programs, standards
from services.actor import SYSTEM
from services.db import make_engine
from services.exports import backup_document, export_standard_docx, export_standard_xlsx, restore_backup
from services.i18n import translate
from services.importing import import_file
from services.importing.templates import template_workbook
from services.vocabulary import STANDARD_FIELDS, STANDARD_HEADER_FIELDS, STANDARD_PROSE_FIELDS
from tests.standard_factories import make_world, version_of


def mark(field: str) -> str:
    """A value of ``field`` found nowhere else (short enough for the 32-character date fields)."""
    return f"mark-{field}"


@pytest.fixture(scope="module")
def built(sqlite_template, tmp_path_factory) -> dict:
    """One standard with every field set to its mark, what each path makes of it (computed once per module)."""
    folder = tmp_path_factory.mktemp("invariants")
    engines = []

    def fresh(name: str):
        path = folder / f"{name}.db"
        shutil.copy(sqlite_template, path)
        engines.append(make_engine(f"sqlite:///{path}"))
        return engines[-1]

    source, target = fresh("source"), fresh("target")
    world = make_world(source)
    standards.save_standard(source, actor=world.owner, standard_id=world.standard_id,
                            expected_version=version_of(source, world.standard_id),
                            header={f: mark(f) for f in STANDARD_FIELDS}, note="every field marked")
    doc = backup_document(source, actor=SYSTEM, program_id=world.program_id)
    assert restore_backup(target, actor=SYSTEM, data=json.dumps(doc).encode()).ok
    restored_program = programs.get_program(target, code=doc["programs"][0]["code"])
    restored_id = next(s["id"] for s in standards.list_standards(target, program_id=restored_program["id"]))
    result = {
        "backup": doc["programs"][0]["courses"][0]["standards"][0],
        "restored": standards.standard_document(target, standard_id=restored_id),
        "docx": _docx_text(export_standard_docx(source, actor=SYSTEM, standard_id=world.standard_id).content),
        "xlsx": _xlsx_text(export_standard_xlsx(source, actor=SYSTEM, standard_id=world.standard_id).content),
        "template": _imported_template(source, programs.get_program(source, program_id=world.program_id)["code"]),
    }
    for engine in engines:
        engine.dispose()
    return result


def _docx_text(content: bytes) -> str:
    document = docx.Document(io.BytesIO(content))
    cells = [c.text for table in document.tables for row in table.rows for c in row.cells]
    return "\n".join([p.text for p in document.paragraphs] + cells)


def _xlsx_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content))
    return "\n".join(str(v) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for v in row
                     if v is not None)


def _imported_template(engine, program_code: str) -> dict:
    """The import template with its blank values filled in, imported: the standard it creates."""
    book = openpyxl.load_workbook(io.BytesIO(template_workbook("standard")))
    course_sheet = book.worksheets[0]
    for label, value in course_sheet.iter_rows(min_row=2, max_col=2):
        if label.value and value.value in (None, ""):
            value.value = f"filled {label.row}"
    buffer = io.BytesIO()
    book.save(buffer)
    result = import_file(engine, actor=SYSTEM, data=buffer.getvalue(), filename="template.xlsx",
                         program_code=program_code)
    assert result.ok, result.errors
    program_id = programs.get_program(engine, code=program_code)["id"]
    created = max(standards.list_standards(engine, program_id=program_id), key=lambda s: s["id"])
    return standards.standard_document(engine, standard_id=created["id"])


@cache
def _catalog(lang: str) -> set[str]:
    root = Path(__file__).resolve().parent.parent / "locales"
    keys: set[str] = set()
    for path in [root / f"{lang}.json", *sorted(root.glob(f"{lang}.*.json"))]:
        keys |= set(json.loads(path.read_text(encoding="utf-8")))
    return keys


def test_the_vocabulary_is_the_standard_row():
    """Header and prose fields do not overlap, and together they are every text field of the standard row."""
    from models import CourseStandard

    assert not set(STANDARD_HEADER_FIELDS) & set(STANDARD_PROSE_FIELDS)
    text_columns = {name for name, f in CourseStandard.model_fields.items() if f.annotation is str}
    assert set(STANDARD_FIELDS) == text_columns - {"status", "rejection_reason"}


@pytest.mark.parametrize("field", STANDARD_FIELDS)
def test_field_is_in_the_editor(field):
    """The editor shows the field: a short input in the header block or a prose text area."""
    from ui import standard_editor

    assert field in (*standard_editor.SHORT_FIELDS, *standard_editor.PROSE_FIELDS)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("field", STANDARD_FIELDS)
def test_field_is_in_both_catalogs(field, lang):
    """The editor's and the import page's labels of the field exist in the zh and the en catalogs."""
    for key in (f"standards.page.field.{field}", f"import.page.field.{field}"):
        assert key in _catalog(lang), key
        assert translate(key, lang) != key


@pytest.mark.parametrize("field", STANDARD_FIELDS)
def test_field_is_in_the_backup_and_restored(built, field):
    """The backup carries the field and restoring it writes the same text back."""
    assert built["backup"][field] == mark(field)
    assert built["restored"][field] == mark(field)


@pytest.mark.parametrize("field", STANDARD_FIELDS)
def test_field_is_in_the_import_template(built, field):
    """The standard import template has a row for the field, and importing the template fills it."""
    assert built["template"][field], f"the template gives no {field}"


@pytest.mark.parametrize("kind", ["docx", "xlsx"])
@pytest.mark.parametrize("field", STANDARD_FIELDS)
def test_field_is_in_the_exports(built, field, kind):
    """The .docx and the .xlsx export of the standard show the field's text."""
    assert mark(field) in built[kind]
