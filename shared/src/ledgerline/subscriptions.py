"""What a service subscribes to: an event type, its handler, and how its messages are fetched
and handled (one at a time, many together, or prepared outside the transaction). The
`EventConsumer` of `ledgerline.consumers` runs them."""

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ledgerline.db import UnitOfWork
from ledgerline.events import Envelope, EventData, RawEnvelope

DataT = TypeVar("DataT", bound=EventData)
PreparedT = TypeVar("PreparedT")
Accepts = Callable[[RawEnvelope], bool]


@dataclass(frozen=True)
class Subscription(Generic[DataT]):
    event: type[DataT]
    handler: Callable[[UnitOfWork, Envelope[DataT]], Awaitable[None]]
    # The consumer group and inbox name; by default the service's. A second handler of the same
    # event in one service needs its own: in one group, Kafka would split the topic's
    # partitions between the two handlers, and the inbox would let only one of them run.
    consumer: str | None = None
    # Which messages are for this handler, judged on the envelope alone (source, type, ids)
    # before its data is fetched (a dataref) or an inbox row written: the others are skipped.
    accepts: Accepts | None = None
    # The event comes with every document, nothing on a document's way waits for this handler
    # and no user acts on its effects at once (payments' are not: an invoice read may be paid
    # at once): its messages are fetched gathered (see `EventConsumer`), many per transaction.
    gathered: bool = False
    # The event comes with every document and a document waits for this handler: its messages
    # are fetched by a Kafka consumer of their own (see `EventConsumer`), not with the quiet
    # topics'.
    per_document: bool = False


@dataclass(frozen=True)
class TakesMany:
    """A handler of all new events of one topic in a batch at once, in offset order, so that it
    can write them in a few statements instead of a few per event. Called as a one-event
    handler (a batch that failed is handled one message at a time), it gets a list of one."""

    handle_many: Callable[[UnitOfWork, Sequence[Envelope[Any]]], Awaitable[None]]

    async def __call__(self, uow: UnitOfWork, envelope: Envelope[Any]) -> None:
        await self.handle_many(uow, [envelope])


@dataclass(frozen=True)
class BatchSubscription(Generic[DataT]):
    """A subscription whose handler takes a batch's events together (see `TakesMany`)."""

    event: type[DataT]
    handle_many: Callable[[UnitOfWork, Sequence[Envelope[DataT]]], Awaitable[None]]
    consumer: str | None = None  # as Subscription.consumer
    accepts: Accepts | None = None  # as Subscription.accepts
    gathered: bool = False  # as Subscription.gathered
    per_document: bool = False  # as Subscription.per_document

    @property
    def handler(self) -> TakesMany:
        return TakesMany(self.handle_many)


@dataclass(frozen=True)
class PreparedSubscription(Generic[DataT, PreparedT]):
    """A handler whose slow part (fetching a document, reading it) must not hold a database
    connection: `prepare` runs first, outside any transaction, and `record` gets its result in
    the transaction that writes the inbox row. An event already in the inbox is skipped
    before `prepare`; when two deliveries race, both prepare and only the first to write the
    inbox row records (the other's result is dropped)."""

    event: type[DataT]
    prepare: Callable[[Envelope[DataT]], Awaitable[PreparedT]]
    record: Callable[[UnitOfWork, Envelope[DataT], PreparedT], Awaitable[None]]
    consumer: str | None = None  # as Subscription.consumer
    per_document: bool = False  # as Subscription.per_document


AnySubscription = Subscription[Any] | BatchSubscription[Any] | PreparedSubscription[Any, Any]
