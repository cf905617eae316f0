"""Command line: parses arguments, calls services, prints. Qt is imported only to open the GUI."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from trainer import APP_NAME, __version__
from trainer.core.errors import TrainerError

PASSWORD_ENV = "CVI_TRAINER_PASSWORD"


def _location_options() -> argparse.ArgumentParser:
    # Accepted before or after the subcommand (``cvi-trainer seed-demo --data-dir DIR``).
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="folder for the embedded database (default: $CVI_TRAINER_HOME, "
        "else the platform's user data folder)",
    )
    common.add_argument(
        "--database-url",
        metavar="URL",
        default=argparse.SUPPRESS,
        help="any SQLAlchemy URL instead of the embedded SQLite database, e.g. "
        "postgresql+psycopg://user:password@host/dbname",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _location_options()
    parser = argparse.ArgumentParser(
        prog="cvi-trainer",
        parents=[common],
        description=f"{APP_NAME}: training and credentials for community violence intervention "
        "workers. With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--demo", action="store_true", help="open the app on a fresh throwaway demo organization"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser(
        "seed-demo",
        parents=[common],
        help="create the demo organization and people without opening a window",
    )
    p.set_defaults(func=cmd_seed_demo)

    p = sub.add_parser("audit", help="the audit log")
    audit_sub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    v = audit_sub.add_parser(
        "verify", parents=[common], help="check the hash chain; report the first broken entry"
    )
    v.set_defaults(func=cmd_audit_verify)

    p = sub.add_parser("backup", parents=[common], help="write a consistent copy of the database")
    p.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        type=Path,
        help="backup file (default: DATA_DIR/backups/cvi-trainer-DATE.sqlite3)",
    )
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser(
        "restore", parents=[common], help="replace the database with a backup (close the app first)"
    )
    p.add_argument("file", metavar="FILE", type=Path)
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser(
        "people", help="list or add people, acting as --as USER (their role rules apply)"
    )
    people_sub = p.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    for name, helptext, func in (
        ("list", "list the people you may see", cmd_people_list),
        ("add", "add a person (admins only)", cmd_people_add),
    ):
        q = people_sub.add_parser(name, parents=[common], help=helptext)
        q.add_argument(
            "--as",
            dest="actor",
            metavar="USERNAME",
            required=True,
            help=f"who is acting; the password is read from ${PASSWORD_ENV} or asked",
        )
        if name == "add":
            q.add_argument("username")
            q.add_argument("full_name", metavar="FULL_NAME")
            q.add_argument(
                "--role",
                action="append",
                dest="roles",
                required=True,
                choices=["trainee", "trainer", "manager", "admin"],
                help="repeat for more than one role",
            )
            q.add_argument("--job-title", default=None)
            q.add_argument(
                "--temporary-password",
                default=None,
                help="password to be changed at first sign-in (asked if not given)",
            )
        q.set_defaults(func=func)

    p = sub.add_parser("check", help="validate curricula and scenarios; print path:line: message")
    p.add_argument("paths", metavar="PATH", nargs="+", type=Path)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "import-content",
        parents=[common],
        help="import new bundled content; offer changed content as updates",
    )
    p.set_defaults(func=cmd_import_content)
    return parser


# --- helpers ---------------------------------------------------------------------------------


def _paths(args: argparse.Namespace):  # -> AppPaths
    from trainer.core.paths import AppPaths

    return AppPaths.resolve(getattr(args, "data_dir", None))


def _open(args: argparse.Namespace, *, create: bool = False):  # -> Database
    from trainer.core.db import open_database

    url = getattr(args, "database_url", None)
    if not url and not create:
        paths = _paths(args)
        if not paths.database.exists():
            raise TrainerError(
                f"There is no CVI Trainer database in {paths.data_dir}. Check "
                "--data-dir (or CVI_TRAINER_HOME), or create one by opening the "
                "app there."
            )
    return open_database(None if url else _paths(args), url)


@contextmanager
def _database(args: argparse.Namespace, *, create: bool = False) -> Iterator[Any]:
    db = _open(args, create=create)
    try:
        yield db
    finally:
        db.dispose()


def _now():
    from trainer.core.clock import SystemClock

    return SystemClock().now()


def _sign_in(db, username: str):  # -> Person
    from trainer.core.services import accounts

    password = os.environ.get(PASSWORD_ENV)
    if password is None:
        password = _ask_password(f"Password for {username}: ")
    with db.begin() as session:
        outcome = accounts.sign_in(session, username, password, now=_now())
    if outcome.person is None:
        raise TrainerError(outcome.error or "Sign-in refused.")
    if outcome.must_change_password:
        raise TrainerError(
            f"{username} must first choose their own password: sign in to the app "
            "once and change the temporary password."
        )
    return outcome.person


def _ask_password(prompt: str) -> str:
    import getpass

    if not sys.stdin.isatty():
        raise TrainerError(
            f"No password given. Set {PASSWORD_ENV} or run the command in a terminal so it can ask."
        )
    try:
        return getpass.getpass(prompt)
    except EOFError as exc:
        raise TrainerError("No password given.") from exc


# --- commands --------------------------------------------------------------------------------


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from trainer.core.demo import seed_demo
    from trainer.core.demo_people import demo_credentials_text
    from trainer.core.services.accounts import get_organization

    with _database(args, create=True) as db, db.begin() as session:
        if get_organization(session) is not None:
            raise TrainerError(
                "This database already has an organization; demo data goes "
                "into an empty data folder. Choose another --data-dir."
            )
        seed_demo(session, now=_now())
    where = getattr(args, "database_url", None) or str(_paths(args).data_dir)
    print(f"Demo organization created in {where}\nSign in with:\n{demo_credentials_text()}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from trainer.core.audit import verify_chain

    with _database(args) as db, db.begin() as session:
        report = verify_chain(session)
    if report.intact:
        print(f"Audit log intact: {report.entries} entries, every link checks out.")
        return 0
    print(f"Audit log BROKEN at entry {report.first_bad_id}: {report.problem}.", file=sys.stderr)
    return 1


def cmd_backup(args: argparse.Namespace) -> int:
    from trainer.core.backup import backup_sqlite

    with _database(args) as db:
        target = args.output or (
            _paths(args).backups / f"cvi-trainer-{_now().strftime('%Y%m%d-%H%M%S')}.sqlite3"
        )
        written = backup_sqlite(db, target)
    print(f"Backup written to {written}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from trainer.core.backup import restore_sqlite

    if getattr(args, "database_url", None):
        raise TrainerError(
            "restore works on the embedded SQLite database; for PostgreSQL use "
            "pg_restore (see README)."
        )
    kept = restore_sqlite(_paths(args), args.file, now=_now())
    print(f"Restored {args.file}. The database it replaced was kept as {kept}")
    return 0


def cmd_people_list(args: argparse.Namespace) -> int:
    from trainer.core.services import accounts

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            people = accounts.list_people(session, actor)
            rows = [
                (
                    p.username,
                    p.full_name,
                    ", ".join(sorted(p.roles)),
                    "active" if p.active else "deactivated",
                )
                for p in people
            ]
    width = max((len(r[0]) for r in rows), default=8)
    for username, name, roles, status in rows:
        print(f"{username:<{width}}  {name}  [{roles}]  {status}")
    return 0


def cmd_people_add(args: argparse.Namespace) -> int:
    from trainer.core.services import accounts

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        from trainer.core.services.permissions import require

        with db.begin() as session:
            require(session, actor, "manage_people")  # refuse before asking for anything
        password = args.temporary_password or _ask_password(
            "Temporary password for the new person: "
        )
        with db.begin() as session:
            person = accounts.add_person(
                session,
                actor,
                accounts.NewPerson(
                    username=args.username,
                    full_name=args.full_name,
                    roles=frozenset(args.roles),
                    password=password,
                    job_title=args.job_title,
                ),
                now=_now(),
            )
            username = person.username
    print(f"Added {username}. They must change the temporary password at first sign-in.")
    return 0


def cmd_import_content(args: argparse.Namespace) -> int:
    from trainer.core.paths import bundled_content_root
    from trainer.core.services import library

    with _database(args) as db, db.begin() as session:
        report = library.import_bundled(session, bundled_content_root(), now=_now())
    print(
        f"Added {len(report.added)}, offered {len(report.offered)} updates, "
        f"{report.unchanged} unchanged."
    )
    for error in report.errors:
        print(error, file=sys.stderr)
    return 1 if report.errors else 0


def cmd_check(args: argparse.Namespace) -> int:
    from trainer.core.formats import check_paths

    messages, checked = check_paths(args.paths)
    for message in messages:
        print(message)
    if messages:
        print(
            f"{len(messages)} problem{'s' if len(messages) != 1 else ''} in {checked} files.",
            file=sys.stderr,
        )
        return 1
    print(f"{checked} files checked, no problems.", file=sys.stderr)
    return 0


def _run_gui(args: argparse.Namespace) -> int:
    from trainer.core.paths import AppPaths

    demo = bool(args.demo)
    url = getattr(args, "database_url", None)
    throwaway = demo and not url and not getattr(args, "data_dir", None)
    if throwaway:
        import tempfile

        paths = AppPaths(Path(tempfile.mkdtemp(prefix="cvi-trainer-demo-")))
    else:
        paths = _paths(args)
    from trainer.app import run

    try:
        return run(paths, url, demo=demo)
    finally:
        if throwaway:
            import shutil

            shutil.rmtree(paths.data_dir, ignore_errors=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command is None:
            return _run_gui(args)
        return int(args.func(args))
    except TrainerError as exc:
        print(f"cvi-trainer: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
