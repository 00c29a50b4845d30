"""The floating-holiday table equals the calendar library it was built from."""

from __future__ import annotations

import json

import pytest

from portal.pricing import calendars


def test_table_covers_every_holiday_for_every_year():
    t = calendars.table()
    for cal, holidays in calendars.CALENDARS.items():
        for key in holidays:
            years = t[cal][key]
            assert min(years) == calendars.FIRST_YEAR and max(years) == calendars.LAST_YEAR, (cal, key)
            assert len(years) == calendars.LAST_YEAR - calendars.FIRST_YEAR + 1


def test_table_equals_the_library():
    pytest.importorskip("holidays")
    built = calendars.build()
    on_disk = json.loads(calendars.TABLE_FILE.read_text(encoding="utf-8"))
    assert built["calendars"] == on_disk["calendars"], "rebuild with: python -m portal.pricing.calendars --write"
