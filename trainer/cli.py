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
PASSPHRASE_ENV = "CVI_TRAINER_SIGNING_PASSPHRASE"


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
    _credential_commands(sub, common)
    return parser


def _acting(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--as",
        dest="actor",
        metavar="USERNAME",
        required=True,
        help=f"who is acting; the password is read from ${PASSWORD_ENV} or asked",
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
    p.set_defaults(func=cmd_verify)

    p = sub.add_parser("keys", help="the organization's public signing keys")
    keys_sub = p.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    q = keys_sub.add_parser("export", parents=[common], help="write the public keys as a JWK Set")
    _output(q, "JWK Set file (.json)")
    q.set_defaults(func=cmd_keys_export)
    q = keys_sub.add_parser(
        "card", parents=[common], help="write the issuer card other organizations import"
    )
    _output(q, "issuer card file (.json)")
    q.set_defaults(func=cmd_keys_card)
    q = keys_sub.add_parser(
        "rotate",
        parents=[common],
        help=f"retire the signing key and create a new one (new passphrase from ${PASSPHRASE_ENV} "
        "or asked)",
    )
    _acting(q)
    q.set_defaults(func=cmd_keys_rotate)

    p = sub.add_parser("trust", help="trusted issuers from other organizations")
    trust_sub = p.add_subparsers(dest="trust_command", metavar="ACTION", required=True)
    q = trust_sub.add_parser(
        "import", parents=[common], help="import an issuer card or a status list file"
    )
    q.add_argument("file", metavar="FILE", type=Path)
    _acting(q)
    q.set_defaults(func=cmd_trust_import)
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
    q.add_argument("credential", metavar="ID", help="number, UUID or verification code")
    _output(q, "PDF file")
    _acting(q)
    q.set_defaults(func=cmd_credentials_pdf)
    q = cred_sub.add_parser(
        "issue",
        parents=[common],
        help=f"issue a program's credential to eligible people (passphrase from ${PASSPHRASE_ENV} "
        "or asked)",
    )
    q.add_argument("program", metavar="PROGRAM")
    q.add_argument("usernames", metavar="USERNAME", nargs="+")
    _acting(q)
    q.set_defaults(func=cmd_credentials_issue)
    q = cred_sub.add_parser("revoke", parents=[common], help="revoke a credential (final)")
    q.add_argument("credential", metavar="ID")
    q.add_argument("--reason", required=True, help="shown to anyone who verifies it")
    _acting(q)
    q.set_defaults(func=cmd_credentials_revoke)

    p = sub.add_parser(
        "export-badge",
        parents=[common],
        help="save a credential as an Open Badge: FILE.jwt (signed VC-JWT) or FILE.json (readable)",
    )
    p.add_argument("credential", metavar="ID")
    _output(p, "FILE.jwt or FILE.json")
    _acting(p)
    p.set_defaults(func=cmd_export_badge)


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


# --- credentials -----------------------------------------------------------------------------


def _passphrase(prompt: str = "Signing passphrase: ") -> str:
    value = os.environ.get(PASSPHRASE_ENV)
    return value if value is not None else _ask_password(prompt)


def _write(path: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, str):
            path.write_text(data, encoding="utf-8")
        else:
            path.write_bytes(data)
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


def cmd_verify(args: argparse.Namespace) -> int:
    from trainer.core.errors import CredentialFormatError
    from trainer.core.services import verification

    target = Path(args.target)
    try:
        with _database(args) as db, db.begin() as session:
            org_id = _organization_id(session)
            if target.is_file():
                try:
                    data = target.read_bytes()
                except OSError as exc:
                    raise CredentialFormatError(f"{target} cannot be read: {exc.strerror}") from exc
                report = verification.verify_file(session, org_id, data, target.name, now=_now())
            elif target.suffix.lower() in (".pdf", ".jwt", ".json", ".png", ".jpg"):
                raise CredentialFormatError(f"{target}: no such file.")
            else:
                report = verification.verify_text(session, org_id, args.target, now=_now())
    except CredentialFormatError as exc:
        print(f"Cannot verify: {exc}", file=sys.stderr)
        return 2
    print(report.headline)
    for step in report.steps:
        print(f"  {step.name:<16} {step.outcome.upper():<12} {step.detail}")
    if report.claims is not None:
        c = report.claims
        until = c.valid_until.date().isoformat() if c.valid_until else "does not expire"
        print("Signed details (compare with the person's photo ID):")
        print(f"  Holder:    {c.holder_name}\n  Title:     {c.title}\n  Issuer:    {c.issuer_name}")
        print(f"  Valid:     {c.valid_from.date().isoformat()} to {until}")
        print(f"  ID:        {c.credential_id}" + (f"  code {c.code}" if c.code else ""))
    return report.exit_code


def cmd_keys_export(args: argparse.Namespace) -> int:
    import json

    from trainer.core.services import keys

    with _database(args) as db, db.begin() as session:
        data = keys.jwks(session, _organization_id(session))
    if not data["keys"]:
        raise TrainerError("This organization has no signing key yet.")
    _write(args.output, json.dumps(data, indent=2) + "\n")
    return 0


def cmd_keys_card(args: argparse.Namespace) -> int:
    import json

    from trainer.core.services import keys

    with _database(args) as db, db.begin() as session:
        card = keys.issuer_card(session, _organization_id(session))
    _write(args.output, json.dumps(card.to_json(), indent=2) + "\n")
    fingerprints = ", ".join(keys.fingerprint(k.kid) for k in card.keys)
    print(f"Key fingerprints to read out to the importing organization: {fingerprints}")
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from trainer.core.services import keys

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        passphrase = _passphrase("New signing passphrase: ")
        with db.begin() as session:
            row = keys.rotate_key(session, actor, passphrase, now=_now())
            print(f"New signing key {keys.fingerprint(row.kid)}; the old key is retired but kept.")
    return 0


def cmd_trust_import(args: argparse.Namespace) -> int:
    from trainer.core.services import trust

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise TrainerError(f"{args.file} cannot be read as a text file: {exc}") from exc
    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            imported = trust.import_file(session, actor, text, now=_now())
    for item in imported:
        print(f"Imported {item.kind} from {item.issuer_name}: {item.detail}")
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
        print(f"{row.name}  [{row.fingerprints}]  {status}")
    if not rows:
        print("No trusted issuers yet besides this organization.")
    return 0


def cmd_status_export(args: argparse.Namespace) -> int:
    from trainer.core.services import keys, trust

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        passphrase = _passphrase()
        with db.begin() as session:
            key = keys.unlock(session, actor, passphrase)
            text = trust.export_status_lists(session, actor, key, now=_now())
    _write(args.output, text)
    return 0


def cmd_credentials_list(args: argparse.Namespace) -> int:
    import json

    from trainer.core.services import credentials
    from trainer.core.services.permissions import can

    now = _now()
    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            mine = not can(actor, "view_team")
            held = credentials.list_credentials(
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
        print(f"{r['id']:>5}  {r['code']}  {r['holder']:<24}  {r['title']:<40}  {r['status']}")
    if not rows:
        print("No credentials.")
    return 0


def cmd_credentials_pdf(args: argparse.Namespace) -> int:
    from trainer.core.services import credentials

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            cid = credentials.find_credential(session, actor, args.credential)
            pdf = credentials.certificate_pdf(session, actor, cid)
    _write(args.output, pdf)
    return 0


def cmd_credentials_issue(args: argparse.Namespace) -> int:
    from trainer.core.services import accounts, credentials, keys

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            ids = [accounts.person_by_username(session, actor, u).id for u in args.usernames]
        passphrase = _passphrase()
        with db.begin() as session:
            key = keys.unlock(session, actor, passphrase)
        result = credentials.issue_batch(db.begin, actor, key, ids, args.program, now=_now())
    for item in result.issued:
        print(f"Issued {item.title} to {item.holder_name}: code {item.code}")
    for _person_id, why in result.refused:
        print(f"Not issued: {why}", file=sys.stderr)
    return 1 if result.refused else 0


def cmd_credentials_revoke(args: argparse.Namespace) -> int:
    from trainer.core.services import credentials

    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            cid = credentials.find_credential(session, actor, args.credential)
            held = credentials.change_status(session, actor, cid, "revoke", args.reason, now=_now())
            print(f"{held.code}: {held.state_label(_now())}")
    return 0


def cmd_export_badge(args: argparse.Namespace) -> int:
    import json

    from trainer.core.services import credentials

    suffix = args.output.suffix.lower()
    if suffix not in (".jwt", ".json"):
        raise TrainerError("Name the output FILE.jwt (signed, verifiable) or FILE.json (readable).")
    with _database(args) as db:
        actor = _sign_in(db, args.actor)
        with db.begin() as session:
            cid = credentials.find_credential(session, actor, args.credential)
            token = credentials.open_badge_jwt(session, actor, cid)
    if suffix == ".jwt":
        _write(args.output, token + "\n")
    else:
        from trainer.core.credentials import open_badge_json

        _write(args.output, json.dumps(open_badge_json(token), indent=2, ensure_ascii=False) + "\n")
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
