"""The demo organization's people and passwords (no database imports: the sign-in screen shows them)."""

from __future__ import annotations

from dataclasses import dataclass

from trainer.core.roles import Role


@dataclass(frozen=True)
class DemoPerson:
    username: str
    password: str
    full_name: str
    job_title: str
    roles: frozenset[Role]


DEMO_ORGANIZATION = "Riverside Peace Collaborative (demo)"
DEMO_PEOPLE = (
    DemoPerson(
        "admin", "demo-admin-pass", "Dana Whitfield", "Operations Director", frozenset({Role.ADMIN})
    ),
    DemoPerson(
        "manager", "demo-manager-pass", "Marcus Bell", "Program Manager", frozenset({Role.MANAGER})
    ),
    DemoPerson(
        "trainer", "demo-trainer-pass", "Teresa Alvarez", "Lead Trainer", frozenset({Role.TRAINER})
    ),
    DemoPerson(
        "trainee",
        "demo-trainee-pass",
        "Jordan Reyes",
        "Outreach Worker (new hire)",
        frozenset({Role.TRAINEE}),
    ),
)
EXTRA_TRAINEES = (
    ("keisha", "Keisha Moore", "Community Safety Worker (new hire)"),
    ("andre", "Andre Williams", "Hospital Responder (new hire)"),
    ("sam", "Sam Okafor", "Violence Interrupter (new hire)"),
)
EXTRA_PASSWORD = "demo-trainee-pass"
# The demo organization's certificate signing passphrase (managers enter it to issue).
DEMO_SIGNING_PASSPHRASE = "riverside demo signing"


def demo_credentials_text() -> str:
    extra = ", ".join(u for u, _, _ in EXTRA_TRAINEES)
    return (
        _main_credentials()
        + f"\n(also trainees {extra} / {EXTRA_PASSWORD})"
        + f"\nCertificate signing passphrase: {DEMO_SIGNING_PASSPHRASE}"
    )


def _main_credentials() -> str:
    return "\n".join(
        f"{p.username} / {p.password}  ({', '.join(sorted(r.label for r in p.roles))})"
        for p in DEMO_PEOPLE
    )
