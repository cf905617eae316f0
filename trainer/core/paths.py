"""Where data and bundled content live: --data-dir, then CVI_TRAINER_HOME, then the platform default.
What this computer remembers about databases lives apart, in the user's configuration folder.

Everything the app writes holds personal records, so it is written privately (on POSIX the data
folder 0700, files 0600, whatever the umask): write_private, create_private, make_private.
SQLite gives its -wal, -shm and -journal files the mode of the database file, so a database file
created private keeps its companions private too."""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import tempfile
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
    def restore_journal(self) -> Path:
        """Present only while a restore is under way (see core.backup)."""
        return self.data_dir / (DATABASE_FILE + ".restore-journal")

    def sqlite_files(self) -> list[Path]:
        """The database and its -wal, -shm and -journal files that exist now."""
        return [
            p
            for p in (self.database, *(sidecar(self.database, s) for s in SQLITE_SIDECARS))
            if p.exists()
        ]

    @property
    def lock_file(self) -> Path:
        return self.data_dir / "cvi-trainer.pid"

    @property
    def config_dir(self) -> Path:
        return user_config_dir()

    @property
    def audit_heads(self) -> Path:
        return audit_heads_file()


SQLITE_SIDECARS = ("-wal", "-shm", "-journal")
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def sidecar(database: Path, suffix: str) -> Path:
    """``<database>-wal`` and friends: SQLite finds them by appending to the file name."""
    return database.with_name(database.name + suffix)


def make_private(path: Path, mode: int = PRIVATE_FILE) -> None:
    """Tighten an existing file (or folder) we own to owner-only; no-op off POSIX or if not ours."""
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.chmod(path, mode)


def make_private_dir(path: Path) -> None:
    """Create a folder 0700 (its missing parents get the usual mode). An existing folder is left
    as it is: it may be one the person chose and shares on purpose."""
    if path.is_dir():
        return
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    make_private(path, PRIVATE_DIR)  # mkdir's mode passes through the umask; this does not


def create_private(path: Path) -> None:
    """A new empty file, 0600, replacing any file of that name (SQLite treats an empty file as a
    new database, so this is how database files are created private)."""
    path.unlink(missing_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    make_private(path)


def write_private(path: Path, data: bytes | str, *, sync: bool = False) -> None:
    """Write a whole file readable only by its owner (0600), also when it already existed with a
    wider mode. With `sync`, it is on disk when this returns. Raises OSError."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
    try:
        if os.name == "posix":
            os.fchmod(fd, PRIVATE_FILE)
        view = memoryview(raw)
        while view:
            view = view[os.write(fd, view) :]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries (so a rename in it survives a power cut), to disk."""
    if os.name != "posix" and path.is_dir():
        return  # Windows cannot open a folder for fsync; NTFS journals renames itself
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


_viewing: list[Path] = []


def viewing_copy(name: str, data: bytes) -> Path:
    """A private copy of `data` for the system's viewer (a PDF opened from the app), in a folder
    of this run that is removed when the app exits."""
    if not _viewing:
        folder = Path(tempfile.mkdtemp(prefix="cvi-trainer-view-"))  # 0700, unguessable
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _viewing.append(folder)
    path = _viewing[0] / name
    write_private(path, data)
    return path


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
        write_private(paths.lock_file, str(os.getpid()))


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
