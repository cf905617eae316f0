"""Start-up time: process start to the sign-in window shown, for CVI Trainer and for a bare
PySide6 window measured in the same run (interleaved), printed with their ratio.

    python benchmarks/startup.py [--runs 15]

Uses the real display if DISPLAY is set (e.g. under Xvfb), else Qt's offscreen platform. Both
processes quit as soon as their first window has been shown, so the figure includes interpreter
start, imports, opening and checking the database, and building the window.
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

BARE = """
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication([])
window = QMainWindow()
window.setWindowTitle("bare")
window.resize(1100, 720)
window.show()
QTimer.singleShot(0, app.quit)
app.exec()
"""


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        subprocess.run(
            [sys.executable, "-m", "trainer", "seed-demo", "--data-dir", str(data)],
            check=True,
            stdout=subprocess.DEVNULL,
            env=env,
        )
        app_env = {**env, "CVI_TRAINER_EXIT_WHEN_SHOWN": "1"}
        app_cmd = [sys.executable, "-m", "trainer", "--data-dir", str(data)]
        bare_cmd = [sys.executable, "-c", BARE]
        timed(app_cmd, app_env)  # warm the OS file cache for both
        timed(bare_cmd, env)
        app_times, bare_times = [], []
        for _ in range(args.runs):
            bare_times.append(timed(bare_cmd, env))
            app_times.append(timed(app_cmd, app_env))
    bare = statistics.median(bare_times)
    app = statistics.median(app_times)
    platform = "xcb (DISPLAY)" if env.get("DISPLAY") else "offscreen"
    print(f"platform: {platform}; runs: {args.runs} each, interleaved")
    print(
        f"bare PySide6 window   median {bare * 1000:7.1f} ms  "
        f"(min {min(bare_times) * 1000:.1f}, max {max(bare_times) * 1000:.1f})"
    )
    print(
        f"CVI Trainer sign-in   median {app * 1000:7.1f} ms  "
        f"(min {min(app_times) * 1000:.1f}, max {max(app_times) * 1000:.1f})"
    )
    print(f"ratio (app / bare)    {app / bare:.2f}   target <= 1.5")


if __name__ == "__main__":
    main()
