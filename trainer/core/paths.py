"""Where data and bundled content live: --data-dir, then CVI_TRAINER_HOME, then the platform default.
What this computer remembers about databases lives apart, in the user's configuration folder."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

import trainer

ENV_HOME = "CVI_TRAINER_HOME"
ENV_CONFIG = "CVI_TRAINER_CONFIG_DIR"
DATABASE_FILE = "cvi-trainer.sqlite3"
AUDIT_HEADS_FILE = "audit-heads.json"
CONTENT_KINDS = ("curricula", "scenarios", "certificates")


@dataclass(frozen=True)
class AppPaths:
    """The data directory of one installation and the files inside it."""

    data_dir: Path

    @classmethod
    def resolve(cls, data_dir: str | os.PathLike[str] | None = None) -> AppPaths:
        if data_dir:
            return cls(Path(data_dir).expanduser().resolve())
        env = os.environ.get(ENV_HOME)
        if env:
            return cls(Path(env).expanduser().resolve())
        import platformdirs  # imported here: only the default location needs it

        return cls(Path(platformdirs.user_data_dir("cvi-trainer", appauthor=False)))

    @property
    def database(self) -> Path:
        return self.data_dir / DATABASE_FILE

    @property
    def sqlite_url(self) -> str:
        return f"sqlite:///{self.database}"

    @property
    def backups(self) -> Path:
        return self.data_dir / "backups"

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "cvi-trainer.pid"

    @property
    def config_dir(self) -> Path:
        return user_config_dir()

    @property
    def audit_heads(self) -> Path:
        return audit_heads_file()


def user_config_dir() -> Path:
    """$CVI_TRAINER_CONFIG_DIR, else the platform's user configuration folder.

    Deliberately not inside the data folder: what is kept here (core.remembered_heads) is a
    witness against changes to the database, so it must not sit where the database's files do.
    It belongs to the computer and account, and holds one small record per database opened."""
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser().resolve()
    import platformdirs  # imported here: only the default location needs it

    return Path(platformdirs.user_config_dir("cvi-trainer", appauthor=False))


def audit_heads_file() -> Path:
    """Also used on a database URL, where there are no AppPaths."""
    return user_config_dir() / AUDIT_HEADS_FILE


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def app_is_running(paths: AppPaths) -> bool:
    """Whether a CVI Trainer window has this data folder open (a stale file is ignored)."""
    try:
        pid = int(paths.lock_file.read_text().strip())
    except (OSError, ValueError):
        return False
    return pid != os.getpid() and _pid_alive(pid)


def mark_running(paths: AppPaths) -> None:
    # Only a courtesy for `restore`; never a reason not to start.
    with contextlib.suppress(OSError):
        paths.lock_file.write_text(str(os.getpid()))


def clear_running(paths: AppPaths) -> None:
    try:
        if paths.lock_file.read_text().strip() == str(os.getpid()):
            paths.lock_file.unlink()
    except OSError:
        pass


def bundled_content_root() -> Path:
    """The folder holding curricula/, scenarios/ and certificates/ shipped with this copy of the app.

    An installed wheel carries them in ``trainer/_content``; a source checkout uses the top-level
    folders in place, so authors see their edits without reinstalling.
    """
    override = os.environ.get("CVI_TRAINER_CONTENT_DIR")
    if override:
        return Path(override)
    package_dir = Path(trainer.__file__).resolve().parent
    installed = package_dir / "_content"
    if installed.is_dir():
        return installed
    return package_dir.parent
