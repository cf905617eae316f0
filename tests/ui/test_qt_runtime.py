"""The installed Qt binding survives what a long working session does: many signal emissions."""

from __future__ import annotations

import os
import subprocess
import sys

SCRIPT = """
from PySide6.QtCore import QCoreApplication, QObject, Signal
app = QCoreApplication([])
class Source(QObject):
    changed = Signal(int, int)
source = Source()
seen = []
source.changed.connect(lambda a, b: seen.append(a))
for i in range(50000):
    source.changed.emit(i, 3)
print(len(seen))
"""


def test_fifty_thousand_signal_emissions_do_not_crash_the_interpreter() -> None:
    # PySide6 6.12.0 on CPython 3.11 aborted here ("Fatal Python error: none_dealloc").
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "50000"
