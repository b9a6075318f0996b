"""Issue #12 holes 5 and 6: control characters out of every text that comes in, per-field length limits,
the import's row limit checked while streaming, restore held to size/depth/count limits."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import String, Text, select

from models import Competency, metadata
from services import framework
from services.actor import SYSTEM
from services.errors import ValidationFailed, error_lines
from services.exports import export_backup, restore_backup
from services.importing import import_file
from services.importing.limits import Limits
from services.importing.readers import read_book
from services.importing.records import ImportRejected
from services.textguard import FIELD_LIMITS, base_type, strip_controls
from tests.factories import make_framework, make_program
from tests.importing.conftest import table_counts, xlsx_bytes

HOSTILE = "能\x00一\x1b[31m红\x1b[0m\u202e反\u2066隔\u2069\x07"
# columns that hold no user-written text: codes of enums, hashes, tokens, machine names
MACHINE_COLUMNS = {"role", "side", "password_hash", "preferred_lang", "token_hash", "language", "source", "kind",
                   "comp_type", "status", "proposed_side", "course_type", "dimension", "category", "target",
                   "author_side", "rater_side", "entity_type", "action", "summary", "reason", "filename", "username",
                   "decision", "decided_side", "page", "key", "side_of", "item_kind", "item_key", "competency_code", "event", "link",
                   "scope", "marked_side", "part"}


def test_strip_controls_removes_only_controls():
    """NUL, C0 (not tab/newline/CR), escape sequences and bidi overrides go; everything else stays."""
    assert strip_controls(HOSTILE) == "能一红反隔"
    kept = "第一行\n第二行\t制表\r\n全角，标点 ① 😀 ＡＢＣ  两个空格 "
    assert strip_controls(kept) == kept


def test_every_user_text_column_has_a_limit_within_its_column():
    """One table of limits: every String/Text column written by users is listed, no limit above VARCHAR size."""
    missing = []
    for table in metadata.sorted_tables:
        for column in table.columns:
            kind = base_type(column)
            if not isinstance(kind, (String, Text)) or column.name in MACHINE_COLUMNS:
                continue
            limit = FIELD_LIMITS.get(table.name, {}).get(column.name)
            size = getattr(kind, "length", None)
            if limit is None:
                missing.append(f"{table.name}.{column.name}")
            elif size:
                assert limit <= size, f"{table.name}.{column.name}: limit {limit} over VARCHAR({size})"
    assert not missing, missing


def _csv(*rows: str) -> bytes:
    return "\n".join(["编码,能力描述", "1,领域", *rows]).encode("utf-8")


def test_nul_cell_import_succeeds_with_a_located_warning(engine):
    """A NUL/ESC/bidi cell imports on SQLite and PostgreSQL (no psycopg.DataError), stripped, warning names the cell."""
    result = import_file(engine, actor=SYSTEM, data=_csv(f"1.1,{HOSTILE}"), filename="nul.csv", program_code="NUL",
                         lang="en")
    assert result.ok, result.errors
    warning = next(w for w in result.warnings if w["key"] == "import.warning.control_chars")
    assert (warning["file"], warning["sheet"], warning["row"]) == ("nul.csv", "nul", 3)
    assert warning["column"].startswith("B")
    with engine.connect() as conn:
        stored = conn.execute(select(Competency.statement).where(Competency.code == "1.1")).scalar_one()
    assert stored == "能一红反隔"


def test_nul_in_json_and_xlsx_escape_is_removed():
    """A JSON string with \\u0000 and an .xlsx cell with Excel's _x0000_ escape come out without it."""
    book = read_book(json.dumps([{"code": "1", "statement": "a\u0000b\u202e"}]).encode(), "x.json")
    assert book.json_data[0]["statement"] == "ab" and book.sheets[0].rows[1][1] == "ab"
    assert any(w.key == "import.warning.control_chars_json" for w in book.warnings)
    book = read_book(xlsx_bytes([["编码", "能力描述"], ["1", "a_x0000_b_x001B_c"]]), "x.xlsx")
    assert book.sheets[0].rows[1][1] == "abc"
    assert [(w.key, w.row, w.column) for w in book.warnings] == [("import.warning.control_chars", 2, "B 能力描述")]


def test_nul_xlsx_cell_imports_on_both_databases(engine):
    """The issue's crash: an .xlsx cell holding NUL (Excel's _x0000_) imports on PostgreSQL too, with a warning."""
    data = xlsx_bytes([["编码", "能力描述"], ["1", "领域"], ["1.1", "能_x0000_完成"]])
    result = import_file(engine, actor=SYSTEM, data=data, filename="nul.xlsx", program_code="NULX", lang="en")
    assert result.ok, result.errors
    assert [(w["sheet"], w["row"]) for w in result.warnings if w["key"] == "import.warning.control_chars"] == [
        ("Sheet1", 3)]
    with engine.connect() as conn:
        assert conn.execute(select(Competency.statement).where(Competency.code == "1.1")).scalar_one() == "能完成"


def test_editor_write_strips_controls_and_checks_length(engine):
    """Every ORM write (the editor's services) strips controls; a text over its limit is refused, field named."""
    program = make_program(engine)
    node = framework.create_node(engine, actor=SYSTEM, program_id=program["id"], kind="area", code="9",
                                 statement=HOSTILE)
    assert framework.get_node(engine, node_id=node["id"])["statement"] == "能一红反隔"
    with pytest.raises(ValidationFailed) as caught:
        framework.create_node(engine, actor=SYSTEM, program_id=program["id"], kind="area", code="10",
                              statement="长" * 100_000)
    line = error_lines(caught.value, "en")[0]
    assert "4000" in line and "100000" in line and "Statement" in line
    assert "4000" in error_lines(caught.value, "zh")[0]


def test_long_cell_import_is_refused_with_the_row(engine):
    """A 100,000-character cell is refused naming row and field; nothing is written."""
    before = table_counts(engine)
    result = import_file(engine, actor=SYSTEM, data=_csv("1.1," + "长" * 100_000), filename="long.csv",
                         program_code="LONG", lang="en")
    assert not result.ok
    error = next(e for e in result.errors if e["key"] == "import.error.too_long")
    assert error["row"] == 3 and "statement" in error["message"] and "4000" in error["message"]
    assert table_counts(engine) == before


def _xlsx_rows(count: int, *, sparse: bool = False) -> bytes:
    """A minimal .xlsx whose one sheet has ``count`` rows (or, ``sparse``, one cell on row ``count``)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/>'
                         '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
                         '+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                         'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml"'
                         ' ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                         '</Types>')
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                         'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                         'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        archive.writestr("xl/workbook.xml", '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                         'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                         'relationships"><sheets><sheet name="Big" sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                         'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                         'openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"'
                         '/></Relationships>')
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            sheet.write(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                        b'2006/main"><sheetData>')
            numbers = [count] if sparse else range(1, count + 1)
            batch = []
            for n in numbers:
                batch.append(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, n * 7919 % 100003))
                if len(batch) == 10_000:
                    sheet.write(b"".join(batch))
                    batch = []
            sheet.write(b"".join(batch) + b"</sheetData></worksheet>")
    return buffer.getvalue()


def test_row_limit_is_checked_while_streaming(monkeypatch):
    """A 1.6-million-row sheet (and a one-cell sheet at row 1,048,576) is refused before any cell is read."""
    import python_calamine

    def never(*_args, **_kwargs):
        raise AssertionError("cells were read before the row limit was checked")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "get_sheet_by_name", never)
    for data in (_xlsx_rows(1_600_000), _xlsx_rows(1_048_576, sparse=True)):
        with pytest.raises(ImportRejected) as caught:
            read_book(data, "big.xlsx", limits=Limits())
        issue = caught.value.issues[0]
        assert issue.key == "import.error.too_many_rows" and issue.sheet == "Big"
        assert issue.params["rows"] > Limits().max_rows_per_sheet


def _backup_zip(payload: bytes, *, declared: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("backup.json", payload)
    data = bytearray(buffer.getvalue())
    if declared is not None:  # patch the declared uncompressed size in both headers
        local = data.find(b"PK\x03\x04")
        data[local + 22:local + 26] = declared.to_bytes(4, "little")
        central = data.find(b"PK\x01\x02")
        data[central + 24:central + 28] = declared.to_bytes(4, "little")
    return bytes(data)


@pytest.mark.parametrize("case", ["bomb", "patched", "deep", "wide"])
def test_restore_limits(engine, case, monkeypatch):
    """Restore refuses a zip bomb (declared or patched sizes), deep nesting and huge lists: errors, no traceback."""
    small = Limits(max_rows_per_sheet=1000, max_decompressed_bytes=4 * 1024 * 1024)
    monkeypatch.setattr(Limits, "from_env", classmethod(lambda cls: small))
    pad = b'{"format": "costandard-backup", "pad": "' + b" " * (5 * 1024 * 1024) + b'"}'
    if case == "bomb":
        data = _backup_zip(pad)
    elif case == "patched":
        data = _backup_zip(pad, declared=100)
    elif case == "deep":
        data = b'{"format": "costandard-backup", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    else:
        data = json.dumps({"format": "costandard-backup", "programs": [{}] * 5000}).encode()
    before = table_counts(engine)
    report = restore_backup(engine, actor=SYSTEM, data=data)
    assert not report.ok and report.errors
    assert table_counts(engine) == before
    message = report.errors[0]["message"]
    expected = {"bomb": ("decompress",), "patched": ("decompress", "damaged"), "deep": ("nested",),
                "wide": ("over the limit",)}[case]
    assert any(word in message for word in expected), message


def test_restore_strips_controls_with_warning_and_refuses_long_text(engine):
    """A backup with control characters restores stripped (warning with the JSON path); an over-long text is refused."""
    program = make_program(engine, code="RB1")
    make_framework(engine, program["id"])
    doc = json.loads(export_backup(engine, actor=SYSTEM, program_id=program["id"], fmt="json").content)
    doc["programs"][0]["code"] = "RB2"
    doc["programs"][0]["framework"][0]["statement"] = HOSTILE
    report = restore_backup(engine, actor=SYSTEM, data=json.dumps(doc).encode())
    assert report.ok, report.errors
    assert any("/framework/0/statement" in (w["where"] or "") for w in report.warnings)
    doc["programs"][0]["code"] = "RB3"
    doc["programs"][0]["framework"][0]["statement"] = "长" * 100_000
    before = table_counts(engine)
    report = restore_backup(engine, actor=SYSTEM, data=json.dumps(doc).encode())
    assert not report.ok and any("4000" in e["message"] for e in report.errors)
    assert table_counts(engine) == before


def test_standard_editor_limits_every_text_field(engine):
    """The standard editor holds every table field to the one table: a 20,001-character unit content is refused."""
    from services.standards import editing_snapshot, save_args_from_content, save_standard
    from tests.standard_factories import make_world

    world = make_world(engine)
    snapshot = editing_snapshot(engine, standard_id=world.standard_id)
    args = save_args_from_content(snapshot["content"])
    for table in ("objectives", "units"):
        for row in args[table]:
            row.pop("alignments", None)
    args["units"][1]["content"] = "长" * (FIELD_LIMITS["learning_unit"]["content"] + 1)
    args["objectives"][0]["text"] = f"目标{HOSTILE}"
    with pytest.raises(ValidationFailed) as caught:
        save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                      expected_version=snapshot["version"], **args)
    error = caught.value.errors[0]
    assert (error.params["key"], error.sheet, error.row, error.field) == ("standards.error.too_long", "units", 2,
                                                                          "content")
    args["units"][1]["content"] = "短"
    saved = save_standard(engine, actor=world.owner, standard_id=world.standard_id,
                          expected_version=snapshot["version"], **args)
    assert saved["content"]["objectives"][0]["text"] == "目标能一红反隔"


def test_bulk_import_mark_covers_only_its_record_entities(engine):
    """The import's record is marked so the flush guard skips its ``entities`` (already cleaned); the same
    record's filename, and every other object flushed in that session, are still stripped."""
    from models import AuditEvent, ImportRecord
    from services.db import session_scope
    from services.textguard import mark_checked

    with session_scope(engine) as session:
        record = ImportRecord(filename=f"框架{HOSTILE}.xlsx", kind="framework", entities={"created": {}})
        session.add(record)
        mark_checked(session, record, "entities")
        session.add(AuditEvent(entity_type="import", action="import", summary=f"摘要{HOSTILE}"))
        session.flush()
        record_id = record.id
        record.filename = f"再次{HOSTILE}"  # the mark held for one flush only: a later change is guarded
        session.flush()
    with session_scope(engine) as session:
        assert session.get(ImportRecord, record_id).filename == "再次能一红反隔"
        assert session.execute(select(AuditEvent.summary)).scalars().all() == ["摘要能一红反隔"]


def test_editor_write_after_bulk_import_is_still_guarded(engine):
    """A bad value written through a normal service after a bulk import (whose writer skips the guard for its
    own record) is stripped and length-checked as before."""
    data = xlsx_bytes([["编码", "能力描述"], ["1", "领域"], ["1.1", "能完成"]])
    result = import_file(engine, actor=SYSTEM, data=data, filename="ok.xlsx", program_code="GUARD", lang="en")
    assert result.ok, result.errors
    with engine.connect() as conn:
        node_id, version = conn.execute(select(Competency.id, Competency.version)
                                        .where(Competency.code == "1.1")).one()
    framework.update_node(engine, actor=SYSTEM, node_id=node_id, expected_version=version,
                          changes={"statement": HOSTILE, "notes": f"注{HOSTILE}"})
    node = framework.get_node(engine, node_id=node_id)
    assert (node["statement"], node["notes"]) == ("能一红反隔", "注能一红反隔")
    with pytest.raises(ValidationFailed):
        framework.update_node(engine, actor=SYSTEM, node_id=node_id, expected_version=node["version"],
                              changes={"statement": "长" * 100_000})
