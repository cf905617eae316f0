"""Hypothesis settings for the fuzz tests (their names contain "fuzz", so `-k fuzz` picks them).

The everyday run tries a few dozen derandomized examples per parser, the same every run. A
maintainer asks for more, freshly random, with CVI_FUZZ_EXAMPLES (README, "Fuzzing")."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_ASKED = os.environ.get("CVI_FUZZ_EXAMPLES", "")
EXAMPLES = int(_ASKED) if _ASKED.isdigit() else 40

fuzz = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not _ASKED,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
