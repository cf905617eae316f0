"""Accounts and roles: set-up, sign-in, lockout, deactivation, password rules, role rules."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, Team, make_org
from trainer.core.errors import PermissionDeniedError, ValidationError
from trainer.core.models import AuditEntry, Person, Role
from trainer.core.services import accounts


def _sign_in(db, clock, username: str, password: str = PASSWORD) -> accounts.SignInOutcome:
    with db.begin() as session:
        return accounts.sign_in(session, username, password, now=clock.now())


def _actions(db) -> list[str]:
    with db.begin() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))


def test_first_run_creates_organization_and_its_admin(db, clock) -> None:
    admin = make_org(db, clock)
    assert admin.roles == {Role.ADMIN}
    with db.begin() as session:
        assert accounts.get_organization(session).name == "Eastside Peace Project"
        stored = session.get(Person, admin.id)
        assert stored.password_hash.startswith("$argon2id$")
        assert PASSWORD not in stored.password_hash
    assert _sign_in(db, clock, "ada").person is not None


def test_second_organization_setup_is_refused(db, clock) -> None:
    make_org(db, clock)
    with pytest.raises(ValidationError, match="already has an organization"):
        make_org(db, clock)


def test_wrong_password_and_unknown_user_get_the_same_message_and_an_audit_entry(
    team: Team, db, clock
) -> None:
    wrong = _sign_in(db, clock, "tom", "not the password")
    unknown = _sign_in(db, clock, "nobody-here", "whatever12345")
    assert wrong.person is None and unknown.person is None
    assert wrong.error == unknown.error == accounts.GENERIC_SIGN_IN_ERROR
    assert _actions(db)[-2:] == ["sign_in.failed", "sign_in.failed"]


def test_a_failed_sign_in_keeps_the_typed_username_only_when_such_a_person_exists(
    team: Team, db, clock
) -> None:
    _sign_in(db, clock, PASSWORD, PASSWORD)  # the password typed into the username box too
    _sign_in(db, clock, "tom", "not the password")
    with db.begin() as session:
        unknown, wrong = session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)
        ).all()[::-1]
    assert (unknown.action, wrong.action) == ("sign_in.failed", "sign_in.failed")
    assert PASSWORD not in unknown.target + unknown.details + unknown.actor_name
    assert "unknown username" in unknown.details
    assert wrong.target == "tom"


def test_repeated_failures_lock_the_account_for_a_while(team: Team, db, clock) -> None:
    for _ in range(5):
        assert _sign_in(db, clock, "tom", "wrong-password").person is None
    locked = _sign_in(db, clock, "tom")  # even the right password is refused now
    assert locked.person is None
    assert "locked" in locked.error
    assert "account.locked" in _actions(db)
    clock.advance(minutes=16)
    assert _sign_in(db, clock, "tom").person is not None


def test_successful_sign_in_resets_the_failure_count(team: Team, db, clock) -> None:
    for _ in range(4):
        _sign_in(db, clock, "tom", "wrong-password")
    assert _sign_in(db, clock, "tom").person is not None
    for _ in range(4):
        _sign_in(db, clock, "tom", "wrong-password")
    assert _sign_in(db, clock, "tom").person is not None


def test_admin_reset_lifts_a_lockout_and_forces_a_password_change(team: Team, db, clock) -> None:
    for _ in range(5):
        _sign_in(db, clock, "tom", "wrong-password")
    with db.begin() as session:
        accounts.reset_password(
            session, team.admin, team.trainee.id, "temporary-pass-1", now=clock.now()
        )
    outcome = _sign_in(db, clock, "tom", "temporary-pass-1")
    assert outcome.person is not None and outcome.must_change_password
    with db.begin() as session:
        accounts.change_own_password(
            session, outcome.person, "temporary-pass-1", "my own long password", now=clock.now()
        )
    assert not _sign_in(db, clock, "tom", "my own long password").must_change_password


def test_people_added_by_an_admin_must_change_their_password(db, clock) -> None:
    admin = make_org(db, clock)
    with db.begin() as session:
        accounts.add_person(
            session,
            admin,
            accounts.NewPerson("newhire", "New Hire", frozenset({Role.TRAINEE}), "given-by-admin"),
            now=clock.now(),
        )
    assert _sign_in(db, clock, "newhire", "given-by-admin").must_change_password


def test_short_passwords_are_refused_naming_the_rule(db, clock) -> None:
    admin = make_org(db, clock)
    with pytest.raises(ValidationError, match="at least 10 characters") as info:
        with db.begin() as session:
            accounts.add_person(
                session,
                admin,
                accounts.NewPerson("shorty", "Short Password", frozenset({Role.TRAINEE}), "abc"),
                now=clock.now(),
            )
    assert info.value.field == "password"


def test_deactivated_person_keeps_records_but_cannot_sign_in(team: Team, db, clock) -> None:
    with db.begin() as session:
        accounts.set_active(session, team.admin, team.trainee.id, False, now=clock.now())
    outcome = _sign_in(db, clock, "tom")
    assert outcome.person is None and "deactivated" in outcome.error
    with db.begin() as session:
        assert session.get(Person, team.trainee.id) is not None  # nothing deleted
        accounts.set_active(session, team.admin, team.trainee.id, True, now=clock.now())
    assert _sign_in(db, clock, "tom").person is not None


def test_a_deactivated_person_signed_in_elsewhere_can_no_longer_act(team: Team, db, clock) -> None:
    with db.begin() as session:
        accounts.set_active(session, team.admin, team.trainer.id, False, now=clock.now())
    with pytest.raises(PermissionDeniedError, match="no longer active"), db.begin() as session:
        accounts.list_people(session, team.trainer)


@pytest.mark.parametrize("role", ["trainee", "trainer", "manager"])
def test_only_admins_manage_people(team: Team, db, clock, role: str) -> None:
    actor = team.by_role()[role]
    new = accounts.NewPerson("x-person", "X Person", frozenset({Role.TRAINEE}), PASSWORD)
    calls = [
        lambda s: accounts.add_person(s, actor, new, now=clock.now()),
        lambda s: accounts.set_roles(
            s, actor, team.other_trainee.id, {Role.ADMIN}, now=clock.now()
        ),
        lambda s: accounts.set_active(s, actor, team.other_trainee.id, False, now=clock.now()),
        lambda s: accounts.reset_password(
            s, actor, team.other_trainee.id, "new-password-1", now=clock.now()
        ),
        lambda s: accounts.update_organization(
            s, actor, accounts.OrganizationSettings("Renamed", None, 15, 5, 15), now=clock.now()
        ),
    ]
    for call in calls:
        with pytest.raises(PermissionDeniedError, match="Only an admin can"):
            with db.begin() as session:
                call(session)


def test_a_trainee_cannot_promote_themself(team: Team, db, clock) -> None:
    with pytest.raises(PermissionDeniedError), db.begin() as session:
        accounts.set_roles(session, team.trainee, team.trainee.id, {Role.ADMIN}, now=clock.now())
    with db.begin() as session:
        assert session.get(Person, team.trainee.id).roles == {Role.TRAINEE}


def test_trainee_sees_only_their_own_record(team: Team, db, clock) -> None:
    with db.begin() as session:
        assert [p.username for p in accounts.list_people(session, team.trainee)] == ["tom"]
        assert accounts.get_person(session, team.trainee, team.trainee.id).username == "tom"
        with pytest.raises(PermissionDeniedError):
            accounts.get_person(session, team.trainee, team.other_trainee.id)


def test_staff_roles_see_the_whole_organization(team: Team, db) -> None:
    for actor in (team.admin, team.manager, team.trainer):
        with db.begin() as session:
            assert len(accounts.list_people(session, actor)) == 5


def test_admin_changes_roles_and_it_is_audited(team: Team, db, clock) -> None:
    with db.begin() as session:
        accounts.set_roles(
            session, team.admin, team.trainee.id, {Role.TRAINEE, Role.TRAINER}, now=clock.now()
        )
    with db.begin() as session:
        assert session.get(Person, team.trainee.id).roles == {Role.TRAINEE, Role.TRAINER}
        entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "person.roles_changed" and entry.target == "tom"
    assert '"after":["trainee","trainer"]' in entry.details


def test_the_last_admin_cannot_be_removed_or_deactivated(team: Team, db, clock) -> None:
    with pytest.raises(ValidationError, match="only active admin"), db.begin() as session:
        accounts.set_roles(session, team.admin, team.admin.id, {Role.MANAGER}, now=clock.now())
    with pytest.raises(PermissionDeniedError, match="your own account"), db.begin() as session:
        accounts.set_active(session, team.admin, team.admin.id, False, now=clock.now())


def test_usernames_are_unique_and_case_insensitive(team: Team, db, clock) -> None:
    with pytest.raises(ValidationError, match="already taken"), db.begin() as session:
        accounts.add_person(
            session,
            team.admin,
            accounts.NewPerson("TOM", "Another Tom", frozenset({Role.TRAINEE}), PASSWORD),
            now=clock.now(),
        )
    assert _sign_in(db, clock, "TOM").person is not None


def test_inactivity_setting_defaults_to_15_minutes_and_admins_change_it(
    team: Team, db, clock
) -> None:
    with db.begin() as session:
        org = accounts.get_organization(session)
        assert org.inactivity_minutes == 15
        accounts.update_organization(
            session,
            team.admin,
            accounts.OrganizationSettings(org.name, None, 5, 5, 15),
            now=clock.now(),
        )
    with db.begin() as session:
        assert accounts.get_organization(session).inactivity_minutes == 5
    with pytest.raises(ValidationError, match="between 1 and 480"), db.begin() as session:
        accounts.update_organization(
            session,
            team.admin,
            accounts.OrganizationSettings("Eastside", None, 0, 5, 15),
            now=clock.now(),
        )


def test_a_file_that_is_not_an_image_is_refused_as_the_logo(team: Team, db, clock) -> None:
    with pytest.raises(ValidationError, match="not one") as info:
        with db.begin() as session:
            accounts.set_logo(
                session, team.admin, b"just some text\n", "image/png", now=clock.now()
            )
    assert info.value.field == "logo"


def test_an_empty_organization_name_says_which_name(team: Team, db, clock) -> None:
    with pytest.raises(ValidationError, match="Enter the organization's name"):
        with db.begin() as session:
            accounts.update_organization(
                session,
                team.admin,
                accounts.OrganizationSettings("  ", None, 15, 5, 15),
                now=clock.now(),
            )
