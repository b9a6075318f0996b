"""AppTest: the hostile corpus (tests/hostile/corpus.py) through the Import page (#12).

Each file is uploaded into a programme of its own. Refused: a translated error and the error table
naming the file (and sheet, row, column where the reader knows them), Import disabled, no exception
element, and every table of the database as before. Stored: Import succeeds, every statement is
stored exactly as written (control characters removed) and the page shows user text only as text.
"""

from __future__ import annotations

import itertools
import re
import shutil
import sys

import pytest

from services.db import make_engine
from services.i18n import translate
from services.importing import view
from tests.apptest_support import login
from tests.factories import make_program
from tests.hostile.corpus import REJECTED, ROW_LIMIT, STORED, Case, import_cases
from tests.hostile.test_hostile import _check_stored, _record, dump
from ui.context import PROGRAM_KEY

pytestmark = pytest.mark.apptest
CASES = import_cases()
BY_NAME = {c.name: c for c in CASES}
PAGE = "pages/import.py"
# a login refreshes its session row at most once a minute, whatever the page does
UNRELATED = {"user_session", "login_attempt"}
_programmes = itertools.count(1)
# refusals of one place in a sheet name it: the sheet, and the row (and column) where the reader knows them
LOCATED = {"huge sheet csv": ("sheet",), "huge sheet xlsx": ("sheet",), "huge sheet ods": ("sheet",),
           "long cell": ("sheet", "row", "column"), "deep hierarchy": ("sheet", "row"),
           "cyclic hierarchy": ("sheet", "row"), "duplicate codes": ("sheet", "row"),
           "formulas without cached values": ("sheet", "row", "column")}


@pytest.fixture(scope="module")
def database(seeded_sqlite_template, tmp_path_factory):
    """One demo database for the module (a programme per case keeps the cases apart)."""
    path = tmp_path_factory.mktemp("import_hostile") / "demo.db"
    shutil.copy(seeded_sqlite_template, path)
    url = f"sqlite:///{path}"
    main_module = sys.modules.get("__main__")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("COSTANDARD_IMPORT_MAX_ROWS", str(ROW_LIMIT))
        engine = make_engine(url)
        yield engine
        engine.dispose()
    if main_module is not None:
        sys.modules["__main__"] = main_module


@pytest.fixture(scope="module")
def pages(database):
    """A lead logged in once per language, on the Import page."""
    sessions = {}

    def page(lang: str):
        if lang not in sessions:
            at = login("lead", lang=lang)
            at.switch_page(PAGE).run()
            assert not at.exception, at.exception
            sessions[lang] = at
        return sessions[lang]

    return page


def _state(engine) -> dict:
    return {name: rows for name, rows in dump(engine).items() if name not in UNRELATED}


def _errors(at, lang: str) -> list[dict[str, str]]:
    """The error table the page shows (the same columns as the warnings table: found by its rows)."""
    errors = view.issue_rows(at.session_state["import_preview"]["preview"].to_dict()["errors"], lang)
    if errors:
        assert any(df.value.to_dict("records") == errors for df in at.dataframe), errors[:3]
    return errors


def _no_markdown_from(at, texts) -> None:
    """No user text reaches a Markdown element unescaped (it would render links, images, HTML)."""
    shown = [e.value for kind in ("markdown", "caption", "error", "warning", "success", "info", "subheader", "title")
             for e in at.get(kind)]
    for text in texts:
        if re.search(r"[\[\]<>!*_`]", text):
            assert not any(text in value for value in shown), text


def _run_case(at, engine, case: Case, lang: str) -> str:
    program = make_program(engine, code=f"HP{next(_programmes)}")
    at.session_state[PROGRAM_KEY] = program["id"]
    before = _state(engine)
    at.file_uploader(key="import_file").set_value((case.filename, case.data, "application/octet-stream")).run()
    assert not at.exception, (case.name, at.exception)
    assert at.session_state[PROGRAM_KEY] == program["id"]
    errors = _errors(at, lang)
    commit = at.button(key="import_commit")
    if errors or commit.disabled:
        file_column = translate("import.page.col.file", lang)
        message_column = translate("import.page.col.message", lang)
        assert errors and at.error and commit.disabled, case.name
        assert all(row[file_column] == case.filename and row[message_column] for row in errors), (case.name, errors)
        assert not any("Traceback" in row[message_column] for row in errors)
        for part in LOCATED.get(case.name, ()):
            column = translate(f"import.page.col.{part}", lang)
            assert all(row[column] for row in errors), (case.name, part, errors[:3])
        at.run()  # the page again (a rerun, as any click): still nothing written
        assert not at.exception and _state(engine) == before, case.name
        outcome, messages = REJECTED, [row[message_column] for row in errors]
    else:
        commit.click().run()
        assert not at.exception, (case.name, at.exception)
        assert at.success and not at.error, (case.name, [e.value for e in at.error])
        _check_stored(engine, case, program["code"])
        _no_markdown_from(at, case.texts)
        outcome, messages = STORED, []
    assert outcome in case.outcomes, (case.name, outcome, messages[:3])
    _record("Import page (AppTest)", "sqlite", case, outcome, messages)
    return outcome


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_hostile_file_through_the_import_page(database, pages, case):
    """Refused with a located, translated message and nothing written, or stored as written and shown as text."""
    _run_case(pages("en"), database, case, "en")


@pytest.mark.parametrize("name", ["random bytes .xlsx", "huge sheet ods", "cyclic hierarchy"])
def test_refusals_are_in_the_user_s_language(database, pages, name):
    """The same refused file in Chinese and in English: each message in its own language, no English in zh."""
    case = BY_NAME[name]
    messages = {}
    for lang in ("zh", "en"):
        at = pages(lang)
        assert _run_case(at, database, case, lang) == REJECTED
        messages[lang] = [row[translate("import.page.col.message", lang)] for row in _errors(at, lang)]
        assert [e.value for e in at.error] == [translate("import.page.errors", lang, count=len(messages[lang]))]
    assert messages["zh"] != messages["en"]
    assert all(re.search(r"[\u4e00-\u9fff]", m) for m in messages["zh"]), messages["zh"]
    assert not any(re.search(r"\b(the|is|not|sheet|file)\b", m, re.I) for m in messages["zh"]), messages["zh"]
