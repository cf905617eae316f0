"""How long `check` takes on the hostile files testers found, beside the shipped content checked
in the same run (the floor). Before the fix the alias bomb ran out of memory after 50 s and
200,000 undefined footnotes took 54 s; target: each case within a few seconds.

    python benchmarks/hostile_content.py
"""

from __future__ import annotations

import contextlib
import io
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tests.core.curriculum_fixtures import TRACK, module_text
from tests.reliability.test_hostile_content import BOMB
from trainer.cli import main
from trainer.core.paths import bundled_content_root

MODULE = module_text("basics-1", "First steps")
CASES: dict[str, Callable[[str], str]] = {
    "alias bomb in objectives": lambda m: m.replace("objectives: [Explain the basics]\n", BOMB),
    "200,000 undefined footnotes": lambda m: m + "[^x] " * 200_000,
    "100,000 '[' characters": lambda m: m + "[" * 100_000,
    "100,000 '[^' at line starts": lambda m: m + "[^\n" * 100_000,
    "mixed field names": lambda m: m.replace("track: basics\n", "track: basics\n1: x\nzzz: y\n"),
    "pass_mark .nan": lambda m: m.replace("pass_mark: 0.75", "pass_mark: .nan"),
    "100,000 bad prerequisites": lambda m: m.replace(
        "prerequisites: []", "prerequisites: [" + ", ".join(f"p{i}" for i in range(100_000)) + "]"
    ),
}


def _timed(*paths: Path) -> tuple[float, int]:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = main(["check", *map(str, paths)])
    return time.perf_counter() - start, code


def run() -> None:
    root = bundled_content_root()
    floor, code = _timed(root / "curricula")
    print(f"{'shipped curricula (floor)':32} {floor:6.2f} s  exit {code}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in CASES.items():
            folder = Path(tmp) / name.replace(" ", "-") / "basics"
            folder.mkdir(parents=True)
            (folder / "track.yaml").write_text(TRACK.replace(", basics-2", ""))
            (folder / "basics-1.md").write_text(make(MODULE), encoding="utf-8")
            seconds, code = _timed(folder.parent)
            print(f"{name:32} {seconds:6.2f} s  exit {code}  ({seconds / floor:.1f}x the floor)")


if __name__ == "__main__":
    run()
