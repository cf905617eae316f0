"""Dates as people read them on certificates and screens, and as signed credentials carry them.

One home for every date format: English month names from a table, never the process locale (Qt
sets the C library locale from the system, so a month-name format would print "März" on a German desktop
while the verifier looks for "March")."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from trainer.core.errors import CredentialFormatError

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

# Seconds since 1970 that a signed date may carry: 1970 to the year 9999. Anything outside is
# garbled input, refused before datetime() can overflow.
_MAX_EPOCH = 253402300799


def long_date(moment: date) -> str:
    """'2 March 2026': what the certificate prints."""
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def short_date(moment: date) -> str:
    """'2 Mar 2026': lists, verdicts and messages."""
    return f"{moment.day} {MONTHS[moment.month - 1][:3]} {moment.year}"


def iso(moment: datetime) -> str:
    """'2026-03-02T14:05:00Z' (UTC), as Verifiable Credentials write dates."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(value: Any, name: str) -> datetime:
    """A signed NumericDate back as an aware datetime; CredentialFormatError if it is not one."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
        raise CredentialFormatError(f"The credential's '{name}' date is missing or not a number.")
    if not 0 <= value <= _MAX_EPOCH:
        raise CredentialFormatError(f"The credential's '{name}' date is out of range.")
    return datetime.fromtimestamp(value, UTC)


def from_iso(value: Any) -> datetime:
    """An ISO 8601 date-time with a time zone; ValueError otherwise."""
    if not isinstance(value, str):
        raise ValueError("not a date")
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("date without time zone")
    # The same range as from_epoch: 0001-01-01T00:00+14:00 is a year-0 moment in UTC, which
    # datetime cannot hold, so comparing or writing it out would raise OverflowError.
    if not 0 <= moment.timestamp() <= _MAX_EPOCH:
        raise ValueError("date out of range")
    return moment


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later, or the month's last day when it is shorter."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    for day_ in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day_)
        except ValueError:
            continue
    raise AssertionError("unreachable")
