"""Versioned content library: drafts, immutable versions, bundled import and offered updates."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tests.conftest import Team
from tests.core.curriculum_fixtures import module_text
from trainer.core.errors import NotFoundError, PermissionDeniedError, ValidationError
from trainer.core.library import content_hash
from trainer.core.models import ContentVersion, ImmutableRecordError
from trainer.core.services import library

TRACK = "id: {key}\ntitle: {title}\ndescription: A track for tests.\nmodules: []\n"


def _track(key: str = "basics", title: str = "The basics") -> str:
    return TRACK.format(key=key, title=title)


def _write_bundle(root: Path, title: str = "The basics") -> Path:
    (root / "curricula" / "basics").mkdir(parents=True, exist_ok=True)
    (root / "curricula" / "basics" / "track.yaml").write_text(_track(title=title))
    (root / "curricula" / "basics" / "m1.md").write_text(module_text("basics-m1", "First module"))
    return root


def test_trainer_drafts_then_publishes_immutable_numbered_versions(team: Team, db, clock) -> None:
    with db.begin() as session:
        doc = library.create_document(
            session, team.trainer, "track", "basics", _track(), now=clock.now()
        )
        v1 = library.publish(session, team.trainer, doc.id, note="first", now=clock.now())
    with db.begin() as session:
        library.save_draft(
            session,
            team.trainer,
            doc.id,
            _track(title="The basics, revised"),
            now=clock.advance(days=1),
        )
        v2 = library.publish(session, team.trainer, doc.id, now=clock.now())
    assert (v1.number, v2.number) == (1, 2)
    with db.begin() as session:
        old = library.get_version(session, team.trainee, v1.id)  # older versions stay readable
        assert old.title == "The basics" and old.author_name == "Tina Person"
        assert library.live_version(session, team.trainee, doc.id).id == v2.id


def test_published_version_cannot_be_modified(team: Team, db, clock) -> None:
    with db.begin() as session:
        doc = library.create_document(
            session, team.trainer, "track", "basics", _track(), now=clock.now()
        )
        version = library.publish(session, team.trainer, doc.id, now=clock.now())
    with pytest.raises(ImmutableRecordError), db.begin() as session:
        session.get(ContentVersion, version.id).body = "rewritten history"


def test_invalid_draft_cannot_be_published_and_the_live_version_stays(
    team: Team, db, clock
) -> None:
    with db.begin() as session:
        doc = library.create_document(
            session, team.trainer, "track", "basics", _track(), now=clock.now()
        )
        library.publish(session, team.trainer, doc.id, now=clock.now())
        library.save_draft(
            session, team.trainer, doc.id, "id: basics\ntitle: [unclosed\n", now=clock.now()
        )
    with pytest.raises(ValidationError, match="basics:2: YAML cannot be read"):
        with db.begin() as session:
            library.publish(session, team.trainer, doc.id, now=clock.now())
    with db.begin() as session:
        assert library.live_version(session, team.trainer, doc.id).number == 1
        assert library.list_documents(session, team.trainer)[0].has_draft  # draft kept


@pytest.mark.parametrize("role", ["trainee", "manager"])
def test_only_trainers_and_admins_edit_content(team: Team, db, clock, role: str) -> None:
    actor = team.by_role()[role]
    with pytest.raises(PermissionDeniedError, match="Only an admin or trainer can edit"):
        with db.begin() as session:
            library.create_document(session, actor, "track", "basics", _track(), now=clock.now())


def test_admin_can_edit_content(team: Team, db, clock) -> None:
    with db.begin() as session:
        doc = library.create_document(
            session, team.admin, "track", "basics", _track(), now=clock.now()
        )
        assert library.publish(session, team.admin, doc.id, now=clock.now()).number == 1


def test_learners_never_see_drafts(team: Team, db, clock) -> None:
    with db.begin() as session:
        doc = library.create_document(
            session, team.trainer, "track", "basics", _track(), now=clock.now()
        )
        draft_id = library.versions(session, team.trainer, doc.id)[0].id
    with db.begin() as session:
        assert library.list_documents(session, team.trainee) == []
        with pytest.raises(NotFoundError):
            library.get_version(session, team.trainee, draft_id)


def test_bundled_content_is_imported_once_as_version_one(
    team: Team, db, clock, tmp_path: Path
) -> None:
    root = _write_bundle(tmp_path / "bundle")
    with db.begin() as session:
        first = library.import_bundled(session, root, now=clock.now())
        again = library.import_bundled(session, root, now=clock.now())
    assert sorted(first.added) == ["module:basics-m1", "track:basics"]
    assert (again.added, again.offered, again.unchanged) == ([], [], 2)
    with db.begin() as session:
        docs = library.list_documents(session, team.trainee)
    assert {d.live_number for d in docs} == {1}


def test_changed_bundled_content_is_offered_and_never_overwrites_our_edits(
    team: Team, db, clock, tmp_path: Path
) -> None:
    root = _write_bundle(tmp_path / "bundle")
    with db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
        doc = library.find_document(session, team.trainer, "track", "basics")
        library.save_draft(
            session, team.trainer, doc.id, _track(title="Our own basics"), now=clock.now()
        )
        library.publish(session, team.trainer, doc.id, now=clock.now())
    _write_bundle(root, title="The basics, 2027 edition")  # a newer app ships a change
    with db.begin() as session:
        report = library.import_bundled(session, root, now=clock.advance(days=30))
        assert report.offered == ["track:basics"]
        assert library.live_version(session, team.trainer, doc.id).title == "Our own basics"
        [offer] = library.offered_updates(session, team.trainer)
        assert offer.organization_edited
    with db.begin() as session:  # offered once per text, not at every start
        assert library.import_bundled(session, root, now=clock.now()).offered == []
    with db.begin() as session:
        version = library.decide_update(session, team.trainer, offer.id, True, now=clock.now())
    assert version.number == 3 and version.title == "The basics, 2027 edition"


def test_declined_update_is_not_offered_again(team: Team, db, clock, tmp_path: Path) -> None:
    root = _write_bundle(tmp_path / "bundle")
    with db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
    _write_bundle(root, title="Changed upstream")
    with db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
        [offer] = library.offered_updates(session, team.trainer)
        library.decide_update(session, team.trainer, offer.id, False, now=clock.now())
    with db.begin() as session:
        assert library.import_bundled(session, root, now=clock.now()).offered == []
        assert library.offered_updates(session, team.trainer) == []
        doc = library.find_document(session, team.trainer, "track", "basics")
        assert library.live_version(session, team.trainer, doc.id).title == "The basics"


def test_unreadable_bundled_file_is_reported_with_path_and_line_and_skipped(
    team: Team, db, clock, tmp_path: Path
) -> None:
    root = _write_bundle(tmp_path / "bundle")
    (root / "curricula" / "basics" / "broken.md").write_text("---\nid: broken\ntitle: [x\n---\n")
    with db.begin() as session:
        report = library.import_bundled(session, root, now=clock.now())
    assert len(report.added) == 2
    assert report.errors and report.errors[0].startswith("curricula/basics/broken.md:3:")


def test_a_file_added_to_an_unchanged_bundle_is_still_imported(
    team: Team, db, clock, tmp_path: Path
) -> None:
    """Each start skips parsing when every shipped file is one already imported; a new file
    (a newer app version adds a module) must not be skipped with them."""
    root = _write_bundle(tmp_path / "bundle")
    with db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
    (root / "curricula" / "basics" / "m2.md").write_text(module_text("basics-m2", "Second"))
    with db.begin() as session:
        report = library.import_bundled(session, root, now=clock.now())
    assert report.added == ["module:basics-m2"] and report.unchanged == 2


def test_a_broken_shipped_file_is_reported_at_every_start(
    team: Team, db, clock, tmp_path: Path
) -> None:
    root = _write_bundle(tmp_path / "bundle")
    (root / "curricula" / "basics" / "broken.md").write_text("---\nid: broken\ntitle: [x\n---\n")
    for _ in range(2):
        with db.begin() as session:
            report = library.import_bundled(session, root, now=clock.now())
        assert report.errors and report.errors[0].startswith("curricula/basics/broken.md:3:")


def test_the_shipped_content_imports_cleanly(team: Team, db, clock) -> None:
    from trainer.core.paths import bundled_content_root

    with db.begin() as session:
        report = library.import_bundled(session, bundled_content_root(), now=clock.now())
        modules = session.scalars(select(ContentVersion.title)).all()
    assert report.errors == []
    assert len(modules) >= 11


def test_a_published_module_names_its_version_number_in_its_front_matter(
    team: Team, db, clock
) -> None:
    text = module_text("basics-m1", "First module")
    with db.begin() as session:
        doc = library.create_document(
            session, team.trainer, "module", "basics-m1", text, now=clock.now()
        )
        v1 = library.publish(session, team.trainer, doc.id, now=clock.now())
        library.save_draft(
            session,
            team.trainer,
            doc.id,
            text.replace("First module", "First module, revised"),
            now=clock.now(),
        )
        v2 = library.publish(session, team.trainer, doc.id, now=clock.now())
    assert "\nversion: 1\n" in v1.body
    assert "\nversion: 2\n" in v2.body and "version: 1" not in v2.body
    assert v2.content_hash == content_hash(v2.body)


def test_publishing_without_a_change_says_nothing_changed_and_makes_no_version(
    team: Team, db, clock
) -> None:
    with db.begin() as session:
        doc = library.create_document(
            session, team.trainer, "track", "basics", _track(), now=clock.now()
        )
        library.publish(session, team.trainer, doc.id, now=clock.now())
    with pytest.raises(library.NothingToPublishError) as no_draft, db.begin() as session:
        library.publish(session, team.trainer, doc.id, now=clock.now())
    with pytest.raises(library.NothingToPublishError) as same_draft, db.begin() as session:
        library.save_draft(session, team.trainer, doc.id, _track(), now=clock.now())
        library.publish(session, team.trainer, doc.id, now=clock.now())
    for raised in (no_draft, same_draft):
        assert str(raised.value) == "Nothing has changed since version 1; nothing was published."
    with db.begin() as session:
        assert library.live_version(session, team.trainer, doc.id).number == 1


def test_a_shipped_module_names_the_version_the_library_published_it_as(
    team: Team, db, clock, tmp_path: Path
) -> None:
    """A shipped file says its own edition (`version: 2`); imported as version 1 its text said 2
    while the library said v1. The text now names the library's number, and the import is
    still not counted as the organization's own edit."""
    root = _write_bundle(tmp_path / "bundle")
    module = root / "curricula" / "basics" / "m1.md"
    module.write_text(module.read_text().replace("version: 1", "version: 2", 1))
    with db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
        doc = library.find_document(session, team.trainer, "module", "basics-m1")
        live = library.live_version(session, team.trainer, doc.id)
        assert live.number == 1 and "\nversion: 1\n" in live.body
    module.write_text(module.read_text().replace("First module", "First module, revised"))
    with db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
        [offer] = library.offered_updates(session, team.trainer)
        assert not offer.organization_edited
        version = library.decide_update(session, team.trainer, offer.id, True, now=clock.now())
        assert version.number == 2 and "\nversion: 2\n" in version.body
