"""The versioned content library: drafts, immutable published versions, bundled imports and updates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from trainer.core import audit
from trainer.core.errors import NotFoundError, ValidationError
from trainer.core.library import (
    KEY_RE,
    BundledDocument,
    Problem,
    bundled_hashes,
    check_document,
    content_hash,
    read_header,
    scan_bundled,
    with_module_version,
)
from trainer.core.models import (
    BundledUpdate,
    ContentDocument,
    ContentKind,
    ContentVersion,
    Organization,
    Person,
)
from trainer.core.scenario_diff import DocumentDiff, diff_documents
from trainer.core.services.permissions import can, current_actor, require

BUNDLED_AUTHOR = "CVI Trainer (bundled content)"
IMPORTED_NOTE = "Imported from the content shipped with CVI Trainer"
UPDATE_NOTE = "Update to the content shipped with CVI Trainer"


@dataclass(frozen=True)
class DocumentSummary:
    id: int
    kind: str
    key: str
    title: str
    origin: str
    live_number: int | None
    live_published_at: datetime | None
    has_draft: bool
    update_offered: bool


def list_documents(
    session: Session, actor: Person, kind: str | None = None
) -> list[DocumentSummary]:
    """Every document of the actor's organization; drafts and updates only matter to editors."""
    person = current_actor(session, actor)
    editor = can(person, "edit_content")
    live = (
        select(ContentVersion.document_id, func.max(ContentVersion.number).label("n"))
        .where(ContentVersion.number.is_not(None))
        .group_by(ContentVersion.document_id)
        .subquery()
    )
    draft = (
        select(ContentVersion.document_id, ContentVersion.title)
        .where(ContentVersion.published_at.is_(None))
        .subquery()
    )
    offered = (
        select(BundledUpdate.document_id)
        .where(BundledUpdate.status == "offered")
        .distinct()
        .subquery()
    )
    query = (
        select(
            ContentDocument,
            live.c.n,
            ContentVersion.title,
            ContentVersion.published_at,
            draft.c.title,
            offered.c.document_id,
        )
        .outerjoin(live, live.c.document_id == ContentDocument.id)
        .outerjoin(
            ContentVersion,
            (ContentVersion.document_id == ContentDocument.id)
            & (ContentVersion.number == live.c.n),
        )
        .outerjoin(draft, draft.c.document_id == ContentDocument.id)
        .outerjoin(offered, offered.c.document_id == ContentDocument.id)
        .where(ContentDocument.organization_id == person.organization_id)
        .order_by(ContentDocument.kind, ContentDocument.key)
    )
    if kind is not None:
        query = query.where(ContentDocument.kind == kind)
    result = []
    for doc, number, live_title, published_at, draft_title, offered_id in session.execute(query):
        if number is None and not editor:
            continue  # never published: invisible to learners
        result.append(
            DocumentSummary(
                id=doc.id,
                kind=doc.kind,
                key=doc.key,
                title=(draft_title if editor and draft_title else live_title) or doc.key,
                origin=doc.origin,
                live_number=number,
                live_published_at=published_at,
                has_draft=editor and draft_title is not None,
                update_offered=editor and offered_id is not None,
            )
        )
    return result


def _document(session: Session, person: Person, document_id: int) -> ContentDocument:
    doc = session.get(ContentDocument, document_id)
    if doc is None or doc.organization_id != person.organization_id:
        raise NotFoundError(f"No document with id {document_id}.")
    return doc


def find_document(session: Session, actor: Person, kind: str, key: str) -> ContentDocument:
    person = current_actor(session, actor)
    doc = session.scalars(
        select(ContentDocument).where(
            ContentDocument.organization_id == person.organization_id,
            ContentDocument.kind == kind,
            ContentDocument.key == key,
        )
    ).first()
    if doc is None:
        raise NotFoundError(f"No {kind} with id {key!r}.")
    return doc


def versions(session: Session, actor: Person, document_id: int) -> list[ContentVersion]:
    """Published versions, newest first; editors also get the draft (first, if any)."""
    person = current_actor(session, actor)
    _document(session, person, document_id)
    query = select(ContentVersion).where(ContentVersion.document_id == document_id)
    if not can(person, "edit_content"):
        query = query.where(ContentVersion.published_at.is_not(None))
    rows = list(session.scalars(query))
    return sorted(rows, key=lambda v: (v.number is not None, -(v.number or 0)))


def live_version(session: Session, actor: Person, document_id: int) -> ContentVersion | None:
    person = current_actor(session, actor)
    _document(session, person, document_id)
    return session.scalars(
        select(ContentVersion)
        .where(ContentVersion.document_id == document_id, ContentVersion.number.is_not(None))
        .order_by(ContentVersion.number.desc())
        .limit(1)
    ).first()


def get_version(session: Session, actor: Person, version_id: int) -> ContentVersion:
    """Any published version stays readable; a draft only to editors."""
    person = current_actor(session, actor)
    version = session.get(ContentVersion, version_id)
    if version is None:
        raise NotFoundError(f"No content version with id {version_id}.")
    _document(session, person, version.document_id)
    if version.is_draft and not can(person, "edit_content"):
        raise NotFoundError(f"No content version with id {version_id}.")
    return version


def compare_versions(
    session: Session, actor: Person, version_id_a: int, version_id_b: int
) -> DocumentDiff:
    """What changed from version a to version b of one document, read as `get_version` reads
    (a draft only by editors)."""
    a = get_version(session, actor, version_id_a)
    b = get_version(session, actor, version_id_b)
    if a.document_id != b.document_id:
        raise ValidationError("Only two versions of the same document can be compared.")
    doc = session.get(ContentDocument, a.document_id)
    assert doc is not None  # get_version found it
    return diff_documents(doc.kind, a.body, b.body)


def _draft(session: Session, document_id: int) -> ContentVersion | None:
    return session.scalars(
        select(ContentVersion).where(
            ContentVersion.document_id == document_id, ContentVersion.published_at.is_(None)
        )
    ).first()


def _title_of(kind: str, body: str, fallback: str) -> str:
    try:
        title = read_header(kind, body).get("title")
    except Exception:  # an unreadable draft may still be saved; publishing will refuse it
        return fallback
    return str(title).strip() if isinstance(title, str) and title.strip() else fallback


def create_document(
    session: Session, actor: Person, kind: str, key: str, body: str, *, now: datetime
) -> ContentDocument:
    """A new local document, starting as a draft."""
    editor = require(session, actor, "edit_content")
    if kind not in set(ContentKind):
        raise ValidationError(f"Unknown content kind {kind!r}.", "kind")
    if not KEY_RE.match(key):
        raise ValidationError(
            "The id is lowercase letters, digits and hyphens, e.g. core-09-referral-partners.",
            "key",
        )
    exists = session.scalar(
        select(func.count()).where(
            ContentDocument.organization_id == editor.organization_id,
            ContentDocument.kind == kind,
            ContentDocument.key == key,
        )
    )
    if exists:
        raise ValidationError(f"A {kind} with id {key!r} already exists.", "key")
    doc = ContentDocument(
        organization_id=editor.organization_id, kind=kind, key=key, origin="local", created_at=now
    )
    session.add(doc)
    session.flush()
    save_draft(session, editor, doc.id, body, now=now)
    return doc


def save_draft(
    session: Session, actor: Person, document_id: int, body: str, *, now: datetime
) -> ContentVersion:
    """Create or update the document's single draft. Published versions are never touched."""
    editor = require(session, actor, "edit_content")
    doc = _document(session, editor, document_id)
    draft = _draft(session, doc.id)
    title = _title_of(doc.kind, body, doc.key)
    if draft is None:
        draft = ContentVersion(document_id=doc.id, number=None, created_at=now)
        session.add(draft)
    draft.title, draft.body, draft.content_hash = title, body, content_hash(body)
    draft.author_id, draft.author_name, draft.updated_at = editor.id, editor.full_name, now
    session.flush()
    return draft


def discard_draft(session: Session, actor: Person, document_id: int) -> None:
    editor = require(session, actor, "edit_content")
    doc = _document(session, editor, document_id)
    draft = _draft(session, doc.id)
    if draft is not None:
        session.delete(draft)


def _next_number(session: Session, document_id: int) -> int:
    current = session.scalar(
        select(func.max(ContentVersion.number)).where(ContentVersion.document_id == document_id)
    )
    return (current or 0) + 1


class NothingToPublishError(ValidationError):
    """Publish was asked for, but the text is the live version's: no new version is made."""


def _same_text(kind: str, a: str, b: str) -> bool:
    """Equal, not counting a module's front-matter version line (publish rewrites that)."""
    if kind == ContentKind.MODULE:
        return with_module_version(a, 0) == with_module_version(b, 0)
    return a == b


def publish(
    session: Session, actor: Person, document_id: int, *, note: str | None = None, now: datetime
) -> ContentVersion:
    """Turn the draft into the next immutable version. Invalid content is refused; the live
    version stays as it was."""
    editor = require(session, actor, "edit_content")
    doc = _document(session, editor, document_id)
    draft = _draft(session, doc.id)
    live = live_version(session, editor, doc.id)
    if live is not None and (draft is None or _same_text(doc.kind, draft.body, live.body)):
        raise NothingToPublishError(
            f"Nothing has changed since version {live.number}; nothing was published."
        )
    if draft is None:
        raise ValidationError("There is no draft to publish. Edit the document first.")
    number = _next_number(session, doc.id)
    body = draft.body
    if doc.kind == ContentKind.MODULE:  # the text names the version it is published as
        body = with_module_version(body, number)
    problems = _publish_problems(session, doc, body)
    if problems:
        listed = "\n".join(p.format(doc.key) for p in problems[:20])
        raise ValidationError(f"This draft cannot be published until these are fixed:\n{listed}")
    if body != draft.body:
        draft.body, draft.content_hash = body, content_hash(body)
    draft.number = number
    draft.published_at = now
    draft.note = (note or "").strip() or None
    draft.author_id, draft.author_name = editor.id, editor.full_name
    session.flush()
    audit.record(
        session,
        editor,
        "content.published",
        f"{doc.kind}:{doc.key}",
        at=now,
        version=draft.number,
        hash=draft.content_hash,
    )
    return draft


def _publish_problems(session: Session, doc: ContentDocument, body: str) -> list[Problem]:
    """Why `body` may not become the live version of `doc`, whichever way it is published."""
    problems = check_document(doc.kind, body, doc.key)
    if not problems and doc.kind == ContentKind.MODULE:
        problems = _prerequisite_problems(session, doc, body)
    if not problems and doc.kind == ContentKind.PROGRAM:
        problems = _program_problems(session, doc, body)
    if not problems and doc.kind in (ContentKind.MODULE, ContentKind.SCENARIO, ContentKind.RUBRIC):
        problems = _required_problems(session, doc, body)
    return problems


def programs_requiring(session: Session, actor: Person, document_id: int, body: str) -> list[str]:
    """The live programs that count on this document, with `body` as its text, as evidence: for
    them its assessment-quality findings block publishing as well (the scenario studio shows
    that before the person presses Publish)."""
    editor = require(session, actor, "edit_content")
    return _requiring(session, _document(session, editor, document_id), body)[0]


def _requiring(
    session: Session, doc: ContentDocument, body: str
) -> tuple[list[str], dict[str, list[str]]]:
    """(keys of the live programs requiring `doc`, {competency: programs} a rubric must keep)."""
    from trainer.core.program import parse_program

    requiring: list[str] = []
    competencies: dict[str, list[str]] = {}
    for key, text in _live_bodies(session, doc.organization_id, ContentKind.PROGRAM).items():
        program = parse_program(text)[0]
        if program is None:
            continue
        req, renewal = program.requirements, program.renewal
        if doc.kind == ContentKind.MODULE:
            keys = [*req.modules, *(renewal.modules if renewal else ())]
        elif doc.kind == ContentKind.SCENARIO:
            keys = [r.id for r in (*req.scenarios, *(renewal.scenarios if renewal else ()))]
        else:
            keys = []
            for o in req.observed:
                if o.rubric == doc.key:
                    competencies.setdefault(o.competency, []).append(key)
        if doc.key in keys or (
            doc.kind == ContentKind.MODULE and req.training_hours and _credit_hours(body)
        ):
            requiring.append(key)  # required, or its credit hours count as training
    return requiring, competencies


def _required_problems(session: Session, doc: ContentDocument, body: str) -> list[Problem]:
    """A new version of an assessment or rubric that a live program requires must still be
    what the program was checked against: no strategy passes it, no competency is gone."""
    from trainer.core.rubric import rubric_competencies

    requiring, competencies = _requiring(session, doc, body)
    problems = []
    if requiring:
        what = "knowledge check" if doc.kind == ContentKind.MODULE else "scenario"
        for why in _quality_problems(doc.kind, body):
            problems.append(
                Problem(
                    None,
                    f"the program{'s' if len(requiring) > 1 else ''} "
                    f"{', '.join(map(repr, requiring))} count{'' if len(requiring) > 1 else 's'} "
                    f"on this {what} as evidence, but {why}: fix the {what} first",
                )
            )
    kept = (rubric_competencies(body) or {}) if competencies else {}
    for competency, programs in competencies.items():
        if competency not in kept:
            problems.append(
                Problem(
                    None,
                    f"competency {competency!r} is required by the program"
                    f"{'s' if len(programs) > 1 else ''} {', '.join(map(repr, programs))}: "
                    "keep it in the rubric",
                )
            )
    return problems


def _live_bodies(session: Session, organization_id: int, kind: str) -> dict[str, str]:
    from trainer.core.services.training import live_documents

    return {d.key: d.body for d in live_documents(session, organization_id, kind)}


@lru_cache(maxsize=64)
def _credit_hours(body: str) -> float:
    from trainer.core.curriculum import parse_module

    module = parse_module(body)[0]
    return module.credit_hours if module else 0.0


def _quality_problems(kind: str, body: str) -> tuple[str, ...]:
    """Why a published assessment may not be required by a program (none when it may)."""
    from trainer.core.assessment_quality import measure, why_refused

    why = why_refused(measure(kind, body))
    return (why,) if why else ()


def _program_problems(session: Session, doc: ContentDocument, body: str) -> list[Problem]:
    """What a program requires must be published, and every assessment it requires must pass
    the quality checks (core.assessment_quality): no test-taking trick earns a credential."""
    from trainer.core.program import parse_program
    from trainer.core.rubric import rubric_competencies

    program = parse_program(body)[0]
    if program is None:
        return []
    org = doc.organization_id
    modules = _live_bodies(session, org, ContentKind.MODULE)
    scenarios = _live_bodies(session, org, ContentKind.SCENARIO)
    rubrics = _live_bodies(session, org, ContentKind.RUBRIC)
    programs = _live_bodies(session, org, ContentKind.PROGRAM)
    req, renewal = program.requirements, program.renewal
    problems: list[Problem] = []
    for kind, keys, published, what in (
        (
            ContentKind.MODULE,
            [*req.modules, *(renewal.modules if renewal else ())],
            modules,
            "knowledge check",
        ),
        (
            ContentKind.SCENARIO,
            [r.id for r in (*req.scenarios, *(renewal.scenarios if renewal else ()))],
            scenarios,
            "scenario",
        ),
    ):
        for key in dict.fromkeys(keys):
            if key not in published:
                problems.append(Problem(None, f"requires {kind} {key!r}, which is not published"))
                continue
            for why in _quality_problems(kind, published[key]):
                problems.append(
                    Problem(
                        None,
                        f"requires the {what} {key!r} in assessment mode, but {why}: fix the "
                        f"{what} first",
                    )
                )
    if req.training_hours is not None:
        # A passed check counts its module's credit hours as training: a trick must not earn them.
        for key, text in modules.items():
            if _credit_hours(text):
                for why in _quality_problems(ContentKind.MODULE, text):
                    problems.append(
                        Problem(
                            None,
                            f"counts the credit hours of the knowledge check {key!r} as "
                            f"training, but {why}: fix the knowledge check first",
                        )
                    )
    for o in req.observed:
        if o.rubric not in rubrics:
            problems.append(Problem(None, f"requires rubric {o.rubric!r}, which is not published"))
        elif o.competency not in (rubric_competencies(rubrics[o.rubric]) or {}):
            problems.append(
                Problem(None, f"rubric {o.rubric!r} has no competency {o.competency!r}")
            )
    for key in req.credentials:
        if key not in programs:
            problems.append(
                Problem(None, f"requires credential {key!r}, whose program is not published")
            )
    return problems


def _prerequisite_problems(session: Session, doc: ContentDocument, body: str) -> list[Problem]:
    """A module's prerequisites must be published modules, and must not lead back to it."""
    from trainer.core.curriculum import cycle_in, parse_module

    module, _ = parse_module(body)
    if module is None:
        return []
    graph: dict[str, tuple[str, ...]] = {}
    for other in session.scalars(
        select(ContentDocument).where(
            ContentDocument.organization_id == doc.organization_id,
            ContentDocument.kind == ContentKind.MODULE,
            ContentDocument.id != doc.id,
        )
    ):
        live = session.scalars(
            select(ContentVersion)
            .where(ContentVersion.document_id == other.id, ContentVersion.number.is_not(None))
            .order_by(ContentVersion.number.desc())
            .limit(1)
        ).first()
        parsed = parse_module(live.body)[0] if live else None
        graph[other.key] = parsed.prerequisites if parsed else ()
    problems = [
        Problem(None, f"prerequisite {p!r} is not a published module")
        for p in module.prerequisites
        if p not in graph
    ]
    graph[doc.key] = module.prerequisites
    cycle = cycle_in(graph)
    if cycle and doc.key in cycle:
        problems.append(Problem(None, "prerequisites form a cycle: " + " -> ".join(cycle)))
    return problems


def _publish_text(
    session: Session,
    doc: ContentDocument,
    title: str,
    body: str,
    *,
    author: Person | None,
    note: str,
    now: datetime,
) -> ContentVersion:
    number = _next_number(session, doc.id)
    if doc.kind == ContentKind.MODULE:  # the text names the version it is published as
        body = with_module_version(body, number)
    version = ContentVersion(
        document_id=doc.id,
        number=number,
        title=title,
        body=body,
        content_hash=content_hash(body),
        author_id=author.id if author else None,
        author_name=author.full_name if author else BUNDLED_AUTHOR,
        note=note,
        created_at=now,
        updated_at=now,
        published_at=now,
    )
    session.add(version)
    session.flush()
    return version


@dataclass(frozen=True)
class ImportReport:
    added: list[str]
    offered: list[str]
    unchanged: int
    errors: list[str]


def import_bundled(session: Session, root: Path, *, now: datetime) -> ImportReport:
    """Bring the content shipped with the app into the library.

    New documents are published as version 1. A changed bundled text is never applied over the
    organization's own work: it becomes an update offered to trainers, once per text.
    """
    org = session.scalars(select(Organization).order_by(Organization.id).limit(1)).first()
    if org is None:
        raise ValidationError("Set up the organization before importing content.")
    if _bundled_unchanged(session, org.id, root):
        # Every start imports: parsing and checking all shipped files took about a second;
        # reading and hashing them takes milliseconds, and settles the common case.
        return ImportReport([], [], len(bundled_hashes(root) or ()), [])
    scan = scan_bundled(root)
    docs = {
        (d.kind, d.key): d
        for d in session.scalars(
            select(ContentDocument).where(ContentDocument.organization_id == org.id)
        )
    }
    known_updates = {
        (u.document_id, u.content_hash)
        for u in session.execute(select(BundledUpdate.document_id, BundledUpdate.content_hash))
    }
    added: list[str] = []
    offered: list[str] = []
    unchanged = 0
    errors = list(scan.errors)
    for bundled in scan.documents:
        problems = check_document(bundled.kind, bundled.text, bundled.key)
        if problems:  # shipped content that would not pass `check` is reported, not imported
            errors.extend(p.format(bundled.path) for p in problems)
            continue
        doc = docs.get((bundled.kind, bundled.key))
        if doc is None:
            doc = ContentDocument(
                organization_id=org.id,
                kind=bundled.kind,
                key=bundled.key,
                origin="bundled",
                bundled_path=bundled.path,
                bundled_hash=bundled.hash,
                created_at=now,
            )
            session.add(doc)
            session.flush()
            _publish_text(
                session,
                doc,
                bundled.title,
                bundled.text,
                author=None,
                note=IMPORTED_NOTE,
                now=now,
            )
            added.append(f"{bundled.kind}:{bundled.key}")
        elif doc.bundled_hash == bundled.hash or (doc.id, bundled.hash) in known_updates:
            unchanged += 1
        else:
            _offer(session, doc, bundled, now=now)
            offered.append(f"{bundled.kind}:{bundled.key}")
    if added or offered:
        audit.record(
            session,
            None,
            "content.bundled_imported",
            str(root),
            at=now,
            added=len(added),
            offered=len(offered),
        )
    return ImportReport(added, offered, unchanged, errors)


def _bundled_unchanged(session: Session, organization_id: int, root: Path) -> bool:
    """Every bundled file is, byte for byte, one already imported or already offered."""
    on_disk = bundled_hashes(root)
    if on_disk is None:
        return False
    docs = session.execute(
        select(
            ContentDocument.id,
            ContentDocument.kind,
            ContentDocument.bundled_path,
            ContentDocument.bundled_hash,
        ).where(ContentDocument.organization_id == organization_id)
    ).all()
    known = {(kind, path, digest) for _, kind, path, digest in docs}
    paths = {doc_id: (kind, path) for doc_id, kind, path, _ in docs}
    for doc_id, digest in session.execute(
        select(BundledUpdate.document_id, BundledUpdate.content_hash)
    ):
        if doc_id in paths:
            known.add((*paths[doc_id], digest))
    return all(entry in known for entry in on_disk)


def _offer(
    session: Session, doc: ContentDocument, bundled: BundledDocument, *, now: datetime
) -> None:
    # An older offer for the same document is superseded by the newer text.
    for old in session.scalars(
        select(BundledUpdate).where(
            BundledUpdate.document_id == doc.id, BundledUpdate.status == "offered"
        )
    ):
        old.status = "declined"
        old.decided_at = now
    session.add(
        BundledUpdate(
            document_id=doc.id,
            title=bundled.title,
            body=bundled.text,
            content_hash=bundled.hash,
            status="offered",
            offered_at=now,
        )
    )
    session.flush()


@dataclass(frozen=True)
class OfferedUpdate:
    id: int
    document_id: int
    kind: str
    key: str
    title: str
    body: str
    live_body: str | None
    organization_edited: bool  # the live text differs from what was last shipped


def offered_updates(session: Session, actor: Person) -> list[OfferedUpdate]:
    editor = require(session, actor, "edit_content")
    rows = session.execute(
        select(BundledUpdate, ContentDocument)
        .join(ContentDocument)
        .where(
            BundledUpdate.status == "offered",
            ContentDocument.organization_id == editor.organization_id,
        )
        .order_by(ContentDocument.kind, ContentDocument.key)
    ).all()
    result = []
    for update, doc in rows:
        live = live_version(session, editor, doc.id)
        result.append(
            OfferedUpdate(
                id=update.id,
                document_id=doc.id,
                kind=doc.kind,
                key=doc.key,
                title=update.title,
                body=update.body,
                live_body=live.body if live else None,
                # The live text is the organization's own unless it came from the bundle
                # (its `version:` line is rewritten, so its hash is not the bundled file's).
                organization_edited=live is not None
                and live.author_name != BUNDLED_AUTHOR
                and live.note != UPDATE_NOTE,
            )
        )
    return result


def decide_update(
    session: Session, actor: Person, update_id: int, accept: bool, *, now: datetime
) -> ContentVersion | None:
    """Accept (publish the shipped text as a new version; any draft is kept) or decline it."""
    editor = require(session, actor, "edit_content")
    update = session.get(BundledUpdate, update_id)
    if update is None or update.status != "offered":
        raise NotFoundError("That update is no longer offered.")
    doc = _document(session, editor, update.document_id)
    problems = _publish_problems(session, doc, update.body) if accept else []
    if problems:
        listed = "\n".join(p.format(doc.key) for p in problems[:20])
        raise ValidationError(f"This update cannot be published until these are fixed:\n{listed}")
    update.status = "accepted" if accept else "declined"
    update.decided_by_id, update.decided_at = editor.id, now
    doc.bundled_hash = update.content_hash
    version = None
    if accept:
        version = _publish_text(
            session,
            doc,
            update.title,
            update.body,
            author=editor,
            note=UPDATE_NOTE,
            now=now,
        )
    audit.record(
        session,
        editor,
        "content.update_accepted" if accept else "content.update_declined",
        f"{doc.kind}:{doc.key}",
        at=now,
        version=version.number if version else None,
    )
    return version
