"""A clock for the portal's ``CLOCK`` setting that a test can move: time keeps flowing from wherever it is put,
so a booking can be submitted now and worked, closed out and found overdue "days later" within one test."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def travel_to(self, moment: datetime) -> None:
        self.offset = moment - datetime.now(UTC)

    def advance(self, delta: timedelta) -> None:
        self.offset += delta
