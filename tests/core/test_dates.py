"""Dates: English on every certificate and screen, whatever the process locale."""

from __future__ import annotations

import locale
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from trainer.core.dates import add_months, from_epoch, long_date, short_date
from trainer.core.errors import CredentialFormatError

TRAINER = Path(__file__).resolve().parents[2] / "trainer"


def test_long_and_short_dates_are_english() -> None:
    assert long_date(date(2026, 3, 2)) == "2 March 2026"
    assert short_date(datetime(2026, 12, 31, 23, tzinfo=UTC)) == "31 Dec 2026"


def test_dates_do_not_follow_a_german_process_locale() -> None:
    before = locale.setlocale(locale.LC_ALL)
    try:
        locale.setlocale(locale.LC_ALL, "de_DE.UTF-8")
    except locale.Error:
        pytest.skip("the de_DE.UTF-8 locale is not installed (localedef -i de_DE -f UTF-8 ...)")
    try:
        assert f"{date(2026, 3, 2):%B}" == "März"  # what the old code printed
        assert long_date(date(2026, 3, 2)) == "2 March 2026"
    finally:
        locale.setlocale(locale.LC_ALL, before)


def test_no_module_formats_month_or_day_names_through_the_locale() -> None:
    """%b, %B, %a and %A follow the C library locale (which Qt sets): one home for dates."""
    pattern = re.compile(r"%[aAbB]")
    offenders = [
        f"{path.relative_to(TRAINER.parent)}:{n}"
        for path in TRAINER.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line)
    ]
    assert offenders == []


def test_add_months_keeps_the_day_or_takes_the_months_last() -> None:
    assert add_months(datetime(2026, 1, 31, tzinfo=UTC), 1).day == 28
    assert add_months(datetime(2026, 3, 2, tzinfo=UTC), 24) == datetime(2028, 3, 2, tzinfo=UTC)


@pytest.mark.parametrize("value", [None, "1", True, float("nan"), float("inf"), -1, 1e300])
def test_garbled_signed_dates_are_a_format_error(value: object) -> None:
    with pytest.raises(CredentialFormatError):
        from_epoch(value, "nbf")
