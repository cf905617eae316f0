"""Every page of every signed-in role fits the window sideways at every size the screen audit
checks: 1100x720, 1366x768, 200% text, 800x600 and 250% text.

Uses the screen audit's own demo window (scripts/screenshots.py), so the pages hold the demo
organization's real content: long module names, locked-module reasons, content problems.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from trainer.ui.screen_audit import horizontal_overflow

_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "screenshots.py"

# Every page of every role; each must fit at every size of the screen audit.
PAGES = {
    "trainee": [
        "Home",
        "My training",
        "Scenarios",
        "My credentials",
        "My practice record",
        "Program policies",
    ],
    "trainer": [
        "Home",
        "Authoring",
        "Scenario studio",
        "Sign-offs",
        "Observations",
        "Training sessions",
        "Cohort",
        "Content library",
        "Program policies",
    ],
    "manager": ["Home", "Team", "Issue", "Verify", "Program policies"],
    "admin": [
        "Home",
        "Authoring",
        "Scenario studio",
        "Content library",
        "Program policies",
        "People",
        "Organization",
    ],
}


def _screenshots():
    spec = importlib.util.spec_from_file_location("cvi_screenshots", _SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo():
    """The audit's demo window (seeded once for the module; seeding takes seconds)."""
    shots = _screenshots()
    run = shots.Audit(Path("unused"))
    yield shots, run
    run.window.sign_out()
    run.window.close()
    run.ctx.dispose()


@pytest.mark.parametrize("size", ["1100x720", "1366x768", "200% text", "800x600", "250% text"])
def test_every_page_fits_sideways(qtbot, demo, size) -> None:
    shots, run = demo
    _, width, height, steps = next(s for s in shots.SIZES if s[0] == size)
    try:
        for _ in range(steps):
            run.window.zoom(+1)
        run.window.resize(width, height)
        found = []
        for role, pages in PAGES.items():
            workspace = run.sign_in(role)
            assert sorted(workspace.labels()) == sorted(pages), role  # a new page is checked too
            for page in pages:
                workspace.show_screen(page)
                shots.settle(run.app)
                found += [f"{role} | {page} | {p}" for p in horizontal_overflow(run.window)]
            # ... and with a row selected where a selection fills a detail pane.
            for state, do in shots.STATES.get(role, []):
                if state.endswith("› selected"):
                    do(run.window, workspace)
                    shots.settle(run.app)
                    found += [f"{role} | {state} | {p}" for p in horizontal_overflow(run.window)]
    finally:
        run.window.zoom(0)  # the text size is application-wide: give the next test its default
        shots.settle(run.app)
    assert "\n".join(found) == ""
