"""One Alembic migration creates the schema, and it matches the models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from models import metadata
from services.migrate import alembic_config, current_revision


def test_upgrade_to_head_matches_models(engine):
    """Upgrading an empty database to head leaves no difference for autogenerate to find."""
    assert current_revision(engine) == ScriptDirectory.from_config(alembic_config()).get_current_head()
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == []
    tables = set(inspect(engine).get_table_names())
    assert set(metadata.tables) <= tables


def test_there_is_a_single_head():
    from alembic.script import ScriptDirectory

    from services.migrate import alembic_config

    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1
