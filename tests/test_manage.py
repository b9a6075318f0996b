"""manage.py: the automation interface and its exit codes (0 done, 1 rejected, 2 usage)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str = "", env_url: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if env_url:
        env["DATABASE_URL"] = env_url
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, input=stdin, capture_output=True,
                          text=True, env=env, timeout=120)


def test_init_seed_and_create_user_on_sqlite(tmp_path):
    """init-db, seed-demo (twice) and create-user work with --db overriding DATABASE_URL."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    decoy = f"sqlite:///{tmp_path / 'decoy.db'}"
    assert run("--db", url, "init-db", env_url=decoy).returncode == 0
    result = run("seed-demo", "--db", url, "--json", env_url=decoy)
    assert result.returncode == 0 and '"created": ["460305", "MECH-ENG"]' in result.stdout
    assert '"created": []' in run("--db", url, "seed-demo", "--json").stdout
    assert "already has data" in run("--db", url, "seed-demo", "--if-empty").stdout
    made = run("--db", url, "create-user", "zhou", "--role", "mentor", "--side", "enterprise", stdin="pw1234\n")
    assert made.returncode == 0, made.stderr
    again = run("--db", url, "create-user", "zhou", "--role", "mentor", "--side", "enterprise", stdin="pw1234\n")
    assert again.returncode == 1 and "already taken" in again.stderr
    assert not (tmp_path / "decoy.db").exists()


def test_postgresql_via_db_flag(pg_database_url):
    """The same commands against PostgreSQL."""
    assert run("--db", pg_database_url, "init-db").returncode == 0
    assert run("--db", pg_database_url, "create-user", "pguser", "--role", "lead", "--side", "school",
               stdin="pw1234\n").returncode == 0


def test_usage_errors_exit_2_and_bad_databases_exit_1(tmp_path):
    assert run().returncode == 2
    assert run("no-such-command").returncode == 2
    assert run("create-user", "x", "--role", "king", "--side", "school").returncode == 2
    bad = run("--db", "postgresql://postgres@127.0.0.1:1/none", "init-db")
    assert bad.returncode == 1 and "Cannot connect to the database" in bad.stderr and "Traceback" not in bad.stderr
    short = run("--db", f"sqlite:///{tmp_path / 'x.db'}", "create-user", "y", "--role", "faculty", "--side",
                "school", stdin="x\n")
    assert short.returncode == 1 and "password" in short.stderr


def test_command_module_table_names_every_command_of_every_module():
    """manage.py loads only the module of the command it runs: the table must say where each one lives."""
    import importlib

    from cli import COMMAND_MODULE, COMMAND_MODULES

    registered = {}
    for module_name in COMMAND_MODULES:
        def add(name, func, module_name=module_name):
            registered[name] = module_name
            return argparse.ArgumentParser().add_subparsers().add_parser(name)

        importlib.import_module(module_name).register(add)
    assert registered == COMMAND_MODULE


def test_a_command_loads_only_its_own_module():
    """``manage.py import`` does not pay for the exporters' imports (pandas, python-docx) at start-up."""
    code = ("import sys, manage; manage.build_parser(['--db', 'sqlite://', 'import', 'x.xlsx', '--program', 'P']); "
            "print(sorted(m for m in ('cli.exports', 'cli.coverage', 'cli.core', 'pandas', 'docx') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=ROOT)
    assert out.stdout.strip() == "[]"
