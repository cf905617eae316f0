"""Command line: parses arguments, calls services, prints. Qt is imported only to open the GUI."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NoReturn

from trainer import APP_NAME, __version__
from trainer.core.errors import TrainerError
from trainer.core.plain_text import printable

PASSWORD_ENV = "CVI_TRAINER_PASSWORD"
NEW_PASSWORD_ENV = "CVI_TRAINER_NEW_PASSWORD"
PASSPHRASE_ENV = "CVI_TRAINER_SIGNING_PASSPHRASE"
NEW_PASSPHRASE_ENV = "CVI_TRAINER_NEW_SIGNING_PASSPHRASE"
APP_DB_PASSWORD_ENV = "CVI_TRAINER_APP_DB_PASSWORD"
DEBUG_ENV = "CVI_TRAINER_DEBUG"
EXIT_INTERNAL_ERROR = 70  # sysexits.h EX_SOFTWARE: a bug, not a verdict or bad input
MAX_ID = 2**31 - 1  # record ids are 32-bit integers on PostgreSQL
MAX_VERIFY_FILE_BYTES = 64 * 1024 * 1024  # far above a certificate PDF or a photo of a QR code


class _Parser(argparse.ArgumentParser):
    """Usage mistakes in one line, like every other error (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {printable(message)} (see {self.prog} --help)\n")


def credential_reference(text: str) -> str:
    """ID arguments: a record number within range, or a UUID or verification code (left to the
    service to find)."""
    stripped = text.strip()
    unsigned = stripped[1:] if stripped[:1] in ("+", "-") else stripped
    if unsigned.isdigit() and not (unsigned.isdecimal() and 1 <= int(stripped) <= MAX_ID):
        raise argparse.ArgumentTypeError(f"id must be a whole number between 1 and {MAX_ID}")
    return text


def _location_options() -> argparse.ArgumentParser:
    # Accepted before or after the subcommand (``cvi-trainer seed-demo --data-dir DIR``).
    common = _Parser(add_help=False)
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
    parser = _Parser(
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
        "verify",
        parents=[common],
        help="check the hash chain and this computer's memory of the log; exit 0 intact, "
        "1 broken, cut or rewritten, 2 unreadable --against file",
    )
    v.add_argument(
        "--against",
        metavar="FILE",
        type=Path,
        help="also report entries missing or changed since the head in FILE: a backup, a head "
        "file (audit head -o) or an exported status list",
    )
    v.set_defaults(func=cmd_audit_verify)
    v = audit_sub.add_parser(
        "head",
        parents=[common],
        help=f"export the log's current head to keep elsewhere (signed when ${PASSPHRASE_ENV} "
        "is set)",
    )
    v.add_argument("-o", "--output", metavar="FILE", type=Path, help="head file (default: print)")
    _acting(v)
    v.set_defaults(func=cmd_audit_head)

    p = sub.add_parser(
        "backup",
        parents=[common],
        help="write a consistent copy of the database and the head of its audit log beside it "
        f"(signed when ${PASSPHRASE_ENV} is set)",
    )
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
            q.description = (
                f"The new person's temporary password is read from ${NEW_PASSWORD_ENV}, else asked "
                "(or read as one line from standard input when it is not a terminal); never from "
                "the command line, where other users and the shell history can see it."
            )
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

    p = sub.add_parser(
        "import-twee",
        help="make a scenario file from a Twine story (Twee 3); print what was found",
    )
    p.add_argument("file", metavar="FILE", type=Path, help="the .twee file")
    _output(p, "the scenario file to write (.yaml); its name is the scenario's id")
    p.set_defaults(func=cmd_import_twee)

    p = sub.add_parser("export-twee", help="write a scenario as a Twine story (Twee 3)")
    p.add_argument("scenario", metavar="SCENARIO", type=Path, help="the scenario's .yaml file")
    _output(p, "the .twee file to write")
    p.set_defaults(func=cmd_export_twee)
    _credential_commands(sub, common)
    _db_commands(sub, common)
    return parser


def _db_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("db", help="the shared database server")
    db_sub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    q = db_sub.add_parser(
        "setup",
        parents=[common],
        help="with --database-url OWNER_URL (PostgreSQL): create or upgrade the schema and "
        "grant an application role what desktops use, not rewriting history; run again after "
        "every upgrade",
    )
    q.add_argument(
        "--app-role",
        metavar="NAME",
        default="cvi_trainer_app",
        help=f"the role desktops connect as, created if missing; its password is read from "
        f"${APP_DB_PASSWORD_ENV} or asked when the role is new (default: %(default)s)",
    )
    q.set_defaults(func=cmd_db_setup)


def _acting(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="USERNAME",
        required=True,
        help=f"who is acting; the password is read from ${PASSWORD_ENV} or asked",
    )


def _credential_id(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "credential",
        metavar="ID",
        type=credential_reference,
        help="number, UUID or verification code",
    )


def _output(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("-o", "--output", metavar="FILE", type=Path, required=True, help=what)


def _credential_commands(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser(
        "verify",
        parents=[common],
        help="verify a certificate PDF, Open Badge (.jwt), QR image, or verification code; "
        "exit 0 verified, 1 any other verdict, 2 unreadable input",
    )
    p.add_argument("target", metavar="FILE|CODE")
    p.add_argument(
        "--require-status",
        action="store_true",
        help="exit 1 unless revocation was checked against fresh data (for scripts)",
    )
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("keys", help="the organization's public signing keys")
    keys_sub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    q = keys_sub.add_parser("export", parents=[common], help="write the public keys as a JWK Set")
    _output(q, "JWK Set file (.json)")
    q.set_defaults(func=cmd_keys_export)
    q = keys_sub.add_parser(
        "card",
        parents=[common],
        help=f"write the signed issuer card other organizations import (passphrase from "
        f"${PASSPHRASE_ENV} or asked)",
    )
    _output(q, "issuer card file (.json)")
    _acting(q)
    q.set_defaults(func=cmd_keys_card)
    q = keys_sub.add_parser(
        "rotate",
        parents=[common],
        help=f"retire the signing key and create a new one: the current passphrase from "
        f"${PASSPHRASE_ENV} or asked, the new one from ${NEW_PASSPHRASE_ENV} or asked",
    )
    _acting(q)
    q.set_defaults(func=cmd_keys_rotate)
    q = keys_sub.add_parser(
        "passphrase",
        parents=[common],
        help=f"change the signing passphrase, same key (current from ${PASSPHRASE_ENV}, new from "
        f"${NEW_PASSPHRASE_ENV}, or asked)",
    )
    _acting(q)
    q.set_defaults(func=cmd_keys_passphrase)
    q = keys_sub.add_parser(
        "replace-lost",
        parents=[common],
        help="admins: replace a key whose passphrase was lost (other organizations must then "
        "re-check your fingerprint)",
    )
    q.add_argument("--reason", required=True, help="why, for the audit log")
    q.add_argument("--yes", action="store_true", help="confirm: this cannot be undone")
    _acting(q)
    q.set_defaults(func=cmd_keys_replace_lost)

    p = sub.add_parser("trust", help="trusted issuers from other organizations")
    trust_sub = p.add_subparsers(dest="trust_command", metavar="ACTION", required=True)
    q = trust_sub.add_parser(
        "import", parents=[common], help="import an issuer card or a status list file"
    )
    q.add_argument("file", metavar="FILE", type=Path)
    q.add_argument(
        "--fingerprint",
        metavar="FP",
        help="a new issuer's key fingerprint, as they read it to you on the phone (required to "
        "trust a new issuer)",
    )
    _acting(q)
    q.set_defaults(func=cmd_trust_import)
    q = trust_sub.add_parser(
        "replace",
        parents=[common],
        help="replace a trusted issuer's keys with those on a card (after a phone check)",
    )
    q.add_argument("file", metavar="FILE", type=Path)
    q.add_argument(
        "--fingerprint", metavar="FP", required=True, help="the new key's fingerprint, as read"
    )
    _acting(q)
    q.set_defaults(func=cmd_trust_replace)
    q = trust_sub.add_parser("list", parents=[common], help="list trusted issuers")
    q.set_defaults(func=cmd_trust_list)

    p = sub.add_parser("status", help="this organization's revocation and suspension lists")
    status_sub = p.add_subparsers(dest="status_command", metavar="ACTION", required=True)
    q = status_sub.add_parser(
        "export",
        parents=[common],
        help=f"write the signed status lists (passphrase from ${PASSPHRASE_ENV} or asked)",
    )
    _output(q, "status list file")
    _acting(q)
    q.set_defaults(func=cmd_status_export)

    p = sub.add_parser("credentials", help="issued credentials")
    cred_sub = p.add_subparsers(dest="credentials_command", metavar="ACTION", required=True)
    q = cred_sub.add_parser("list", parents=[common], help="credentials you may see")
    q.add_argument("--json", action="store_true", help="one JSON array, for scripts")
    _acting(q)
    q.set_defaults(func=cmd_credentials_list)
    q = cred_sub.add_parser("pdf", parents=[common], help="save a certificate PDF as issued")
    _credential_id(q)
    _output(q, "PDF file")
    _acting(q)
    q.set_defaults(func=cmd_credentials_pdf)
    q = cred_sub.add_parser(
        "issue",
        parents=[common],
        help=f"issue a program's credential to eligible people (passphrase from ${PASSPHRASE_ENV} "
        "or asked)",
    )
    q.add_argument("program", metavar="PROGRAM", help="a program id (`credentials programs`)")
    q.add_argument("usernames", metavar="USERNAME", nargs="+")
    _acting(q)
    q.set_defaults(func=cmd_credentials_issue)
    q = cred_sub.add_parser(
        "programs", parents=[common], help="the published program ids `issue` accepts, in order"
    )
    q.set_defaults(func=cmd_credentials_programs)
    q = cred_sub.add_parser("revoke", parents=[common], help="revoke a credential (final)")
    _credential_id(q)
    q.add_argument("--reason", required=True, help="shown to anyone who verifies it")
    _acting(q)
    q.set_defaults(func=cmd_credentials_revoke)

    p = sub.add_parser(
        "export-badge",
        parents=[common],
        help="save a credential as an Open Badge: FILE.jwt (signed VC-JWT) or FILE.json (readable)",
    )
    _credential_id(p)
    _output(p, "FILE.jwt or FILE.json")
    _acting(p)
    p.set_defaults(func=cmd_export_badge)


# --- helpers ---------------------------------------------------------------------------------


def _paths(args: argparse.Namespace):  # -> AppPaths
    from trainer.core.paths import AppPaths

    return AppPaths.resolve(getattr(args, "data_dir", None))


def _open(args: argparse.Namespace, *, create: bool = False):  # -> Database
    from trainer.core.db import open_database
    from trainer.core.preflight import preflight_sqlite

    url = getattr(args, "database_url", None)
    if not url:
        paths = _paths(args)
        if not create and not paths.database.exists() and not paths.restore_journal.exists():
            raise TrainerError(
                f"There is no CVI Trainer database in {paths.data_dir}. Check "
                "--data-dir (or CVI_TRAINER_HOME), or create one by opening the "
                "app there."
            )
        notice = preflight_sqlite(paths).notice  # e.g. a restore cut short, settled now
        if notice:
            print(f"cvi-trainer: {notice}", file=sys.stderr)
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
    outcome = db.run(lambda session: accounts.sign_in(session, username, password, now=_now()))
    if outcome.person is None:
        raise TrainerError(outcome.error or "Sign-in refused.")
    if outcome.must_change_password:
        raise TrainerError(
            f"{username} must first choose their own password: sign in to the app "
            "once and change the temporary password."
        )
    return outcome.person


def _new_password() -> str:
    """The temporary password for a new person (never an argument: argv is visible to every
    local user through ps, and lands in shell history)."""
    return _new_secret("the new person (temporary)", NEW_PASSWORD_ENV)


def _ask_password(prompt: str, env: str = PASSWORD_ENV) -> str:
    import getpass

    if not sys.stdin.isatty():
        what = "password" if env == PASSWORD_ENV else "signing passphrase"
        raise TrainerError(
            f"No {what} given. Set {env} or run the command in a terminal so it can ask."
        )
    try:
        return getpass.getpass(prompt)
    except EOFError as exc:
        raise TrainerError("No password given.") from exc


# --- commands --------------------------------------------------------------------------------


def cmd_seed_demo(args: argparse.Namespace) -> int:
    from trainer.core.db import display_url
    from trainer.core.demo import seed_demo
    from trainer.core.demo_people import demo_credentials_text
    from trainer.core.services.accounts import get_organization

    with _database(args, create=True) as db, db.begin() as session:
        if get_organization(session) is not None:
            raise TrainerError(
                "This database already has an organization; demo data goes into an empty "
                + (
                    "database. Give the URL of another one."
                    if getattr(args, "database_url", None)
                    else "data folder. Choose another --data-dir."
                )
            )
        seed_demo(session, now=_now())
    url = getattr(args, "database_url", None)
    where = display_url(url) if url else str(_paths(args).data_dir)
    print(f"Demo organization created in {where}\nSign in with:\n{demo_credentials_text()}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from trainer.core.audit import verify_chain
    from trainer.core.errors import AuditHeadError
    from trainer.core.remembered_heads import HeadMemory, check_and_remember
    from trainer.core.services.audit_log import check_head_file

    with _database(args) as db, db.read() as session:  # reads only: waits for no one's save
        against = None
        if args.against is not None:
            try:
                against = check_head_file(session, args.against)
            except AuditHeadError as exc:
                print(
                    f"cvi-trainer: {printable(exc)}", file=sys.stderr
                )  # one line, naming the file
                return 2
        report = verify_chain(session)
        seen = check_and_remember(session, HeadMemory.default(), db.url, now=_now())
    if report.intact:
        print(f"Audit log intact: {report.entries} entries, every link checks out.")
    else:
        print(
            f"Audit log BROKEN at entry {report.first_bad_id}: {printable(report.problem)}.",
            file=sys.stderr,
        )
    if seen.warning:
        print(f"WARNING: {seen.warning}", file=sys.stderr)
    if against is not None:
        result = against.comparison
        if result.intact:
            print(f"Against {against.source}: {result.message}")
        else:
            print(result.message, file=sys.stderr)
        for problem in against.problems:
            print(f"WARNING: {problem}", file=sys.stderr)
        if against.signature.state != "invalid":
            print(f"  The head is {against.signature.detail}.")
    failed = not report.intact or seen.warning or (against is not None and not against.ok)
    return 1 if failed else 0


def cmd_audit_head(args: argparse.Namespace) -> int:
    from trainer.core.services import audit_log

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            exported = audit_log.export_head(
                session, actor, os.environ.get(PASSPHRASE_ENV) or None, now=_now()
            )
    if args.output is not None:
        _write(args.output, exported.text)
    else:
        print(exported.text, end="")
    if not exported.signed:
        print(
            f"The head is unsigned; set {PASSPHRASE_ENV} to sign it so it proves where it came "
            "from.",
            file=sys.stderr,
        )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from trainer.core.backup import backup_sqlite, head_file_of
    from trainer.core.errors import SigningError
    from trainer.core.services.audit_log import unlock_for_heads

    with _database(args) as db:
        key = None
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if passphrase and db.is_sqlite:
            try:
                with db.begin() as session:
                    key = unlock_for_heads(session, passphrase)
            except SigningError as exc:
                print(f"The backup's audit head is left unsigned: {exc}", file=sys.stderr)
        target = args.output or (
            _paths(args).backups / f"cvi-trainer-{_now().strftime('%Y%m%d-%H%M%S')}.sqlite3"
        )
        written = backup_sqlite(db, target, key=key, now=_now())
    signed = "signed" if key is not None else "unsigned"
    print(f"Backup written to {written}\nIts audit head ({signed}): {head_file_of(written)}")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from trainer.core.backup import recover_restore, restore_sqlite

    if getattr(args, "database_url", None):
        raise TrainerError(
            "restore works on the embedded SQLite database; for PostgreSQL use "
            "pg_restore (see README)."
        )
    paths = _paths(args)
    notice = recover_restore(paths)  # an earlier restore cut short: settled (and said) first
    if notice:
        print(f"cvi-trainer: {notice}", file=sys.stderr)
    kept = restore_sqlite(paths, args.file, now=_now())
    replaced = f" The database it replaced was kept as {kept}" if kept else ""
    print(f"Restored {args.file}.{replaced}")
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
        print(f"{username:<{width}}  {printable(name)}  [{roles}]  {status}")
    return 0


def cmd_people_add(args: argparse.Namespace) -> int:
    from trainer.core.services import accounts

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        from trainer.core.services.permissions import require

        with db.begin() as session:
            require(session, actor, "manage_people")  # refuse before asking for anything
        password = _new_password()
        new = accounts.NewPerson(
            username=args.username,
            full_name=args.full_name,
            roles=frozenset(args.roles),
            password=password,
            job_title=args.job_title,
        )
        person = db.run(lambda session: accounts.add_person(session, actor, new, now=_now()))
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
        print(printable(error), file=sys.stderr)
    return 1 if report.errors else 0


def cmd_check(args: argparse.Namespace) -> int:
    from trainer.core.formats import check_paths, is_failure

    messages, checked = check_paths(args.paths)
    for message in messages:
        print(printable(message))  # file names and values come from whoever sent the files
    failures = sum(1 for m in messages if is_failure(m))
    warnings = sum(1 for m in messages if ": warning: " in m)
    also = f" and {warnings} warning{'s' if warnings != 1 else ''}" if warnings else ""
    files = f"{checked} file{'s' if checked != 1 else ''}"
    if failures:
        print(
            f"{failures} problem{'s' if failures != 1 else ''}{also} in {files}.", file=sys.stderr
        )
        return 1
    if not checked:  # nothing was checked: that is not a pass
        print("No content files found: nothing was checked.", file=sys.stderr)
        return 1
    print(f"{files} checked, no problems{also}.", file=sys.stderr)
    return 0


def cmd_import_twee(args: argparse.Namespace) -> int:
    from trainer.core.library import KEY_RE
    from trainer.core.scenario import scenario_yaml
    from trainer.core.twee import import_twee_file

    out: Path = args.output
    if not KEY_RE.match(out.stem):  # `check` wants a scenario's id to be its file name
        raise TrainerError(
            f"{out.name}: a scenario file's name is its id: use lowercase letters, digits and "
            "hyphens, e.g. -o my-story.yaml"
        )
    scenario, report = import_twee_file(args.file, scenario_id=out.stem)
    for line in report.lines():
        print(printable(line))
    if scenario is None:
        print(f"Not imported: nothing was written to {out}.", file=sys.stderr)
        return 1
    _write(out, scenario_yaml(scenario))
    return 0


def cmd_export_twee(args: argparse.Namespace) -> int:
    from trainer.core.errors import ContentError
    from trainer.core.library import read_text_file
    from trainer.core.scenario import parse_scenario
    from trainer.core.twee import export_twee

    try:
        text = read_text_file(args.scenario)
    except ContentError as exc:
        raise ContentError(f"{args.scenario}:{str(exc).removeprefix('line ')}") from exc
    scenario, problems = parse_scenario(text)
    for problem in problems:
        print(printable(problem.format(str(args.scenario))), file=sys.stderr)
    if scenario is None:
        print(f"Not exported: nothing was written to {args.output}.", file=sys.stderr)
        return 1
    _write(args.output, export_twee(scenario))
    return 0


# --- credentials -----------------------------------------------------------------------------


def _passphrase(prompt: str = "Signing passphrase: ", env: str = PASSPHRASE_ENV) -> str:
    value = os.environ.get(env)
    return value if value is not None else _ask_password(prompt, env)


def _write(path: Path, data: bytes | str) -> None:
    from trainer.core.paths import write_private

    try:
        write_private(path, data)
    except OSError as exc:
        raise TrainerError(
            f"Cannot write {path}: {exc.strerror or exc}. Choose another place."
        ) from exc
    print(f"Wrote {path}")


def _organization_id(session: Any) -> int:
    from trainer.core.services.accounts import get_organization

    org = get_organization(session)
    if org is None:
        raise TrainerError("This database has no organization yet; open the app to set one up.")
    return int(org.id)


def _verify_input(path: Path) -> bytes:
    """The file's bytes, refusing what is far larger than any certificate before reading it."""
    from trainer.core.errors import CredentialFormatError

    try:
        with path.open("rb") as file:
            data = file.read(MAX_VERIFY_FILE_BYTES + 1)
    except OSError as exc:
        raise CredentialFormatError(f"{path} cannot be read: {exc.strerror or exc}") from exc
    if len(data) > MAX_VERIFY_FILE_BYTES:
        raise CredentialFormatError(
            f"{path} is larger than {MAX_VERIFY_FILE_BYTES // (1024 * 1024)} MB, far larger than "
            "a certificate PDF, an Open Badge or a photo of a QR code."
        )
    return data


def cmd_verify(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from trainer.core.errors import CredentialFormatError
    from trainer.core.services import verification
    from trainer.core.verify import looks_like_qr

    target = Path(args.target)
    try:
        is_file = target.is_file()
    except (OSError, ValueError):  # pasted QR text or a token: too long, or a NUL, for a path
        is_file = False
    try:
        with _database(args) as db, db.begin() as session:
            org_id = _organization_id(session)
            if is_file:
                data = _verify_input(target)
                report = verification.verify_file(session, org_id, data, target.name, now=_now())
            elif not looks_like_qr(args.target.strip()) and target.suffix.lower() in (
                ".pdf",
                ".jwt",
                ".json",
                ".png",
                ".jpg",
            ):
                raise CredentialFormatError(f"{target}: no such file.")
            else:  # QR text, a pasted Open Badge token or a verification code
                report = verification.verify_text(session, org_id, args.target, now=_now())
    except CredentialFormatError as exc:
        print(f"Cannot verify: {printable(exc)}", file=sys.stderr)
        return 2
    # Everything below may come from a stranger's file: printed with its control characters shown.
    print(printable(report.headline))
    for step in report.steps:
        print(f"  {step.name:<16} {step.outcome.upper():<12} {printable(step.detail)}")
    if report.claims is not None:
        c = replace(
            report.claims,
            holder_name=printable(report.claims.holder_name),
            title=printable(report.claims.title),
            issuer_name=printable(report.claims.issuer_name),
            credential_id=printable(report.claims.credential_id),
        )
        until = f"to {c.valid_until.date().isoformat()}" if c.valid_until else "(does not expire)"
        if report.signed:
            print("Signed details (compare with the person's photo ID):")
        else:
            print("Unverified claims (nothing here is confirmed; do not rely on them):")
        print(f"  Holder:    {c.holder_name}\n  Title:     {c.title}\n  Issuer:    {c.issuer_name}")
        print(f"  Valid:     from {c.valid_from.date().isoformat()} {until}")
        print(f"  ID:        {c.credential_id}" + (f"  code {c.code}" if c.code else ""))
    if args.require_status and report.exit_code == 0 and not report.status_checked:
        print("Revocation was not checked (--require-status).", file=sys.stderr)
        return 1
    return report.exit_code


def cmd_keys_export(args: argparse.Namespace) -> int:
    import json

    from trainer.core.services import signing_keys

    with _database(args) as db, db.begin() as session:
        data = signing_keys.jwks(session, _organization_id(session))
    if not data["keys"]:
        raise TrainerError("This organization has no signing key yet.")
    _write(args.output, json.dumps(data, indent=2) + "\n")
    return 0


def cmd_keys_card(args: argparse.Namespace) -> int:
    import json

    from trainer.core.services import signing_keys

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        passphrase = _passphrase()
        with db.begin() as session:
            key = signing_keys.unlock_for_card(session, actor, passphrase)
            card = signing_keys.issuer_card(session, actor.organization_id, key)
    _write(args.output, json.dumps(card.to_json(), indent=2) + "\n")
    print(
        "Key fingerprint to read out to the importing organization: "
        f"{signing_keys.fingerprint(card.active.jwk)}"
    )
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from trainer.core.services import signing_keys

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        current = _passphrase("Current signing passphrase: ")
        new = _passphrase("New signing passphrase: ", NEW_PASSPHRASE_ENV)
        with db.begin() as session:
            row = signing_keys.rotate_key(session, actor, current, new, now=_now())
            print(
                f"New signing key {signing_keys.fingerprint(json.loads(row.public_jwk))}; the old "
                "key is retired but kept, and endorses the new one. Send your new issuer card "
                "(cvi-trainer keys card) to the organizations that trust you."
            )
    return 0


def cmd_keys_passphrase(args: argparse.Namespace) -> int:
    from trainer.core.services import signing_keys

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        current = _passphrase("Current signing passphrase: ")
        new = _passphrase("New signing passphrase: ", NEW_PASSPHRASE_ENV)
        with db.begin() as session:
            signing_keys.change_passphrase(session, actor, current, new, now=_now())
    print("The signing passphrase was changed; the key and its fingerprint stay the same.")
    return 0


def cmd_keys_replace_lost(args: argparse.Namespace) -> int:
    from trainer.core.services import signing_keys

    if not args.yes:
        raise TrainerError(
            "Replacing the signing key without its passphrase breaks the chain other "
            "organizations trust: each must phone you to check the new fingerprint. Add --yes "
            "to go ahead."
        )
    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        new = _passphrase("New signing passphrase: ", NEW_PASSPHRASE_ENV)
        with db.begin() as session:
            row = signing_keys.replace_lost_key(session, actor, new, args.reason, now=_now())
            fp = signing_keys.fingerprint(json.loads(row.public_jwk))
    print(
        f"New signing key {fp}. Certificates signed before stay valid. Send your new issuer "
        "card to each organization that trusts you and read them this fingerprint by phone."
    )
    return 0


def _trust_text(path: Path) -> str:
    from trainer.core.errors import CredentialFormatError

    try:
        if path.stat().st_size > 2 * 1024 * 1024:
            raise CredentialFormatError(f"{path} is far larger than an issuer card or status list.")
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CredentialFormatError(f"{path} cannot be read as a text file: {exc}") from exc


def _same_fingerprint(typed: str | None, expected: str) -> bool:
    def clean(text: str) -> str:
        return "".join(ch for ch in text.upper() if ch.isalnum())

    return typed is not None and clean(typed) == clean(expected)


def cmd_trust_import(args: argparse.Namespace) -> int:
    from trainer.core.errors import CredentialFormatError
    from trainer.core.services import trust

    try:
        text = _trust_text(args.file)
        card = trust.card_in(text)
        with _database(args) as db:
            actor = _sign_in(db, args.actor)
            with db.begin() as session:
                confirmed = False
                if card is not None:
                    plan = trust.plan_card(session, actor, card)
                    if plan.action == "new" and not _same_fingerprint(
                        args.fingerprint, plan.fingerprint
                    ):
                        raise TrainerError(
                            f"Not imported: {card.name} is a new issuer. Phone them on a number "
                            "you already know, have them read their key fingerprint, and pass it "
                            f"with --fingerprint. Import only if what they read is this card's key: "
                            f"{plan.fingerprint}."
                        )
                    confirmed = True
                imported = trust.import_file(session, actor, text, now=_now(), confirmed=confirmed)
    except CredentialFormatError as exc:
        print(f"cvi-trainer: {printable(args.file)}: {printable(exc)}", file=sys.stderr)
        return 2
    for item in imported:
        print(f"Imported {item.kind} from {printable(item.issuer_name)}: {printable(item.detail)}")
    return 0


def cmd_trust_replace(args: argparse.Namespace) -> int:
    from trainer.core.errors import CredentialFormatError
    from trainer.core.services import trust
    from trainer.core.signing import fingerprint

    try:
        card = trust.card_in(_trust_text(args.file))
        if card is None:
            raise CredentialFormatError("This file is a status list, not an issuer card.")
        with _database(args) as db:
            actor = _sign_in(db, args.actor)
            with db.begin() as session:
                change = trust.replacement_of(session, actor, card)
                expected = fingerprint(card.active.jwk)
                if not _same_fingerprint(args.fingerprint, expected):
                    raise TrainerError(
                        f"Not replaced: the fingerprint you typed is not this card's key "
                        f"({expected})."
                    )
                done = trust.replace_issuer(session, actor, card, confirmed=True, now=_now())
    except CredentialFormatError as exc:
        print(f"cvi-trainer: {printable(args.file)}: {printable(exc)}", file=sys.stderr)
        return 2
    print(
        f"Replaced {printable(change.issuer_name)}'s keys: was "
        f"{', '.join(change.old_fingerprints)}; {printable(done.detail)}."
    )
    return 0


def cmd_trust_list(args: argparse.Namespace) -> int:
    from trainer.core.services import accounts, trust

    with _database(args) as db, db.begin() as session:
        org = accounts.get_organization(session)
        rows = trust.trusted_issuers_of(session, org.id) if org is not None else []
    for row in rows:
        status = (
            f"status list of {row.status_as_of.date()}" if row.status_as_of else "no status list"
        )
        print(f"{printable(row.name)}  [{row.fingerprints}]  {status}")
    if not rows:
        print("No trusted issuers yet besides this organization.")
    return 0


def cmd_status_export(args: argparse.Namespace) -> int:
    from trainer.core.services import signing_keys, trust

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        passphrase = _passphrase()
        with db.begin() as session:
            key = signing_keys.unlock(session, actor, passphrase)
            text = trust.export_status_lists(session, actor, key, now=_now())
    _write(args.output, text)
    return 0


def cmd_credentials_list(args: argparse.Namespace) -> int:
    import json

    from trainer.core.services import credential_register
    from trainer.core.services.permissions import can

    now = _now()
    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            mine = not can(actor, "view_team")
            held = credential_register.list_credentials(
                session, actor, person_id=actor.id if mine else None
            )
    rows = [
        {
            "id": h.id,
            "uuid": h.uuid,
            "code": h.code,
            "holder": h.holder_name,
            "program": h.program_key,
            "title": h.title,
            "issued": h.issued_at.isoformat(),
            "valid_until": h.valid_until.isoformat() if h.valid_until else None,
            "state": h.state(now),
            "status": h.state_label(now),
        }
        for h in held
    ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for r in rows:
        holder, title, status = (printable(r[k]) for k in ("holder", "title", "status"))
        print(f"{r['id']:>5}  {r['code']}  {holder:<24}  {title:<40}  {status}")
    if not rows:
        print("No credentials.")
    return 0


def cmd_credentials_pdf(args: argparse.Namespace) -> int:
    from trainer.core.services import credential_register

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            cid = credential_register.find_credential(session, actor, args.credential)
            pdf = credential_register.certificate_pdf(session, actor, cid)
    _write(args.output, pdf)
    return 0


def cmd_credentials_programs(args: argparse.Namespace) -> int:
    from trainer.core.services import eligibility

    with _database(args) as db, db.read() as session:
        programs = eligibility.live_programs(session, _organization_id(session))
    if not programs:
        print("No credential program is published yet.", file=sys.stderr)
        return 1
    width = max(len(key) for key in programs)
    for key, live in programs.items():  # in order of progression
        print(f"{key:<{width}}  {printable(live.program.label)}")
    return 0


def cmd_credentials_issue(args: argparse.Namespace) -> int:
    from trainer.core.services import accounts, eligibility, issuance, signing_keys

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            # a program id that is not published is named, with those that are, before the
            # passphrase is asked for
            eligibility.program(session, actor.organization_id, args.program)
            ids = [accounts.person_by_username(session, actor, u).id for u in args.usernames]
        passphrase = _passphrase()
        with db.begin() as session:
            key = signing_keys.unlock(session, actor, passphrase)
        result = issuance.issue_batch(db.begin, actor, key, ids, args.program, now=_now())
    for item in result.issued:
        print(f"Issued {printable(item.title)} to {printable(item.holder_name)}: code {item.code}")
    for _person_id, why in result.refused:
        print(f"Not issued: {printable(why)}", file=sys.stderr)
    return 1 if result.refused else 0


def cmd_credentials_revoke(args: argparse.Namespace) -> int:
    from trainer.core.services import credential_register

    with _database(args) as db:
        actor = _sign_in(db, args.actor)

        def revoke(session: Any) -> Any:
            cid = credential_register.find_credential(session, actor, args.credential)
            return credential_register.change_status(
                session, actor, cid, "revoke", args.reason, now=_now()
            )

        held = db.run(revoke)
    print(f"{held.code}: {printable(held.state_label(_now()))}")
    return 0


def cmd_export_badge(args: argparse.Namespace) -> int:
    import json

    from trainer.core.services import credential_register

    suffix = args.output.suffix.lower()
    if suffix not in (".jwt", ".json"):
        raise TrainerError("Name the output FILE.jwt (signed, verifiable) or FILE.json (readable).")
    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            cid = credential_register.find_credential(session, actor, args.credential)
            token = credential_register.open_badge_jwt(session, actor, cid)
    if suffix == ".jwt":
        _write(args.output, token + "\n")
    else:
        from trainer.core.open_badges import open_badge_json

        _write(args.output, json.dumps(open_badge_json(token), indent=2, ensure_ascii=False) + "\n")
    return 0


# --- database server -------------------------------------------------------------------------


def _new_secret(what: str, env: str) -> str:
    """A new password from `env`, else asked twice in a terminal, else one line of standard
    input (when it is not a terminal)."""
    import getpass

    value = os.environ.get(env)
    if value is None and sys.stdin.isatty():
        value = getpass.getpass(f"Password for {what}: ")
        if getpass.getpass("Type it again: ") != value:
            raise TrainerError("The two passwords differ. Nothing was changed.")
    elif value is None:
        value = sys.stdin.readline().rstrip("\r\n")
    if not value:
        raise TrainerError(
            f"No password given for {what}. Set {env}, or type it when asked. Nothing was changed."
        )
    return value


def cmd_db_setup(args: argparse.Namespace) -> int:
    from trainer.core import db_roles
    from trainer.core.db import display_url

    db_roles.check_role_name(args.app_role)
    url = getattr(args, "database_url", None)
    with _database(args, create=bool(url)) as db:
        if db.is_sqlite:
            where = display_url(url) if url else str(_paths(args).database)
            print(
                f"{where} is an SQLite database: it has no roles to set up. Its schema is "
                "current, and its triggers refuse changes to audit entries, issued "
                "credentials, status events, published content versions and reviewed "
                "field-hour entries."
            )
            return 0
        if db.engine.dialect.name != "postgresql":
            raise TrainerError("db setup knows PostgreSQL (and SQLite, which needs none).")
        db_roles.require_owner(db)
        password = os.environ.get(APP_DB_PASSWORD_ENV) or None
        if password is None and not db_roles.role_exists(db, args.app_role):
            password = _new_secret(f"the new role {args.app_role}", APP_DB_PASSWORD_ENV)
        done = db_roles.set_up_app_role(db, args.app_role, password)
    role = "created" if done.created else "exists"
    if done.password_set and not done.created:
        role += ", password changed"
    print(
        f"Schema {done.revision} is current in {display_url(db.url)}.\n"
        f"Application role {done.role} ({role}) may add records but not rewrite history.\n"
        "Give desktops this database URL, with the role's password in place of ***:\n"
        f"  {done.app_url}"
    )
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
        code = _run_gui(args) if args.command is None else int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, in the handler below, not at exit
        return code
    except TrainerError as exc:
        print(f"cvi-trainer: {printable(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `cvi-trainer verify ... | head`: the reader stopped listening. As the signal module's
        # "Note on SIGPIPE" says: point stdout at devnull so the flush at exit cannot fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:
        # The last resort: a bug. One line, never a traceback (it can carry file contents and
        # personal data to a shared terminal); a maintainer asks for it with CVI_TRAINER_DEBUG=1.
        if os.environ.get(DEBUG_ENV):
            raise
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        print(
            f"cvi-trainer: internal error: {type(exc).__name__}: {printable(first)}. This is a "
            "bug in CVI Trainer: please report it to whoever supports CVI Trainer for you, with "
            f"the command you ran (run it again with {DEBUG_ENV}=1 for the details).",
            file=sys.stderr,
        )
        return EXIT_INTERNAL_ERROR
