"""What the composition root hands to every screen: the database, the clock, the paths."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from trainer.core.clock import Clock
from trainer.core.db import Database
from trainer.core.paths import AppPaths


@dataclass
class AppContext:
    db: Database
    clock: Clock
    paths: AppPaths | None  # None when running on a database URL
    content_root: Path
    demo: bool = False
