"""Bookings: the state machine (``states``, pure) and the services that apply it: ``drafts``, ``submission``,
``lifecycle`` (the only caller of the state machine), ``money`` (re-pricing a booking), ``queries`` (scoped
lookups), ``attachments``; the wizard's step forms (``forms``)."""
