"""A test hook that kills this process at a named point, so tests can prove a hard stop loses nothing.

Set ``CVI_TRAINER_CRASH_AT=NAME`` (or ``NAME@N`` for the N-th time the point is reached) and the
process sends itself SIGKILL there: no ``finally``, no ``atexit``, no flush, just as when the power
goes. Unset (always, outside tests) it costs one dictionary lookup. The points:

- ``backup:mid-copy``      the database copied into ``<backup>.partial``, not yet closed
- ``backup:after-copy``    the copy complete and checked, not yet renamed to the backup's name
- ``backup:after-rename``  the backup in place, its head file and audit entry not yet written
- ``backup:after-head``    the head file written, the audit entry not yet
- ``restore:after-journal``  the restore journal written (phase "copying"), nothing copied yet
- ``restore:mid-copy``       part of the source copied into the staging file
- ``restore:after-copy``     the staging copy checked and its audit entry written
- ``restore:after-phase``    the journal says "swapping", no file moved yet
- ``restore:after-keep``     the live database renamed to the kept copy
- ``restore:after-wal``      the live database's -wal/-shm moved or removed too
- ``restore:after-swap``     the staging copy renamed to the live database, journal still there
- ``issue:before-commit``    one credential of a batch written, its transaction not yet committed
- ``issue:after-commit``     one credential of a batch committed
"""

from __future__ import annotations

import os
import signal

ENV_CRASH_AT = "CVI_TRAINER_CRASH_AT"
_reached: dict[str, int] = {}


def crash_point(name: str) -> None:
    """SIGKILL this process if $CVI_TRAINER_CRASH_AT names this point (tests only)."""
    wanted = os.environ.get(ENV_CRASH_AT)
    if not wanted:
        return
    point, _, nth = wanted.partition("@")
    if point != name:
        return
    _reached[name] = _reached.get(name, 0) + 1
    if _reached[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
