"""manage.py export / restore through a subprocess, with --db pointing at a temporary SQLite file."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import docx
import pytest

from tests.demo_data import demo_sizes
from tests.exports.conftest import workbook

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=180)


@pytest.fixture
def db(seeded_sqlite_path) -> str:
    return f"sqlite:///{seeded_sqlite_path}"


def test_every_kind_exports_a_file_that_opens(db, tmp_path):
    """standard (xlsx, docx), matrix, gaps, backup (json, zip), moodle, case and opensalt: exit 0, readable files."""
    runs = [("standard", "--course", "ZH3021"), ("standard", "--course", "ZH3021", "--format", "docx", "--lang", "en"),
            ("matrix", "--marks", "irm"), ("gaps",), ("backup",), ("backup", "--format", "zip"), ("moodle",),
            ("case",), ("opensalt",)]
    written = {}
    for kind, *extra in runs:
        out = tmp_path / f"{kind}-{len(written)}"
        result = manage("--db", db, "export", kind, "--program", "460305", *extra, "--out", str(out), "--json")
        assert result.returncode == 0, result.stderr
        report = json.loads(result.stdout)
        assert report["ok"] and Path(report["path"]) == out and out.stat().st_size == report["bytes"] > 0
        written[(kind, report["format"])] = out.read_bytes()
    assert workbook(written[("standard", "xlsx")]).worksheets[0]["A1"].value.startswith("《工业机器人现场编程》")
    assert docx.Document(io.BytesIO(written[("standard", "docx")])).paragraphs[0].text.startswith("Course Standard")
    assert "I" in {c.value for row in workbook(written[("matrix", "xlsx")]).worksheets[0].iter_rows() for c in row}
    assert workbook(written[("gaps", "xlsx")]).sheetnames == ["覆盖缺口", "说明"]
    assert json.loads(written[("backup", "json")])["format"] == "costandard-backup"
    assert written[("backup", "zip")][:2] == b"PK"
    assert next(csv.reader(io.StringIO(written[("moodle", "csv")].decode("utf-8-sig"))))[0] == "Parent ID number"
    assert json.loads(written[("case", "json")])["CFDocument"]["caseVersion"] == "1.1"
    assert workbook(written[("opensalt", "xlsx")]).sheetnames == ["CF Doc", "CF Item", "CF Association"]


def test_out_folder_gets_the_suggested_name(db, tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    result = manage("--db", db, "export", "matrix", "--program", "MECH-ENG", "--lang", "en", "--out", str(folder))
    assert result.returncode == 0, result.stderr
    files = list(folder.iterdir())
    assert len(files) == 1 and files[0].name.startswith("MECH-ENG-matrix-") and files[0].suffix == ".xlsx"


def test_a_standard_gets_its_status_and_language_in_the_name_and_never_overwrites(db, tmp_path):
    """Default output: the current folder; zh and en names differ; a second run keeps the first file."""
    names, here = [], tmp_path / "here"
    here.mkdir()
    for lang in ("zh", "en", "zh"):
        result = subprocess.run([sys.executable, str(ROOT / "manage.py"), "--db", db, "export", "standard", "--program",
                                 "460305", "--course", "ZH3021", "--format", "docx", "--lang", lang, "--json"],
                                cwd=here, capture_output=True, text=True, timeout=180,
                                env={k: v for k, v in os.environ.items() if k != "DATABASE_URL"})
        assert result.returncode == 0, result.stderr
        names.append(Path(json.loads(result.stdout)["path"]).name)
    assert names[0].startswith("460305-ZH3021-课程标准-草稿-zh-") and names[0].endswith(".docx")
    assert names[1].startswith("460305-ZH3021-course-standard-draft-en-")
    assert names[2] == names[0].removesuffix(".docx") + "-2.docx"
    assert sorted(p.name for p in here.iterdir()) == sorted(names)


@pytest.mark.parametrize("args, code, message", [
    (("export", "standard", "--program", "460305"), 2, "--course"),
    (("export", "matrix", "--program", "460305", "--format", "docx"), 2, "xlsx"),
    (("export", "moodle", "--program", "460305", "--course", "ZH3021"), 2, "--course"),
    (("export", "matrix"), 2, "--program"),
    (("export", "matrix", "--program", "460305", "--marks", "stars"), 2, "invalid choice"),
    (("export", "case", "--program", "NOPE"), 1, "NOPE"),
    (("export", "standard", "--program", "460305", "--course", "GG1008"), 1, "no standard"),
])
def test_usage_errors_exit_2_and_unknown_things_exit_1(db, tmp_path, args, code, message):
    result = manage("--db", db, *args, "--out", str(tmp_path / "x"))
    assert result.returncode == code and message in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "x").exists()


def test_restore_report_and_exit_codes(db, tmp_path):
    """Restore into an empty database (0), again (1, refused), with --merge (0), --dry-run, bad and missing files."""
    backup = tmp_path / "b.json"
    assert manage("--db", db, "export", "backup", "--program", "460305", "--out", str(backup)).returncode == 0
    target = f"sqlite:///{tmp_path / 'target.db'}"
    dry = manage("--db", target, "restore", str(backup), "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert set(report) >= {"ok", "kind", "program", "dry_run", "created", "updated", "unchanged", "not_in_file",
                           "errors", "warnings"}
    assert report["kind"] == "backup" and report["dry_run"] and report["created"]["competency"] == demo_sizes("460305")["competency"]
    first = manage("--db", target, "restore", str(backup), "--json")
    assert first.returncode == 0 and json.loads(first.stdout)["created"]["competency"] == demo_sizes("460305")["competency"]
    again = manage("--db", target, "restore", str(backup), "--lang", "en")
    assert again.returncode == 1 and "already exists" in again.stderr
    merged = manage("--db", target, "restore", str(backup), "--merge", "--json")
    assert merged.returncode == 0 and json.loads(merged.stdout)["unchanged"]["competency"] == demo_sizes("460305")["competency"]
    broken = tmp_path / "broken.json"
    broken.write_bytes(backup.read_bytes()[:5000])
    bad = manage("--db", target, "restore", str(broken), "--json", "--lang", "en")
    assert bad.returncode == 1 and not json.loads(bad.stdout)["ok"] and "truncated" in bad.stdout
    assert manage("--db", target, "restore", str(tmp_path / "missing.json")).returncode == 2


def test_the_out_extension_chooses_the_format_or_the_export_is_refused(db, tmp_path):
    """#11 item 9: backup.zip is a zip, x.docx a docx; backup.xlsx (no such backup format) is a usage error."""
    zipped = tmp_path / "backup.zip"
    result = manage("--db", db, "export", "backup", "--program", "460305", "--out", str(zipped))
    assert result.returncode == 0, result.stderr
    assert zipped.read_bytes()[:2] == b"PK"
    document = tmp_path / "standard.docx"
    result = manage("--db", db, "export", "standard", "--program", "460305", "--course", "ZH3021",
                    "--out", str(document))
    assert result.returncode == 0, result.stderr
    assert docx.Document(io.BytesIO(document.read_bytes())).paragraphs
    wrong = tmp_path / "backup.xlsx"
    result = manage("--db", db, "export", "backup", "--program", "460305", "--out", str(wrong))
    assert result.returncode == 2
    assert ".xlsx" in result.stderr and "json" in result.stderr and "zip" in result.stderr
    assert not wrong.exists()
    result = manage("--db", db, "export", "backup", "--program", "460305", "--format", "json",
                    "--out", str(tmp_path / "backup.zip"))
    assert result.returncode == 2 and ".zip" in result.stderr
