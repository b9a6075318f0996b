"""manage.py import / import-template: JSON shape, exit codes 0/1/2, dry run, skip-invalid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.importing.conftest import xlsx_bytes

ROOT = Path(__file__).resolve().parents[2]
COUNT_KEYS = {"area", "task", "competency", "course", "alignment", "standard", "rating"}


def manage(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=120)


def test_import_json_dry_run_then_real_then_again(tmp_path):
    """Dry run writes nothing; the import creates; the same file again changes nothing; exit 0 each time."""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    path = tmp_path / "框架.xlsx"
    path.write_bytes(xlsx_bytes([["编码", "能力描述", "重要程度"], ["1", "领域", ""], ["1.1", "能一", "A"]]))
    dry = manage("--db", db, "import", str(path), "--program", "460305", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    report = json.loads(dry.stdout)
    assert set(report) >= {"ok", "kind", "program", "dry_run", "created", "updated", "unchanged", "not_in_file",
                           "errors", "warnings"}
    assert report["ok"] and report["dry_run"] and report["kind"] == "framework" and report["program"] == "460305"
    for name in ("created", "updated", "unchanged", "not_in_file"):
        assert set(report[name]) == COUNT_KEYS
    assert report["created"]["competency"] == 1 and report["created"]["area"] == 1
    real = json.loads(manage("--db", db, "import", str(path), "--program", "460305", "--json").stdout)
    assert real["created"]["competency"] == 1 and not real["dry_run"] and real["import_id"]
    again = json.loads(manage("--db", db, "import", str(path), "--program", "460305", "--json").stdout)
    assert sum(again["created"].values()) == 0 and sum(again["updated"].values()) == 0


def test_rejected_import_exits_1_with_located_errors(tmp_path):
    """Errors: exit 1, nothing written, each error with file/sheet/row/column/message in the chosen language."""
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx_bytes([["编码", "能力描述", "重要程度"], ["1", "能一", "极高"], ["1", "能二", "A"]]))
    run = manage("--db", db, "import", str(path), "--program", "P", "--json", "--lang", "en")
    assert run.returncode == 1
    report = json.loads(run.stdout)
    assert not report["ok"] and len(report["errors"]) == 2
    assert {tuple(sorted(e)) for e in report["errors"]} == {("column", "file", "key", "message", "row", "sheet")}
    assert "Importance" in report["errors"][0]["message"]
    listed = manage("--db", db, "import", str(path), "--program", "P", "--lang", "zh")
    assert listed.returncode == 1 and "重要程度" in listed.stderr and "Traceback" not in listed.stderr
    skip = manage("--db", db, "import", str(path), "--program", "P", "--skip-invalid", "--json")
    assert skip.returncode == 0 and json.loads(skip.stdout)["invalid_rows"] == 2
    assert (tmp_path / "bad.invalid.xlsx").exists()


def test_usage_errors_exit_2(tmp_path):
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    assert manage("--db", db, "import", str(tmp_path / "missing.xlsx"), "--program", "P").returncode == 2
    assert manage("--db", db, "import", str(tmp_path), "--program", "P", "--kind", "nonsense").returncode == 2
    assert manage("--db", db, "import", "x.xlsx").returncode == 2  # --program is required
