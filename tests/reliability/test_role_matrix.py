"""Every service function, called as every role: the roles it must refuse are refused, the roles
it allows are not, and a deactivated person (holding every role) can do nothing at all.

The functions are found, not listed: every public function in trainer/core/services/ that takes
an `actor` must have a row in MATRIX, so a new one fails `test_every_service_function_is_in_the_
matrix` until someone writes down who may call it. The table is written out role by role, not
read from permissions.ACTION_ROLES, so a service guarded by the wrong action is caught too.

Other people's records are Tess's (a trainee none of the callers is): her credential, her
scenario attempt, her hours. Each call runs in a transaction that is rolled back."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy.orm import Session

import trainer.core.services as services_package
from tests import templates
from tests.conftest import PASSWORD, FakeClock, Team, make_person
from tests.core.credential_fixtures import ORIENTATION, Org
from trainer.core.db import Database, open_database
from trainer.core.errors import NotFoundError, PermissionDeniedError
from trainer.core.models import ContentKind, Person, Role
from trainer.core.paths import AppPaths
from trainer.core.services import (
    accounts,
    field_hours,
    library,
    observations,
    practice,
    signing_keys,
)

ROLES = ("admin", "trainer", "manager", "trainee")

EVERYONE = frozenset(ROLES)  # acts on the caller's own records, or on what all may read
STAFF = frozenset({"admin", "trainer", "manager"})  # someone else's records (view_team)
ADMIN = frozenset({"admin"})
MANAGER = frozenset({"manager"})
TRAINER = frozenset({"trainer"})
EDITORS = frozenset({"trainer", "admin"})
KEEPERS = frozenset({"manager", "admin"})  # keys, trust, policies, audit heads
OWNER_ONLY = frozenset()  # only the person whose record it is: nobody else, whatever their role


@dataclass(frozen=True)
class Rule:
    allowed: frozenset[str]
    args: dict[str, Callable[[World], Any]]
    # How the refusal shows: PermissionDeniedError, or NotFoundError where the app does not
    # even confirm that another person's record exists.
    refusal: type[Exception] = PermissionDeniedError


def rule(allowed: frozenset[str], refusal: type[Exception] = PermissionDeniedError, **args: Any):
    return Rule(allowed, args, refusal)


# --- the world every call is made in ----------------------------------------------------------


@dataclass
class World:
    db: Database
    now: datetime
    people: dict[str, Person]  # the callers, by role
    gone: Person  # holds every role, deactivated
    tess: Person
    org: Org
    credential_id: int
    attempt_id: int
    entry_id: int
    observation_id: int
    document_id: int
    version_id: int


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    templates.new_test()
    paths = AppPaths(tmp_path_factory.mktemp("matrix") / "data")
    templates.empty_database(paths)
    db = open_database(paths)
    clock = FakeClock()
    team = Team(db, clock)
    org = Org(db, clock, team)
    tess = team.other_trainee
    credential_id = org.oriented(tess).id
    entry_id = org.hours(tess, 2, "outreach", sign=False)
    org.observe(tess, "field-competencies")
    gone = make_person(db, clock, team.admin, "gus", *Role)
    with db.begin() as session:
        accounts.set_active(session, team.admin, gone.id, False, now=clock.now())
        attempt_id = practice.start(
            session, tess, "s03-stolen-chain", practice.PRACTICE, now=clock.now()
        ).attempt_id
        [observation] = observations.all_observations(session, team.trainer)
        document = library.find_document(session, tess, ContentKind.MODULE, ORIENTATION[0])
        version = library.live_version(session, tess, document.id)
        assert version is not None
    yield World(
        db,
        clock.now(),
        team.by_role(),
        gone,
        tess,
        org,
        credential_id,
        attempt_id,
        entry_id,
        observation.id,
        document.id,
        version.id,
    )
    db.dispose()


# Values for parameters by name; a row's own arguments override them. Where the permission
# check comes first, any value does.
ARGS: dict[str, Callable[[World], Any]] = {
    "now": lambda w: w.now,
    "person_id": lambda w: w.tess.id,
    "person_ids": lambda w: [w.tess.id],
    "credential_id": lambda w: w.credential_id,
    "attempt_id": lambda w: w.attempt_id,
    "entry_id": lambda w: w.entry_id,
    "observation_id": lambda w: w.observation_id,
    "document_id": lambda w: w.document_id,
    "version_id": lambda w: w.version_id,
    "update_id": lambda w: 1,
    "program_key": lambda w: "orientation",
    "username": lambda w: w.tess.username,
    "passphrase": lambda w: "correct horse signing",
    "current_passphrase": lambda w: "correct horse signing",
    "new_passphrase": lambda w: "another horse signing",
    "new_password": lambda w: "another long password",
    "reason": lambda w: "a test of who may",
    "card": lambda w: _own_card(w),
}


def _own_card(w: World) -> Any:
    with w.db.begin() as session:
        return signing_keys.issuer_card(session, w.tess.organization_id, w.org.unlock())


def _scenario(w: World) -> int:
    with w.db.begin() as session:
        return library.find_document(session, w.tess, ContentKind.SCENARIO, "s03-stolen-chain").id


def const(value: Any) -> Callable[[World], Any]:
    return lambda _: value


unlocked: Callable[[World], Any] = lambda w: w.org.unlock()  # noqa: E731


MATRIX: dict[str, Rule] = {
    # accounts
    "accounts.add_person": rule(
        ADMIN, new=const(accounts.NewPerson("nat", "Nat New", frozenset({Role.TRAINEE}), PASSWORD))
    ),
    "accounts.change_own_password": rule(EVERYONE, current=const(PASSWORD), new=const("x" * 12)),
    "accounts.get_person": rule(STAFF),
    "accounts.list_people": rule(EVERYONE),  # a trainee sees only themself
    "accounts.person_by_username": rule(STAFF),
    "accounts.reset_password": rule(ADMIN),
    "accounts.set_active": rule(ADMIN, active=const(False)),
    "accounts.set_logo": rule(ADMIN, logo=const(None), logo_mime=const(None)),
    "accounts.set_roles": rule(ADMIN, roles=const([Role.MANAGER])),
    "accounts.update_organization": rule(
        ADMIN, settings=const(accounts.OrganizationSettings("Eastside", None, 15, 5, 15))
    ),
    "accounts.update_person_details": rule(ADMIN, full_name=const("Tess"), job_title=const(None)),
    # audit_log
    "audit_log.export_head": rule(KEEPERS),
    "audit_log.recent_entries": rule(ADMIN),
    "audit_log.require_audit_access": rule(ADMIN),
    "audit_log.target_words": rule(ADMIN, targets=lambda w: [w.tess.username]),
    "audit_log.verify": rule(ADMIN),
    # credential_register: Tess's credential
    "credential_register.certificate_pdf": rule(STAFF),
    "credential_register.change_status": rule(
        MANAGER, action=const("suspend"), reason=const("test")
    ),
    "credential_register.evidence": rule(STAFF),
    "credential_register.expiry_warnings": rule(EVERYONE),  # a trainee sees only their own
    "credential_register.find_credential": rule(EVERYONE, reference=lambda w: str(w.credential_id)),
    "credential_register.list_credentials": rule(STAFF),  # everyone's
    "credential_register.list_credentials(person_id)": rule(STAFF, person_id=ARGS["person_id"]),
    "credential_register.open_badge_jwt": rule(STAFF),
    # eligibility
    "eligibility.eligibility": rule(STAFF),
    "eligibility.my_progress": rule(EVERYONE),
    "eligibility.renewal_eligibility": rule(STAFF),
    "eligibility.team_eligibility": rule(MANAGER),
    # field_hours: Tess's hours
    "field_hours.entries_for": rule(STAFF),
    "field_hours.log_hours": rule(
        EVERYONE, entry=lambda w: field_hours.NewHours(w.now.date(), 2.0, "outreach")
    ),
    "field_hours.pending_reviews": rule(TRAINER),
    "field_hours.review": rule(TRAINER, approve=const(True), comment=const("")),
    # issuance
    "issuance.issue": rule(MANAGER, key=unlocked),
    "issuance.issue_batch": rule(MANAGER, key=unlocked, person_ids=const([])),
    "issuance.renew": rule(MANAGER, key=unlocked),
    # library
    "library.compare_versions": rule(  # two published versions
        EVERYONE, version_id_a=lambda w: w.version_id, version_id_b=lambda w: w.version_id
    ),
    "library.create_document": rule(
        EDITORS, kind=const("module"), key=const("new-1"), body=const("")
    ),
    "library.decide_update": rule(EDITORS, accept=const(False)),
    "library.discard_draft": rule(EDITORS),
    "library.find_document": rule(EVERYONE, kind=const("module"), key=const(ORIENTATION[0])),
    "library.get_version": rule(EVERYONE),  # a published version
    "library.list_documents": rule(EVERYONE),
    "library.live_version": rule(EVERYONE),
    "library.offered_updates": rule(EDITORS),
    "library.programs_requiring": rule(EDITORS, body=const("")),
    "library.publish": rule(EDITORS),
    "library.save_draft": rule(EDITORS, body=const("")),
    "library.versions": rule(EVERYONE),
    # observations
    "observations.all_observations": rule(TRAINER),
    "observations.observable_trainees": rule(TRAINER),
    "observations.observations_for": rule(STAFF),
    "observations.published_rubrics": rule(EVERYONE),
    "observations.record_observation": rule(
        TRAINER,
        rubric_key=const("field-competencies"),
        setting=const("field"),
        observed_on=lambda w: w.now.date(),
        ratings=const({}),
    ),
    "observations.withdraw_observation": rule(TRAINER),
    # policies
    "policies.acknowledge": rule(EVERYONE, signed_name=const("Someone")),
    "policies.acknowledgment": rule(EVERYONE),  # their own
    "policies.acknowledgment(person_id)": rule(STAFF, person_id=ARGS["person_id"]),
    "policies.policy_boxes": rule(EVERYONE),
    "policies.set_text": rule(KEEPERS, title=const("A policy"), text=const("Our rule.")),
    # practice: Tess's attempt
    "practice.assessment_allowance": rule(EVERYONE, key=const("s03-stolen-chain")),
    "practice.choice_statistics": rule(STAFF),
    "practice.choose": rule(OWNER_ONLY, NotFoundError, choice_index=const(0)),
    "practice.history": rule(STAFF),
    "practice.list_scenarios": rule(EVERYONE),
    "practice.policy_settings": rule(EVERYONE),
    "practice.resume": rule(OWNER_ONLY, NotFoundError),
    "practice.set_policy": rule(ADMIN, key=const("share_names_with_police"), value=const(True)),
    "practice.start": rule(EVERYONE, key=const("s03-stolen-chain"), mode=const("practice")),
    "practice.undo": rule(OWNER_ONLY, NotFoundError),
    # scenario_analytics: the scenario Tess played (names never appear; managers see it too)
    "scenario_analytics.export_csv": rule(STAFF, document_id=lambda w: _scenario(w)),
    "scenario_analytics.scenario_analytics": rule(STAFF, document_id=lambda w: _scenario(w)),
    # signing_keys
    "signing_keys.change_passphrase": rule(KEEPERS),
    "signing_keys.create_first_key": rule(KEEPERS),
    "signing_keys.key_summaries": rule(EVERYONE),
    "signing_keys.replace_lost_key": rule(ADMIN),
    "signing_keys.rotate_key": rule(KEEPERS),
    "signing_keys.unlock": rule(MANAGER),
    "signing_keys.unlock_for_card": rule(KEEPERS),
    # training
    "training.attempts": rule(STAFF),
    "training.open_module": rule(EVERYONE, key=const(ORIENTATION[0])),
    "training.record_reading": rule(EVERYONE),
    "training.search": rule(EVERYONE, needle=const("safety")),
    "training.start_check": rule(EVERYONE),  # their own paper
    "training.submit_check": rule(EVERYONE, seed=const(1), answers=const({})),
    "training.team_statuses": rule(STAFF),
    "training.training_overview": rule(EVERYONE),  # their own
    "training.training_overview(person_id)": rule(STAFF, person_id=ARGS["person_id"]),
    # training_sessions
    "training_sessions.all_sessions": rule(TRAINER),
    "training_sessions.attendable_trainees": rule(TRAINER),
    "training_sessions.record_session": rule(
        TRAINER,
        topic=const("Workshop"),
        held_on=lambda w: w.now.date(),
        hours=const(2.0),
        delivery=const("in-person"),
        facilitator=const("Tina"),
        attendee_ids=lambda w: [w.tess.id],
    ),
    "training_sessions.sessions_attended": rule(STAFF),
    # trust
    "trust.export_status_lists": rule(MANAGER, key=unlocked),
    "trust.import_card": rule(KEEPERS),
    "trust.import_file": rule(KEEPERS, text=const("{}")),
    "trust.plan_card": rule(KEEPERS),
    "trust.replace_issuer": rule(KEEPERS, confirmed=const(True)),
    "trust.replacement_of": rule(KEEPERS),
    "trust.trusted_issuers": rule(EVERYONE),
}


def service_functions() -> dict[str, Callable[..., Any]]:
    """Every public function defined in trainer/core/services/ that takes an `actor`, except the
    permission checks themselves."""
    found = {}
    for info in pkgutil.iter_modules(services_package.__path__):
        module = importlib.import_module(f"{services_package.__name__}.{info.name}")
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if (
                function.__module__ == module.__name__
                and not name.startswith("_")
                and "actor" in inspect.signature(function).parameters
                and info.name != "permissions"
            ):
                found[f"{info.name}.{name}"] = function
    return found


FUNCTIONS = service_functions()


def test_every_service_function_is_in_the_matrix() -> None:
    rows = {name.split("(")[0] for name in MATRIX}
    assert sorted(set(FUNCTIONS) - rows) == [], "add a row saying who may call it"
    assert sorted(rows - set(FUNCTIONS)) == [], "a row for a function that is gone"
    assert len(FUNCTIONS) >= 90  # the enumeration itself still finds them (90 when written)


@contextmanager
def _rolled_back(db: Database) -> Iterator[Session]:
    session = db.sessions()
    try:
        yield session
    finally:
        session.rollback()
        session.close()


def _call(w: World, row: str, actor: Person) -> None:
    function = FUNCTIONS[row.split("(")[0]]
    parameters = inspect.signature(function).parameters
    rule_ = MATRIX[row]
    kwargs = {}
    for name, parameter in list(parameters.items())[2:]:
        if name in rule_.args:
            kwargs[name] = rule_.args[name](w)
        elif parameter.default is inspect.Parameter.empty:
            if name not in ARGS:
                raise AssertionError(f"{row}: say what to pass as {name!r}")
            kwargs[name] = ARGS[name](w)
    if next(iter(parameters)) == "begin":  # issue_batch opens its own transactions
        function(lambda: _rolled_back(w.db), actor, **kwargs)
        return
    with _rolled_back(w.db) as session:
        function(session, actor, **kwargs)


@pytest.mark.parametrize("row", sorted(MATRIX))
def test_each_role_is_refused_or_allowed_as_the_matrix_says(world: World, row: str) -> None:
    rule_ = MATRIX[row]
    wrong = []
    for role in ROLES:
        try:
            _call(world, row, world.people[role])
        except PermissionDeniedError as exc:
            outcome: type[Exception] | None = PermissionDeniedError
            message = str(exc)
        except Exception as exc:  # an allowed caller may still be told its input is wrong
            outcome, message = type(exc), str(exc)
        else:
            outcome, message = None, ""
        refused = outcome is not None and issubclass(outcome, rule_.refusal)
        if role in rule_.allowed and outcome is PermissionDeniedError:
            wrong.append(f"{role} was refused: {message}")
        if role not in rule_.allowed and not refused:
            got = outcome.__name__ if outcome else "it ran"
            wrong.append(f"{role} was not refused ({got}: {message})")
    assert wrong == []


@pytest.mark.parametrize("row", sorted(MATRIX))
def test_a_deactivated_person_can_do_nothing(world: World, row: str) -> None:
    with pytest.raises(PermissionDeniedError, match="no longer active"):
        _call(world, row, world.gone)
