"""The portal's clock: what "now" is for every rule that depends on it (a shift has started, has ended, is a
week overdue for close-out; a cancellation's window; a request's shifts are in the future; which rate-card version
is current, ``portal.cards``).

It is the system clock unless ``app.config["CLOCK"]`` holds another: a callable returning an aware datetime.
The tests set one to live a booking's week (submitted, worked, closed out) in a few seconds; a demo could do
the same. Record timestamps (``created_at``, the timeline) always come from the system clock.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app


def now() -> datetime:
    clock = current_app.config.get("CLOCK")
    moment = clock() if clock is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        raise ValueError("the CLOCK setting must give aware datetimes")
    return moment
