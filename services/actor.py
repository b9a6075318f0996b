"""The user on whose behalf a service acts: plain data, safe to keep in a UI session."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Actor:
    id: int | None
    username: str
    display_name: str
    role: str
    side: str

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    def as_dict(self) -> dict:
        return asdict(self)


SYSTEM = Actor(id=None, username="system", display_name="System", role="admin", side="school")
