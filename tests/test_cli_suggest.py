"""manage.py suggest through a subprocess on the seeded demo database (docs/cli.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=180)


@pytest.fixture
def db(seeded_sqlite_path) -> str:
    return f"sqlite:///{seeded_sqlite_path}"


def test_text_suggestions_as_json_best_first(db):
    """--text prints [{code, statement, score, matched}] ranked best first, --top rows."""
    result = manage("--db", db, "suggest", "--program", "460305", "--text", "PLC与工业机器人PROFINET通信",
                    "--top", "3", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == 3 and set(rows[0]) == {"code", "statement", "score", "matched"}
    assert rows[0]["code"] == "3.1.2" and "PROFINET" in rows[0]["matched"]
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)


def test_course_suggestions_cover_every_unit_and_objective(db):
    """--course prints one entry per unit and objective of the current standard, without its own links."""
    result = manage("--db", db, "suggest", "--program", "460305", "--course", "ZH3021", "--top", "2", "--json")
    assert result.returncode == 0, result.stderr
    entries = json.loads(result.stdout)
    assert [e["target_type"] for e in entries] == ["unit"] * 6 + ["objective"] * 9
    assert entries[0]["label"] == "项目一 工业机器人安全操作与手动操纵"
    assert all(len(e["suggestions"]) <= 2 for e in entries)
    # unit 1 is aligned to 2.1.1, 4.3.1 and 2.1.10 in the demo: none of them is suggested again
    assert {"2.1.1", "4.3.1", "2.1.10"}.isdisjoint(s["code"] for s in entries[0]["suggestions"])
    text = manage("--db", db, "suggest", "--program", "460305", "--course", "ZH3021", "--top", "1")
    assert text.returncode == 0 and text.stdout.startswith("unit 项目一")


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--program", "460305"), 2, "one of the arguments --text --course is required"),
    (("--program", "460305", "--text", "x", "--course", "ZH3021"), 2, "not allowed with"),
    (("--program", "460305", "--text", "x", "--top", "0"), 2, "between 1 and 200"),
    (("--program", "NOPE", "--text", "示教"), 1, "programme NOPE not found"),
    (("--program", "460305", "--course", "NOPE"), 1, "course NOPE not found"),
    (("--program", "460305", "--text", "   "), 1, "the text is empty"),
])
def test_usage_errors_exit_2_and_rejected_input_exits_1(db, args, code, message):
    """argparse problems exit 2; unknown programme or course and an empty text exit 1 with a message."""
    result = manage("--db", db, "suggest", *args)
    assert result.returncode == code and message in result.stderr and "Traceback" not in result.stderr
