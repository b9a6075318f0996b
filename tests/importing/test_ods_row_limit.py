"""The row limit of an .ods is checked while content.xml streams, before calamine reads any of it (#12 hole 6)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
import python_calamine

from services.actor import SYSTEM
from services.importing import import_file
from services.importing.limits import Limits
from services.importing.readers import _ods_row_scan, read_book
from services.importing.records import ImportRejected
from tests.hostile.test_hostile import dump
from tests.workbooks import ods_framework, ods_row, ods_stream

ROOT = Path(__file__).resolve().parents[2]
BLANK_TO_THE_END = ods_row(repeated=1_048_279) + ods_row()  # what LibreOffice writes under the last used row


def _never(*_args, **_kwargs):
    raise AssertionError("calamine opened the .ods before its rows were counted")


def test_an_ods_over_the_limit_is_refused_before_calamine_reads_it(monkeypatch):
    """60,000 rows against a limit of 20,000: refused after the first chunks, calamine never called."""
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", _never)
    with pytest.raises(ImportRejected) as caught:
        read_book(ods_framework(60_000, title="Big"), "big.ods", limits=Limits(max_rows_per_sheet=20_000))
    issue = caught.value.issues[0]
    assert issue.key == "import.error.too_many_rows" and issue.sheet == "Big" and issue.file == "big.ods"
    assert 20_000 < issue.params["rows"] < 60_000  # stopped while streaming, not after reading it all
    assert "20000" in issue.message("en") and "20000" in issue.message("zh")


def test_a_repeated_row_counts_every_repeat(monkeypatch):
    """One row element repeated 1.6 million times (a few bytes that calamine would expand): refused."""
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", _never)
    data = ods_stream([ods_row("编码", "能力描述"), ods_row("1", "领域", repeated=1_600_000)], title="Bomb")
    assert len(data) < 2_000
    with pytest.raises(ImportRejected) as caught:
        read_book(data, "bomb.ods", limits=Limits())
    assert caught.value.issues[0].params == {"rows": 1_600_001, "limit": 200_000}


@pytest.mark.parametrize("rows", [
    [ods_row("a"), ods_row("b"), BLANK_TO_THE_END],
    [ods_row(repeated=7), ods_row("after seven blank rows")],
    [ods_row("a"), ods_row(repeated=30), ods_row("b"), ods_row(), ods_row()],
    [ods_row("a", "b", repeated=5), BLANK_TO_THE_END],
    [ods_row("x"), '<table:table-row><table:table-cell table:style-name="ce1"/></table:table-row>'],
    ['<table:table-column table:style-name="co1"/>' * 100_000, ods_row("a"), ods_row("b")],
], ids=["blank-to-the-end", "leading-blanks", "blanks-between", "repeated-content", "styled-blank",
        "megabytes-before-the-first-row"])
def test_the_count_is_the_rows_calamine_builds(rows):
    """Blank rows LibreOffice writes to the end of a sheet do not count; rows up to the last with content do."""
    data = ods_stream(rows, title="S")
    sheet = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("S")
    assert _ods_row_scan(data, 10**9) == {"S": (sheet.start[0] if sheet.start else 0) + sheet.height}


def test_a_sheet_with_blank_rows_to_the_end_reads_under_a_small_limit():
    """Five rows and LibreOffice's million blank rows under them: read, limit 10."""
    data = ods_stream([ods_row("编码", "能力描述"), *(ods_row(f"1.{i}", f"能{i}") for i in range(4)),
                       BLANK_TO_THE_END])
    book = read_book(data, "short.ods", limits=Limits(max_rows_per_sheet=10))
    assert len(book.sheets[0].rows) == 5


def test_refusing_a_huge_ods_takes_little_memory(tmp_path):
    """150,000 rows against a limit of 50,000: refused with under 25 MB more peak memory (calamine reading
    the sheet alone takes ~75 MB, about 0.5 KB a row)."""
    path = tmp_path / "huge.ods"
    path.write_bytes(ods_framework(150_000, title="Big"))
    script = ("import json, resource, sys\n"
              "from services.importing.limits import Limits\n"
              "from services.importing.readers import read_book\n"
              "from services.importing.records import ImportRejected\n"
              "data = open(sys.argv[1], 'rb').read()\n"
              "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
              "try:\n    read_book(data, 'huge.ods', limits=Limits(max_rows_per_sheet=50_000)); key = None\n"
              "except ImportRejected as exc:\n    key = exc.issues[0].key\n"
              "print(json.dumps({'key': key, 'grew_mb': (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss"
              " - before) / 1024}))\n")
    run = subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120, check=True)
    outcome = json.loads(run.stdout)
    assert outcome["key"] == "import.error.too_many_rows"
    assert outcome["grew_mb"] < 25, outcome


def test_a_huge_ods_through_the_import_leaves_the_database_unchanged(engine, monkeypatch):
    """Through the import service: refused with a message naming file and sheet, nothing written."""
    monkeypatch.setenv("COSTANDARD_IMPORT_MAX_ROWS", "1000")
    before = dump(engine)
    result = import_file(engine, actor=SYSTEM, data=ods_framework(5_000, title="能力"), filename="大表.ods",
                         program_code="ODS", lang="zh")
    assert not result.ok
    assert [(e["file"], e["sheet"]) for e in result.errors] == [("大表.ods", "能力")]
    assert "1000" in result.errors[0]["message"]
    assert dump(engine) == before
