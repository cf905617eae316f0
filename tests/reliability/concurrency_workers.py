"""What each separate process does in the concurrency tests: open the database by URL, wait at a
shared barrier so all start together, act the way the app does (a screen saves in one
`db.begin()`; the sign-in screen and the CLI use `db.run`, which tries again) and report the
outcome of every action, errors counted by their class name, never raised.

Kept apart from the test module so the processes import only the app, not pytest."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from trainer.core import passwords
from trainer.core.db import open_database
from trainer.core.models import Person, Role
from trainer.core.services import accounts, field_hours

WRONG_PASSWORD = "not the password at all"


def cheap_passwords() -> None:
    """Argon2 at its cheapest in this process: these tests are about writers, not hashing."""
    hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    passwords._hasher = lambda: hasher  # type: ignore[assignment]


def _outcome(errors: Counter[str], exc: BaseException) -> None:
    """Count the error by class; the first of each class also keeps its message, shortened."""
    name = type(exc).__name__
    if not errors[name]:
        errors[f"{name}: " + str(exc).strip().splitlines()[0][:200]] = 0
    errors[name] += 1


def log_hours(url: str, person_id: int, count: int, barrier: Any) -> dict[str, int]:
    db = open_database(url=url)
    with db.begin() as session:
        person = session.get(Person, person_id)
    barrier.wait()
    errors: Counter[str] = Counter()
    now = datetime.now(UTC)
    for i in range(count):
        entry = field_hours.NewHours(
            worked_on=now.date() - timedelta(days=i % 30),
            hours=1.0,
            activity="outreach",
            notes=f"entry {i}",
        )
        try:
            with db.begin() as session:
                field_hours.log_hours(session, person, entry, now=now)
        except Exception as exc:
            _outcome(errors, exc)
    db.dispose()
    return dict(errors)


def add_people(url: str, admin_id: int, prefix: str, count: int, barrier: Any) -> dict[str, int]:
    cheap_passwords()
    db = open_database(url=url)
    with db.begin() as session:
        admin = session.get(Person, admin_id)
    barrier.wait()
    errors: Counter[str] = Counter()
    for i in range(count):
        new = accounts.NewPerson(
            username=f"{prefix}{i:03d}",
            full_name=f"Person {prefix} {i}",
            roles=frozenset({Role.TRAINEE}),
            password="a temporary password",
        )
        try:
            with db.begin() as session:
                accounts.add_person(session, admin, new, now=datetime.now(UTC))
        except Exception as exc:
            _outcome(errors, exc)
    db.dispose()
    return dict(errors)


def wrong_password(url: str, username: str, barrier: Any) -> dict[str, int]:
    """One failed sign-in, as the sign-in screen makes it. Argon2 runs inside the transaction
    (about 0.15 s), so on SQLite 16 at once queue for up to a few seconds."""
    db = open_database(url=url)
    barrier.wait()
    errors: Counter[str] = Counter()
    try:
        outcome = db.run(
            lambda session: accounts.sign_in(
                session, username, WRONG_PASSWORD, now=datetime.now(UTC)
            )
        )
        if outcome.person is not None:
            errors["SignedIn"] += 1
    except Exception as exc:
        _outcome(errors, exc)
    db.dispose()
    return dict(errors)


def run_together(
    target: Any, args_list: list[tuple[Any, ...]], timeout: float = 300
) -> dict[str, int]:
    """Run `target(*args, barrier)` in one spawned process per args, all released at once; the
    errors of all of them added up, with a sample message of each kind (empty: all went well)."""
    import multiprocessing

    # Separate processes that share nothing with this one (no connection, no engine): forked
    # from a clean server process that has imported the app once, so 16 of them start in a
    # moment instead of importing SQLAlchemy and the app 16 times.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    total: Counter[str] = Counter()
    with ctx.Manager() as manager, ctx.Pool(len(args_list)) as pool:
        barrier = manager.Barrier(len(args_list))
        results = [pool.apply_async(target, (*args, barrier)) for args in args_list]
        for result in results:
            for key, n in result.get(timeout).items():
                total[key] += n  # a sample message is kept with its count of 0
    return dict(total)
