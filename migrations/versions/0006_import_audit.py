"""import audit: one record per import lists the rows it created, changed and deleted

A bulk import used to write one ``audit_event`` per row (50,000 for a large framework).
Now it writes one ``import`` event, and ``import_record.entities`` lists what the import
did: created ids as ranges per entity type, changed rows with before → after, deleted rows
with their last values. ``services.history`` reads it so an entity's history still shows
the import that created or changed it, who ran it and when.

Revision ID: 0006_import_audit
Revises: 0005_notifications
Create Date: 2026-12-01 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_import_audit"
down_revision: str | Sequence[str] | None = "0005_notifications"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("import_record") as batch:
        batch.add_column(sa.Column("entities", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("import_record") as batch:
        batch.drop_column("entities")
