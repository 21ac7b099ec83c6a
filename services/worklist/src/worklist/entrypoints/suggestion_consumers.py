"""The booking history the suggestions learn from, fed by proposal.validated.v1 (what was
booked) and booking.posted.v1 (that it was booked: only posted bookings count). A consumer group
of its own, so that these handlers see every event beside the worklist's other handlers of the
same events."""

from ledgerline.db import UnitOfWork
from ledgerline.events import BookingPosted, Envelope, ProposalValidated
from ledgerline.subscriptions import Subscription

from worklist.adapters import booking_history

CONSUMER = "worklist.suggestions"


async def on_proposal_validated(uow: UnitOfWork, event: Envelope[ProposalValidated]) -> None:
    data = event.data
    await booking_history.record_validated(
        uow.conn,
        event.officeid,
        event.dossierid,
        data.proposal_id,
        booking_history.counterparty_key(data.counterparty_number, data.counterparty_vat),
        data.invoice_date,
        data.lines,
        event.time,
    )


async def on_booking_posted(uow: UnitOfWork, event: Envelope[BookingPosted]) -> None:
    await booking_history.record_posted(
        uow.conn, event.officeid, event.dossierid, event.data.proposal_id, event.data.posted_at
    )


SUGGESTION_SUBSCRIPTIONS = [
    Subscription(ProposalValidated, on_proposal_validated, consumer=CONSUMER),
    Subscription(BookingPosted, on_booking_posted, consumer=CONSUMER),
]
