"""Reading the shift form's data (portal.quote_forms.read): what every page and the live panel price.

No app and no database: the reader is a function of the submitted text and the agency's card.
"""

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from portal import quote_forms
from portal.pricing import load_seed_card


@pytest.fixture(scope="module")
def cards():
    return {slug: load_seed_card(slug) for slug in ("kcpd", "mesa", "tucson")}


def read(card, **fields):
    return quote_forms.read(MultiDict(fields), card)


def test_a_full_row_becomes_the_api_body(cards):
    got = read(cards["tucson"], schedule="major_event", **{
        "shifts-0-date": "2027-03-04", "shifts-0-start": "18:00", "shifts-0-end": "02:30", "shifts-0-officers": "5",
        "shifts-0-rank_sergeant": "1", "shifts-0-vehicles": "2",
        "shifts-1-date": "2027-03-05", "shifts-1-start": "08:00", "shifts-1-end": "09:00",
        "shifts-1-end_date": "2027-03-06", "shifts-1-officers": " +2 ",
    })
    assert got.complete and got.rows == [0, 1]
    assert got.body == {"schedule": "major_event", "shifts": [
        {"start": "2027-03-04T18:00", "end": "2027-03-05T02:30", "positions": {"officer": 5, "sergeant": 1},
         "vehicles": 2},
        {"start": "2027-03-05T08:00", "end": "2027-03-06T09:00", "positions": {"officer": 2}},
    ]}


def test_offered_rates_and_the_default_schedule(cards):
    row = {"shifts-0-date": "2027-03-04", "shifts-0-start": "18:00", "shifts-0-end": "22:00", "shifts-0-officers": "1"}
    assert read(cards["kcpd"], offered_officer="$45", offered_sergeant="52.5", **row).body["offered_rates"] == {
        "officer": "45.00", "sergeant": "52.5"}
    assert read(cards["kcpd"], offered_officer="4x", **row).errors == {
        "offered_officer": ["Enter an hourly rate like 45.00."]}
    assert read(cards["tucson"], **row).body["schedule"] == cards["tucson"].default_schedule.key
    assert read(cards["tucson"], schedule="gala", **row).errors == {"schedule": ["Not a valid choice."]}
    assert "offered_rates" not in read(cards["mesa"], offered_officer="99", **row).body  # Mesa's rates are fixed


@pytest.mark.parametrize(("key", "value", "message"), [
    ("date", "2027-02-30", "Not a valid date value."),
    ("date", "04/03/2027", "Not a valid date value."),
    ("date", "٢٠٢٧-03-04", "Not a valid date value."),  # digits of another script are not read as a date
    ("end_date", "tomorrow", "Not a valid date value."),
    ("start", "25:99", "Not a valid time value."),
    ("end", "7pm", "Not a valid time value."),
    ("officers", "-1", "Enter a number from 0 to 200."),
    ("officers", "201", "Enter a number from 0 to 200."),
    ("vehicles", "two", "Not a valid integer value."),
    ("rank_sergeant", "1.5", "Not a valid integer value."),
])
def test_unreadable_values_are_errors_on_their_field(cards, key, value, message):
    row = {"shifts-0-date": "2027-03-04", "shifts-0-start": "18:00", "shifts-0-end": "22:00", "shifts-0-officers": "2"}
    got = read(cards["tucson"], **{**row, f"shifts-0-{key}": value})
    assert got.errors == {f"shifts-0-{key}": [message]}
    assert not got.complete


def test_what_is_missing_is_said_in_words_and_beside_each_field(cards):
    got = read(cards["mesa"], **{"shifts-0-date": "2027-03-04", "shifts-0-start": "09:00",
                                 "shifts-1-date": "2027-03-05", "shifts-1-start": "09:00", "shifts-1-end": "10:00"})
    assert got.missing == ["Shift 1 needs an end time.", "Shift 2 needs at least one officer."]
    people = "Enter how many officers you need."
    assert got.needs == {"shifts-0-end": "Enter the end time.", "shifts-0-officers": people,
                         "shifts-1-officers": people}
    assert not got.errors and got.body["shifts"] == []
    empty = read(cards["mesa"])
    assert empty.missing == ["The shift needs a date, a start time and an end time."]


def test_rows_are_numbered_in_order_and_other_fields_ignored(cards):
    """Field names follow the rows' order (the pages bind the same rows renumbered with ``with_rows``)."""
    got = read(cards["kcpd"], **{
        "shifts-3-date": "2027-03-04", "shifts-3-start": "18:00", "shifts-3-end": "22:00", "shifts-3-officers": "1",
        "shifts-7-date": "2027-03-05", "shifts-7-start": "18:00", "shifts-7-end": "22:00", "shifts-7-officers": "x",
        "shifts-3-rank_commander": "9",  # not a KCPD rank: not a field of its form
        "shifts-3-colour": "blue",
    })
    assert got.errors == {"shifts-1-officers": ["Not a valid integer value."]}
    assert got.body["shifts"][0]["positions"] == {"officer": 1}


def test_the_last_day_of_the_calendar(cards):
    got = read(cards["kcpd"], **{"shifts-0-date": date.max.isoformat(), "shifts-0-start": "22:00",
                                 "shifts-0-end": "02:00", "shifts-0-officers": "1"})
    assert got.errors == {"shifts-0-date": ["Enter a date before the year 9999."]}


@pytest.mark.parametrize(("path", "field"), [
    ("shifts[1].end", "shifts-4-end"),
    ("shifts[0].positions.sergeant", "shifts-2-rank_sergeant"),
    ("shifts[0].positions.officer", "shifts-2-officers"),
    ("shifts[0].positions", "shifts-2-officers"),
    ("shifts[1].job_type", "shifts-4-date"),
    ("shifts[2].end", None),  # no such row
    ("schedule", "schedule"),
    ("offered_rates.officer", None),  # Tucson's rates are not minimums: no such field
    ("priority", None),
    ("location.city", None),
])
def test_engine_errors_find_their_field(cards, path, field):
    assert quote_forms.form_field_for(path, cards["tucson"], [2, 4]) == field


def test_wtforms_renders_what_read_reads(cards):
    """The bound form (used to render) shows the rows ``read`` read, under the names its errors use."""
    from flask import Flask

    data = MultiDict({"shifts-0-date": "2027-03-04", "shifts-0-start": "7:05", "shifts-0-end": "22:00",
                      "shifts-0-officers": "3", "shifts-1-date": "2027-02-30"})
    got = quote_forms.read(data, cards["tucson"])
    with Flask(__name__).test_request_context():
        form = quote_forms.bind(cards["tucson"], quote_forms.with_rows(data, quote_forms.rows_of(data)), csrf=False)
        first, second = (row.form for row in form.shifts)
        assert (first.date.data, first.start.data.isoformat(), first.officers.data) == (date(2027, 3, 4), "07:05:00", 3)
        assert second.date.data is None and second.date.name in got.errors
        assert quote_forms.apply_errors(form, got.errors) == []
        assert second.date.errors == ["Not a valid date value."]
