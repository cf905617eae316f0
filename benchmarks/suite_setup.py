"""What a test pays for its organization: built the old way (migrations, five password hashes
and a signing key at the app's Argon2 cost, the bundled content imported), the same with the
test suite's cheap Argon2 parameters, and copied from the templates (tests/templates.py).
Interleaved in one run; medians and ratios printed side by side.

    python benchmarks/suite_setup.py [--runs 7]

Each figure is one test's database: an empty one opened (migrated, or copied), the team, the
organization with content and key, and one unlock of the key (most credential tests issue)."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from trainer.core import passwords, signing  # before tests lowers the cost

STRONG = (
    (passwords.TIME_COST, passwords.MEMORY_KIB, passwords.PARALLELISM),
    (signing.KDF_TIME, signing.KDF_MEMORY_KIB, signing.KDF_PARALLELISM),
)

from tests import cheap_kdf, templates  # noqa: E402
from tests.conftest import FakeClock, Team, _build_team  # noqa: E402
from tests.core.credential_fixtures import Org, _content_and_key  # noqa: E402
from trainer.core.db import open_database  # noqa: E402
from trainer.core.paths import AppPaths  # noqa: E402


def use_strong() -> None:
    (
        (passwords.TIME_COST, passwords.MEMORY_KIB, passwords.PARALLELISM),
        (
            signing.KDF_TIME,
            signing.KDF_MEMORY_KIB,
            signing.KDF_PARALLELISM,
        ),
    ) = STRONG
    passwords._hasher.cache_clear()
    passwords.dummy_hash.cache_clear()


def built(root: Path) -> None:
    """The old way: migrate, then build team and organization service by service."""
    db = open_database(AppPaths(root / "data"))
    clock = FakeClock()
    _build_team(db, clock)
    team = Team.__new__(Team)
    team.load(db)
    _content_and_key(db, clock, team)
    org = Org.__new__(Org)
    org.db, org.clock, org.team = db, clock, team
    org.unlock()
    db.dispose()


def copied(root: Path) -> None:
    paths = AppPaths(root / "data")
    templates.new_test()
    templates.empty_database(paths)
    db = open_database(paths)
    clock = FakeClock()
    team = Team(db, clock)
    org = Org(db, clock, team)
    assert team.template is not None
    org.unlock()
    db.dispose()


def timed(make: Callable[[Path], None]) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        make(Path(tmp))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    cheap_kdf.use_cheap_parameters()
    timed(copied)  # builds the templates once, as the first test of a run does
    times: dict[str, list[float]] = {"old way": [], "cheap Argon2": [], "template copy": []}
    for _ in range(args.runs):
        use_strong()
        times["old way"].append(timed(built))
        cheap_kdf.use_cheap_parameters()
        times["cheap Argon2"].append(timed(built))
        times["template copy"].append(timed(copied))
    old = statistics.median(times["old way"])
    print(f"one test's organization, median of {args.runs} interleaved runs:")
    for name, values in times.items():
        median = statistics.median(values)
        ratio = "(the baseline)" if values is times["old way"] else f"{old / median:.1f}x faster"
        print(f"  {name:<14} {median * 1000:8.1f} ms   {ratio}")


if __name__ == "__main__":
    main()
