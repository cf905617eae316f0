"""Demo organization: one person per role plus a few trainees, for exploring and for tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from trainer.core.demo_people import DEMO_ORGANIZATION, DEMO_PEOPLE, EXTRA_PASSWORD, EXTRA_TRAINEES
from trainer.core.models import Role
from trainer.core.paths import bundled_content_root
from trainer.core.services import accounts, library


def seed_demo(session: Session, *, now: datetime) -> None:
    """Create the demo organization and people, import the bundled content."""
    admin_spec = DEMO_PEOPLE[0]
    admin = accounts.setup_organization(
        session,
        accounts.OrganizationSetup(
            name=DEMO_ORGANIZATION,
            admin_full_name=admin_spec.full_name,
            admin_username=admin_spec.username,
            admin_password=admin_spec.password,
            admin_job_title=admin_spec.job_title,
            contact="training@riverside-peace.example",
        ),
        now=now - timedelta(days=30),
    )
    library.import_bundled(session, bundled_content_root(), now=now - timedelta(days=30))
    people = {admin_spec.username: admin}
    for spec in DEMO_PEOPLE[1:]:
        people[spec.username] = accounts.add_person(
            session,
            admin,
            accounts.NewPerson(
                username=spec.username,
                full_name=spec.full_name,
                roles=spec.roles,
                password=spec.password,
                job_title=spec.job_title,
            ),
            now=now - timedelta(days=29),
        )
    for username, full_name, title in EXTRA_TRAINEES:
        people[username] = accounts.add_person(
            session,
            admin,
            accounts.NewPerson(
                username=username,
                full_name=full_name,
                roles=frozenset({Role.TRAINEE}),
                password=EXTRA_PASSWORD,
                job_title=title,
            ),
            now=now - timedelta(days=20),
        )
    for person in people.values():
        # Demo accounts sign in with the printed passwords, without the first-sign-in change.
        person.must_change_password = False
