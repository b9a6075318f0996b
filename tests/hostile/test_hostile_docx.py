"""The hostile Word corpus through the Word import service, ``manage.py import`` and the Import page.

Each file is refused with a message naming the file (and where: paragraph, table, row, column) and the
database unchanged, or stored: every objective exactly as written (control characters removed), never a
traceback.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest  # noqa: F401 (the page test drives it through login)

from services import programs, standards
from services.actor import SYSTEM
from services.importing.docx_import import import_docx
from services.textguard import has_controls
from tests.apptest_support import app_db, login  # noqa: F401 (fixture)
from tests.factories import make_program
from tests.hostile.corpus import REJECTED, ROW_LIMIT, STORED, Case
from tests.hostile.docx_corpus import docx_cases
from tests.hostile.test_hostile import _manage, _record, dump

CASES = docx_cases()


def _stored_texts(engine, program_code: str) -> set[str]:
    program = programs.get_program(engine, code=program_code)
    texts: set[str] = set()
    for listed in standards.list_standards(engine, program_id=program["id"]):
        content = standards.standard_content(engine, listed["id"])
        texts |= {o["text"] for o in content["objectives"]}
        texts |= {u["content"] for u in content["units"]} | {u["title"] for u in content["units"]}
        texts |= {v for v in content["header"].values() if v}
    return texts


def _check_stored(engine, case: Case, program_code: str) -> None:
    stored = _stored_texts(engine, program_code)
    assert stored and not any(has_controls(s) for s in stored), case.name
    for expected in case.texts:
        assert expected in stored, (case.name, expected)


@pytest.fixture
def row_limit(monkeypatch):
    monkeypatch.setenv("COSTANDARD_IMPORT_MAX_ROWS", str(ROW_LIMIT))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_word_import_service(engine, case, row_limit):
    """Each hostile .docx through the Word import: refused with located messages and nothing written, or stored."""
    make_program(engine, code="HOSTILE-DOCX")
    before = dump(engine)
    result = import_docx(engine, actor=SYSTEM, data=case.data, filename=case.filename, program_code="HOSTILE-DOCX",
                         create_course=True, lang="en")
    outcome = STORED if result.ok else REJECTED
    assert outcome in case.outcomes, (case.name, result.errors[:3])
    if outcome == REJECTED:
        assert result.errors and all(e["message"] and e["file"] == case.filename for e in result.errors)
        assert dump(engine) == before, case.name
    else:
        _check_stored(engine, case, "HOSTILE-DOCX")
    _record("word import service", engine.dialect.name, case, outcome,
            [e["message"] for e in result.errors] or [w["message"] for w in result.warnings])


def test_located_messages_name_table_row_and_column(sqlite_engine, row_limit):
    """A long cell and a huge table are named by table (and row and column) in the message's place."""
    make_program(sqlite_engine, code="HOSTILE-DOCX")
    by_name = {c.name: c for c in CASES}
    long_cell = import_docx(sqlite_engine, actor=SYSTEM, data=by_name["100k-character cell"].data,
                            filename="long.docx", program_code="HOSTILE-DOCX", create_course=True, lang="en")
    error = long_cell.errors[0]
    assert (error["sheet"], error["row"], error["column"]) == ("table 2", 3, "3")
    rows = import_docx(sqlite_engine, actor=SYSTEM, data=by_name["huge table (rows)"].data, filename="rows.docx",
                       program_code="HOSTILE-DOCX", create_course=True, lang="en")
    assert rows.errors[0]["sheet"].startswith("table ") and "1010" in rows.errors[0]["message"]


def test_command_line_word_import(tmp_path, sqlite_engine):
    """The corpus through ``manage.py import --kind standard-docx``: exit 1 and nothing written, or 0 and stored."""
    url = sqlite_engine.url.render_as_string(hide_password=False)
    make_program(sqlite_engine, code="CLI-DOCX")
    for case in CASES:
        path = tmp_path / case.filename
        path.write_bytes(case.data)
        before = dump(sqlite_engine)
        run = _manage("--db", url, "import", str(path), "--kind", "standard-docx", "--program", "CLI-DOCX",
                      "--create-course", "--confirm", "--json", "--lang", "en")
        assert "Traceback" not in run.stderr, (case.name, run.stderr[-2000:])
        outcome = {0: STORED, 1: REJECTED}.get(run.returncode)
        assert outcome in case.outcomes, (case.name, run.returncode, run.stderr[-500:])
        report = json.loads(run.stdout)
        if outcome == REJECTED:
            assert report["errors"] and dump(sqlite_engine) == before, case.name
        else:
            _check_stored(sqlite_engine, case, "CLI-DOCX")
        _record("manage.py import (Word)", "sqlite", case, f"{outcome} (exit {run.returncode})",
                [e["message"] for e in report["errors"]])


PAGE_CASES = [c for c in CASES if c.name in ("random bytes .docx", "truncated docx", "zip bomb (declared 2 GB)",
                                             "macro-enabled .docm", "100k-character cell",
                                             "HTML and Markdown payloads")]


@pytest.mark.apptest
def test_import_page_word_corpus(app_db, monkeypatch):
    """On the Import page: a refused file shows its message and writes nothing; a payload file shows as text."""
    monkeypatch.setenv("COSTANDARD_IMPORT_MAX_ROWS", str(ROW_LIMIT))
    at = login("lead")
    at.switch_page("pages/import.py").run()
    for case in PAGE_CASES:
        before = dump(app_db)
        at.file_uploader(key="import_file").set_value((case.filename, case.data, "application/octet-stream")).run()
        assert not at.exception, (case.name, at.exception)
        if REJECTED in case.outcomes:
            assert at.error, case.name
            assert dump(app_db) == before, case.name
        else:
            at.checkbox(key="import_docx_create").check().run()
            at.button(key="import_docx_commit").click().run()
            assert not at.exception and at.success, case.name
            _check_stored(app_db, case, "460305")
