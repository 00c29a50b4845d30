"""Payments through Stripe: the only package that imports ``stripe`` (in ``client``).

``actions`` holds the use cases that move money (deposit, cancellation, denial, what is due), ``attempts``
and ``refunds`` take one row each through Stripe at most once, ``webhooks`` receives Stripe's events,
``reconcile`` settles whatever is left open, ``local_stripe`` runs the localstripe stand-in for local
work and tests.
"""

from portal.payments import actions, client

__all__ = ["actions", "client"]
