"""The audit log in words: each recorded action as a person would say it, and an entry's details
as readable "key: value" text instead of the JSON they are stored (and hashed) as."""

from __future__ import annotations

import json
from typing import Any

# Every action string passed to audit.record() has words here; tests/core/test_audit_words.py
# reads the source for those strings, so a new action without words fails it.
ACTION_WORDS = {
    "account.locked": "Account locked",
    "audit.head_exported": "Audit log head exported",
    "content.bundled_imported": "Bundled content imported",
    "content.published": "Content published",
    "content.update_accepted": "Content update accepted",
    "content.update_declined": "Content update declined",
    "credential.issued": "Credential issued",
    "credential.reinstated": "Credential reinstated",
    "credential.renewed": "Credential renewed",
    "credential.revoked": "Credential revoked",
    "credential.suspended": "Credential suspended",
    "database.backed_up": "Database backed up",
    "database.restored": "Database restored",
    "hours.logged": "Field hours logged",
    "hours.rejected": "Field hours rejected",
    "hours.signed": "Field hours signed off",
    "key.created": "Signing key created",
    "key.passphrase_changed": "Signing passphrase changed",
    "key.replaced_without_passphrase": "Lost signing key replaced",
    "key.rotated": "Signing key rotated",
    "observation.recorded": "Observation recorded",
    "observation.withdrawn": "Observation withdrawn",
    "organization.created": "Organization created",
    "organization.logo_changed": "Organization logo changed",
    "organization.updated": "Organization details changed",
    "password.changed": "Password changed",
    "person.added": "Person added",
    "person.deactivated": "Person deactivated",
    "person.details_changed": "Person's details changed",
    "person.password_reset": "Password reset",
    "person.reactivated": "Person reactivated",
    "person.roles_changed": "Roles changed",
    "policies.acknowledged": "Policies acknowledged",
    "policy.changed": "Setting changed",
    "policy_text.written": "Policy text written",
    "scenario.assessed": "Scenario assessed",
    "sign_in.failed": "Sign-in failed",
    "sign_in.refused": "Sign-in refused",
    "sign_in.succeeded": "Signed in",
    "status.exported": "Status lists exported",
    "training_session.recorded": "Training session recorded",
    "trust.issuer_imported": "Trusted issuer imported",
    "trust.issuer_replaced": "Trusted issuer's keys replaced",
    "trust.issuer_updated": "Trusted issuer updated",
    "trust.status_imported": "Issuer's status lists imported",
}


def action_words(action: str) -> str:
    """The action in words; an action recorded by a newer app version reads as itself."""
    return ACTION_WORDS.get(action, action)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None:
        return "none"
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value) if value else "none"
    if isinstance(value, dict):
        return "(" + "; ".join(f"{_key(k)}: {_value(v)}" for k, v in value.items()) + ")"
    return str(value)


def _key(key: str) -> str:
    return key.replace("_", " ")


def details_words(details: str) -> str:
    """Stored details (a JSON object) as "key: value; key: value"; "" when there are none.
    Text that is not a JSON object is shown as it is rather than hidden."""
    try:
        data = json.loads(details) if details else {}
    except ValueError:
        return details
    if not isinstance(data, dict):
        return details
    return "; ".join(f"{_key(k)}: {_value(v)}" for k, v in data.items())
