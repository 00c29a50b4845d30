"""The agency's back office: the officer roster, staffing a booking's shifts (rank, overlap and the card's hour
limit), attendance and field notes, closing shifts out and invoicing the booking.

``limits`` is pure (no Flask, no database). The others are services: they check, write the rows and the
booking's event (through ``portal.bookings.lifecycle.apply``) and raise ``Refused`` with a sentence for the
coordinator when the rules say no. Where money moves (an unfilled shift's refund, the invoice's charge or
refund) the decision only writes the pending rows; ``portal.payments.actions`` commits and talks to Stripe.
"""
