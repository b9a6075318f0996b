"""Shared fixtures: the data layer runs on SQLite and on PostgreSQL.

``engine`` is parametrised over both databases. PostgreSQL tests use a database of their
own (created at the start of the run, dropped at the end) and empty every table between
tests. Without a reachable server they are skipped locally, but with ``CI=true`` a missing
PostgreSQL fails the run instead.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from models import metadata
from services.db import make_engine
from services.migrate import upgrade

ROOT = Path(__file__).resolve().parent.parent
REAL_DATA = Path(os.environ.get("COSTANDARD_REAL_DATA", ROOT.parent / "shared" / "data" / "real"))
# third-party files whose licence allows it are copied here (tests/data/real/SOURCES.md); the others
# are read from REAL_DATA, and their tests skip (locally) or fail (CI) when it is missing
VENDORED_DATA = ROOT / "tests" / "data" / "real"
PG_ADMIN_URL = os.environ.get("COSTANDARD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _pg_unavailable(reason: str):
    if IN_CI:
        pytest.fail(f"PostgreSQL is required in CI (CI=true) but unavailable: {reason}", pytrace=False)
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A SQLite file migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("sqlite") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def pg_database_url():
    """A fresh PostgreSQL database for this test run, migrated to head; dropped afterwards."""
    name = f"costandard_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure to reach the server means "unavailable"
        _pg_unavailable(str(exc).splitlines()[0])
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"
        ), {"n": name})
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def _truncate_all(engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def sqlite_engine(sqlite_template, tmp_path):
    path = tmp_path / "test.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_engine(request):
    url = request.getfixturevalue("pg_database_url")
    engine = make_engine(url)
    _truncate_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request):
    """A migrated, empty database: SQLite and PostgreSQL in turn."""
    return request.getfixturevalue("sqlite_engine" if request.param == "sqlite" else "pg_engine")


@pytest.fixture(scope="session")
def seeded_sqlite_template(sqlite_template, tmp_path_factory) -> Path:
    """A SQLite file with the demo programmes loaded, copied per test that needs it."""
    from services.demo import seed_demo

    path = tmp_path_factory.mktemp("seeded") / "seeded.db"
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    seed_demo(engine)
    engine.dispose()
    return path


@pytest.fixture
def seeded_sqlite_path(seeded_sqlite_template, tmp_path) -> Path:
    path = tmp_path / "seeded.db"
    shutil.copy(seeded_sqlite_template, path)
    return path


@pytest.fixture
def seeded_engine(seeded_sqlite_path):
    engine = make_engine(f"sqlite:///{seeded_sqlite_path}")
    yield engine
    engine.dispose()


class RealData:
    """``real_data / "opensalt/x.json"``: the copy in tests/data/real, else the file in ../shared/data/real.

    A file found in neither place skips its test with a message on a developer's machine (a fresh clone
    has no ../shared beside it) and fails it in CI, where ``.ci/run`` points COSTANDARD_REAL_DATA at it.
    """

    def __init__(self, vendored: Path, external: Path) -> None:
        self.vendored, self.external = vendored, external

    def __truediv__(self, relative: str) -> Path:
        for base in (self.vendored, self.external):
            if (base / relative).exists():
                return base / relative
        where = f"{self.vendored} or {self.external}"
        if IN_CI:
            pytest.fail(f"real test file {relative} not found in {where}", pytrace=False)
        pytest.skip(f"real test file {relative} is not redistributable and ../shared/data/real is missing "
                    f"(looked in {where})")

    def __fspath__(self) -> str:
        """As a folder (for scripts that take one): the vendored copies, which hold every file they need."""
        return str(self.vendored)

    def __str__(self) -> str:
        return str(self.vendored)


@pytest.fixture
def real_data() -> RealData:
    """Third-party files: vendored copies first, then ../shared/data/real (read in place, never copied)."""
    return RealData(VENDORED_DATA, REAL_DATA)
