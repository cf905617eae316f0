"""Programs that ask for training hours, observed competencies, a span of field work and
signed policies: what counts, what does not, and what the checklist says in words."""

from __future__ import annotations

import pytest

from tests.core.credential_fixtures import Org
from trainer.core import eligibility as rules
from trainer.core.errors import ValidationError
from trainer.core.services import eligibility, library, observations


def _publish(org: Org, key: str, requirements: str) -> None:
    body = (
        f"id: {key}\ntitle: Test program {key}\ntier: endorsement\ndescription: For tests.\n"
        f"requirements:\n{requirements}\ndisclaimer: Issued by the program; not a state "
        "certification.\n"
    )
    with org.db.begin() as session:
        doc = library.create_document(
            session, org.team.trainer, "program", key, body, now=org.clock.now()
        )
        library.publish(session, org.team.trainer, doc.id, now=org.clock.now())


def _check(org: Org, person, program: str) -> rules.Checklist:
    with org.db.begin() as session:
        return eligibility.eligibility(
            session, org.team.manager, person.id, program, now=org.clock.now()
        )


def test_training_hours_count_sessions_attended_and_module_credit_and_need_some_in_person(
    org: Org,
) -> None:
    _publish(org, "train", "  training_hours: {total: 10, in_person: 6}")
    tom = org.team.trainee
    org.study(tom, "core-01-cvi-field")  # 0.75 credit hours
    org.train(tom, 4, "live-online")
    [item] = _check(org, tom, "train").items
    assert not item.met and item.hours == pytest.approx(4.75)
    assert item.evidence == (
        "4.75 h: 4 h live online in 1 session; 0.75 h of self-paced study in 1 module"
    )
    org.train(tom, 5.5)  # 10.25 h in all, but only 5.5 in person
    assert not _check(org, tom, "train").eligible
    org.train(tom, 0.5)
    [item] = _check(org, tom, "train").items
    assert item.met and item.label == "Training hours: sessions and modules (10 h, 6 h in person)"
    # Someone else's sessions count for nobody else.
    assert not _check(org, org.team.other_trainee, "train").items[0].hours


def test_an_observed_competency_needs_the_level_and_the_setting_and_says_what_was_seen(
    org: Org,
) -> None:
    _publish(
        org,
        "seen",
        "  observed:\n"
        "    - {rubric: field-competencies, competency: mediation, level: 3}\n"
        "    - {rubric: training-delivery, competency: facilitation, level: 3, "
        "setting: training-delivery}",
    )
    tom = org.team.trainee
    org.observe(tom, "field-competencies", level=2)
    mediation, facilitation = _check(org, tom, "seen").items
    assert (
        not mediation.met and mediation.evidence == "Not yet observed at level 3; highest so far 2"
    )
    org.observe(tom, "field-competencies", level=3)
    mediation, facilitation = _check(org, tom, "seen").items
    assert mediation.met and mediation.label == "Observed: Conflict mediation (level ≥ 3 of 4)"
    assert mediation.evidence.startswith("Level 3 of 4 in a field observation on ")
    assert "rated by Tina Person. The rubric describes that level as: Mediates on their own" in (
        mediation.evidence
    )
    assert not facilitation.met
    with pytest.raises(ValidationError):  # the training-delivery rubric is for that setting
        org.observe(tom, "training-delivery", level=4, setting="field")
    org.observe(tom, "training-delivery", level=4, setting="training-delivery")
    assert _check(org, tom, "seen").eligible


def test_a_withdrawn_observation_no_longer_counts(org: Org) -> None:
    _publish(
        org, "seen", "  observed:\n    - {rubric: field-competencies, competency: safety, level: 3}"
    )
    tom = org.team.trainee
    org.observe(tom, "field-competencies", level=4)
    assert _check(org, tom, "seen").eligible
    with org.db.begin() as session:
        [row] = observations.observations_for(session, org.team.trainer, tom.id)
        observations.withdraw_observation(
            session, org.team.trainer, row.id, "Rated the wrong person", now=org.clock.now()
        )
    assert not _check(org, tom, "seen").eligible


def test_nobody_observes_themself(org: Org) -> None:
    with pytest.raises(ValidationError, match="your own practice"):
        with org.db.begin() as session:
            observations.record_observation(
                session,
                org.team.trainer,
                person_id=org.team.trainer.id,
                rubric_key="field-competencies",
                setting="field",
                observed_on=org.clock.now().date(),
                ratings={"mediation": (4, "")},
                now=org.clock.now(),
            )


def test_field_hours_must_span_the_months_asked(org: Org) -> None:
    _publish(
        org,
        "span",
        "  field_hours:\n    - {activity: any, hours: 10}\n  field_hours_span_months: 3",
    )
    tom = org.team.trainee
    org.hours(tom, 8, "outreach")
    org.later(35)
    org.hours(tom, 8, "mediation")
    hours, span = _check(org, tom, "span").items
    assert hours.met and not span.met
    assert span.label == "Field hours: span of supervised work (≥ 3 months)"
    assert "they must span at least 3 months" in span.evidence
    org.later(60)  # 95 days after the first entry, but nothing in the third month
    org.hours(tom, 1, "outreach")
    assert "month 3 of the 3 has no signed-off hours" in _check(org, tom, "span").items[1].evidence
    with org.db.begin() as session:  # work in the third month, logged afterwards
        from datetime import timedelta

        from trainer.core.services import field_hours

        entry = field_hours.log_hours(
            session,
            tom,
            field_hours.NewHours(org.clock.now().date() - timedelta(days=30), 2, "outreach", "x"),
            now=org.clock.now(),
        )
        field_hours.review(
            session, org.team.trainer, entry.id, approve=True, comment="", now=org.clock.now()
        )
    hours, span = _check(org, tom, "span").items
    assert span.met and span.evidence.startswith("Signed-off field hours from 2 March 2026 to ")
    pending = org.hours(org.team.other_trainee, 20, "outreach", sign=False)
    assert pending and not _check(org, org.team.other_trainee, "span").items[1].met


def test_a_policy_change_makes_the_acknowledgment_stale(org: Org) -> None:
    tom = org.team.trainee
    org.ready(tom)
    assert _check(org, tom, "orientation").eligible
    from trainer.core.services import policies

    with org.db.begin() as session:
        title = policies.policy_boxes(session, org.team.manager)[0].title
        policies.set_text(session, org.team.manager, title, "A new rule.", now=org.clock.now())
    check = _check(org, tom, "orientation")
    assert [i.kind for i in check.left] == ["policies"]
    assert check.left[0].evidence == "Not signed since the policies last changed"


@pytest.mark.parametrize(
    ("requirements", "message"),
    [
        (
            "  observed:\n    - {rubric: no-such-rubric, competency: mediation, level: 3}",
            "requires rubric 'no-such-rubric', which is not published",
        ),
        (
            "  observed:\n    - {rubric: field-competencies, competency: juggling, level: 3}",
            "rubric 'field-competencies' has no competency 'juggling'",
        ),
        ("  training_hours: {total: -3}", "training_hours.total: -3 is less than or equal"),
        ("  training_hours: {total: 5, in_person: 9}", "in_person cannot be more than total"),
    ],
)
def test_a_program_asking_for_what_does_not_exist_is_refused(
    org: Org, requirements: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        _publish(org, "bad", requirements)
