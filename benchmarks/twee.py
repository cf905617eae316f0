"""Twee import speed: passages per second on a generated 2,000-passage story, beside a plain
read of the same file (open + UTF-8 decode + split on lines) from the same run.

Run: python benchmarks/twee.py [PASSAGES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from trainer.core.twee import import_twee_file, read_passages


def story(passages: int) -> str:
    parts = [
        ":: StoryTitle\nBenchmark\n",
        ':: StoryData\n{"ifid": "D674C58C-DEFA-4F70-B7A2-27742230C0FC"}\n',
    ]
    for i in range(passages - 1):
        a, b = i + 1, min(i + 2, passages - 1)
        parts.append(
            f":: Scene {i} [tag]\nYou stand at a corner; somebody is shouting about scene {i}.\n"
            f"It is late and <<set $n to {i}>> the street is busy.\n\n"
            f"[[Walk over calmly->Scene {a}]]\n[[Call your partner first|Scene {b}]]\n"
        )
    parts.append(f":: Scene {passages - 1} [ending]\nThe end.\n")
    parts[2] = parts[2].replace(":: Scene 0", ":: Start").replace("[tag]", "")
    return "\n".join(parts).replace("->Scene 0]]", "->Start]]")


def best(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.twee"
        path.write_text(story(n), encoding="utf-8")
        plain = best(lambda: path.read_bytes().decode("utf-8").split("\n"))
        passages = best(lambda: read_passages(path.read_text(encoding="utf-8")))
        full = best(lambda: import_twee_file(path), runs=1)
        _, report = import_twee_file(path)
        print(f"{n} passages, {path.stat().st_size:,} bytes")
        print(f"plain read:           {plain * 1000:8.1f} ms")
        print(f"read passages:        {passages * 1000:8.1f} ms  ({n / passages:,.0f} passages/s)")
        print(
            f"whole import:         {full * 1000:8.1f} ms  ({n / full:,.0f} passages/s)"
            f"  accepted={report.accepted}"
        )
        for line in report.lines()[:3]:
            print("  " + line[:160])


if __name__ == "__main__":
    main()
