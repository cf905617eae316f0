"""Start-up time to the first *painted* sign-in form, for CVI Trainer and for a bare PySide6
window measured the same way in the same run (interleaved), printed with their ratio; then
``--demo`` (a fresh demo folder each time) to its first painted form and to its data being ready.

    python benchmarks/startup.py [--runs 15] [--demo-runs 3]

"Painted" means: the form's text field has received its first paint event, and a key press sent
to it right after was taken (its text changed). Each process prints the wall-clock time of that
moment, so neither figure includes shutting down. The app's database work (open, content import,
audit check) runs on a thread that starts at that first paint; "ready" is when it has finished.

Uses the real display if DISPLAY is set (e.g. under Xvfb), else Qt's offscreen platform.
Python's compiled bytecode is kept (in the temporary folder) as an installed app has it, so
neither figure includes compiling source. Measures the ``trainer`` package of the checkout this
script is in (first on PYTHONPATH, ahead of any installed copy) and prints which one it was.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent

# The same measurement as trainer.app._on_first_paint / _type_into_sign_in, on a window with a
# label and a text field.
BARE = """
import time
from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QMainWindow, QVBoxLayout, QWidget
app = QApplication([])
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1100, 720)
body = QWidget()
layout = QVBoxLayout(body)
layout.addWidget(QLabel("Sign in"))
field = QLineEdit()
layout.addWidget(field)
window.setCentralWidget(body)

def press():
    app.sendEvent(field, QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A,
                                   Qt.KeyboardModifier.NoModifier, "a"))
    if field.text() == "a":
        print(f"painted {time.time():.6f}", flush=True)
    app.quit()

class FirstPaint(QObject):
    done = False
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            QTimer.singleShot(0, press)
        return False

watcher = FirstPaint()
field.installEventFilter(watcher)
window.show()
app.exec()
"""


def timed(cmd: list[str], env: dict[str, str]) -> dict[str, float]:
    """Seconds from launching ``cmd`` to each moment it prints ("painted", "ready")."""
    start = time.time()
    done = subprocess.run(
        cmd, env=env, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    moments = {}
    for line in done.stdout.splitlines():
        name, _, stamp = line.partition(" ")
        if name in ("painted", "ready"):
            moments[name] = float(stamp) - start
    if "painted" not in moments:
        raise SystemExit(f"{cmd[-1]!r}: no painted form was reported")
    return moments


def line(name: str, times: list[float]) -> str:
    median = statistics.median(times)
    return (
        f"{name:<28}median {median * 1000:7.1f} ms  "
        f"(min {min(times) * 1000:.1f}, max {max(times) * 1000:.1f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--demo-runs", type=int, default=3)
    args = parser.parse_args()
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    # The checkout this script belongs to, not whichever copy the interpreter has installed.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(CHECKOUT), env.get("PYTHONPATH", "")) if p)
    measured = subprocess.run(
        [sys.executable, "-c", "import trainer; print(trainer.__file__)"],
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        # Installed, the app's modules are compiled once (pip does it); with
        # PYTHONDONTWRITEBYTECODE every run would compile them from source again.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "bytecode")
        app_env = {**env, "CVI_TRAINER_EXIT_WHEN_SHOWN": "1"}
        ready_env = {**env, "CVI_TRAINER_EXIT_WHEN_SHOWN": "ready"}
        data = Path(tmp) / "data"
        subprocess.run(
            [sys.executable, "-m", "trainer", "seed-demo", "--data-dir", str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        app_cmd = [sys.executable, "-m", "trainer", "--data-dir", str(data)]
        bare_cmd = [sys.executable, "-c", BARE]
        timed(app_cmd, app_env)  # warm the OS file cache for both
        timed(bare_cmd, env)
        app_times, bare_times, ready_times = [], [], []
        for _ in range(args.runs):
            bare_times.append(timed(bare_cmd, env)["painted"])
            app_times.append(timed(app_cmd, app_env)["painted"])
        for _ in range(max(1, args.runs // 5)):
            ready_times.append(timed(app_cmd, ready_env)["ready"])
        demo_painted, demo_ready = [], []
        for run in range(args.demo_runs):
            demo_cmd = [*app_cmd[:-1], str(Path(tmp) / f"demo{run}"), "--demo"]
            moments = timed(demo_cmd, ready_env)
            demo_painted.append(moments["painted"])
            demo_ready.append(moments["ready"])
    bare = statistics.median(bare_times)
    app = statistics.median(app_times)
    platform = "xcb (DISPLAY)" if env.get("DISPLAY") else "offscreen"
    print(f"trainer measured: {Path(measured).parent}")
    print("bytecode: compiled once, kept for every run (as installed)")
    print(f"platform: {platform}; runs: {args.runs} each, interleaved; demo runs: {args.demo_runs}")
    print(line("bare PySide6 window painted", bare_times))
    print(line("CVI Trainer sign-in painted", app_times))
    print(f"ratio (app / bare)          {app / bare:.2f}   target <= 1.5")
    print(line("CVI Trainer database ready", ready_times))
    print(line("--demo sign-in painted", demo_painted))
    print(line("--demo data ready", demo_ready))


if __name__ == "__main__":
    main()
