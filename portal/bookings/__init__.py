"""Bookings: the state machine (``states``, pure) and the one service that applies it (``service``)."""
