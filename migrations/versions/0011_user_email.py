"""user e-mail: the address the optional e-mail digest is sent to

Revision ID: 0011_user_email
Revises: 0010_login_attempts
Create Date: 2026-12-01 16:20:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011_user_email"
down_revision: str | Sequence[str] | None = "0010_login_attempts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.add_column(sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False,
                                   server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("app_user") as batch:
        batch.drop_column("email")
