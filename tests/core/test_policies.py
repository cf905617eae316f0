"""Program policy boxes: the organization writes each answer once, readers see it inside the
box, people sign an acknowledgment that a later change makes stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Team
from tests.core.curriculum_fixtures import write_curriculum
from trainer.core.errors import PermissionDeniedError, ValidationError
from trainer.core.policies import NOT_WRITTEN, boxes, with_policies
from trainer.core.services import library, policies, training

BOX = """

!!! policy "Mandated reporting"
    Ask your supervisor what you must report, to whom and how fast.
"""


@pytest.fixture
def curriculum(team: Team, db, clock, tmp_path: Path) -> Path:
    root = write_curriculum(tmp_path / "bundle", extra=BOX)
    with db.begin() as session:
        library.import_bundled(session, root, now=clock.now())
    return root


def test_boxes_are_found_with_their_guidance_and_line() -> None:
    [box] = boxes("Intro.\n" + BOX)
    assert (box.title, box.line) == ("Mandated reporting", 4)
    assert box.guidance == "Ask your supervisor what you must report, to whom and how fast."


def test_the_answer_is_shown_inside_the_box_and_html_is_escaped() -> None:
    body = with_policies("Intro.\n" + BOX, {"Mandated reporting": "Call <b>Dana</b> first."})
    assert "    **Your organization's policy:**" in body
    assert "    > Call &lt;b&gt;Dana&lt;/b&gt; first." in body
    assert NOT_WRITTEN in with_policies("Intro.\n" + BOX, {})


def test_a_manager_writes_a_policy_once_and_every_reader_sees_it(
    curriculum, team: Team, db, clock
) -> None:
    with db.begin() as session:
        [box] = policies.policy_boxes(session, team.manager)
        assert box.text == "" and box.modules == ("First steps",)
        policies.set_text(
            session,
            team.manager,
            "Mandated reporting",
            "Tell Dana Ruiz, then call.",
            now=clock.now(),
        )
        opened = training.open_module(session, team.trainee, "basics-1", now=clock.now())
    assert "Tell Dana Ruiz, then call." in opened.rendered.html
    assert "Your program's policy: Mandated reporting" in opened.rendered.html


def test_only_managers_and_admins_write_policies_and_only_for_real_boxes(
    curriculum, team: Team, db, clock
) -> None:
    with pytest.raises(PermissionDeniedError, match="admin or manager can write"):
        with db.begin() as session:
            policies.set_text(session, team.trainer, "Mandated reporting", "x", now=clock.now())
    with pytest.raises(ValidationError, match="No published module has a policy box"):
        with db.begin() as session:
            policies.set_text(session, team.manager, "Made up", "x", now=clock.now())
    with pytest.raises(ValidationError, match="under 4,000"):
        with db.begin() as session:
            policies.set_text(
                session, team.manager, "Mandated reporting", "x" * 4001, now=clock.now()
            )


def test_acknowledgment_needs_every_policy_written_and_the_signers_name(
    curriculum, team: Team, db, clock
) -> None:
    with pytest.raises(ValidationError, match="cannot be acknowledged: Mandated reporting"):
        with db.begin() as session:
            policies.acknowledge(session, team.trainee, team.trainee.full_name, now=clock.now())
    with db.begin() as session:
        policies.set_text(session, team.manager, "Mandated reporting", "First.", now=clock.now())
    with pytest.raises(ValidationError, match="Type your full name"):
        with db.begin() as session:
            policies.acknowledge(session, team.trainee, "someone else", now=clock.now())
    with db.begin() as session:
        policies.acknowledge(session, team.trainee, team.trainee.full_name.upper(), now=clock.now())
        assert policies.acknowledgment(session, team.trainee).current
        # A changed policy asks for a new acknowledgment.
        policies.set_text(session, team.manager, "Mandated reporting", "Second.", now=clock.now())
        assert not policies.acknowledgment(session, team.trainee).current
