"""What the composition root hands to every screen: the database, the clock, the paths."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trainer.core.clock import Clock
from trainer.core.paths import AppPaths

if TYPE_CHECKING:
    from trainer.core.db import Database


@dataclass
class AppContext:
    """``db`` is opened on first use, so the sign-in window can appear before SQLAlchemy loads."""

    open_db: Callable[[], Database]
    clock: Clock
    paths: AppPaths | None  # None when running on a database URL
    content_root: Path
    demo: bool = False
    # What a pre-flight read already knows (None: ask the database).
    organization_name: str | None = None
    _db: Database | None = field(default=None, init=False, repr=False)

    @property
    def db(self) -> Database:
        if self._db is None:
            self._db = self.open_db()
        return self._db

    @property
    def db_is_open(self) -> bool:
        return self._db is not None

    @classmethod
    def for_database(
        cls,
        db: Database,
        clock: Clock,
        paths: AppPaths | None,
        content_root: Path,
        demo: bool = False,
    ) -> AppContext:
        ctx = cls(
            open_db=lambda: db, clock=clock, paths=paths, content_root=content_root, demo=demo
        )
        ctx._db = db
        return ctx

    def dispose(self) -> None:
        if self._db is not None:
            self._db.dispose()
