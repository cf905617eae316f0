"""The four roles a person can hold (kept free of SQLAlchemy so start-up can use it cheaply)."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    TRAINER = "trainer"
    MANAGER = "manager"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return self.value.capitalize()
