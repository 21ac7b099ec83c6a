"""Posting through a connector that lives outside sync, over Kafka (docs/connectors.md, "Over
Kafka"). Pure: which way a dossier's bookings go, what sync does with a proposal validated again,
which answers of the connector change a posting, and what a posting changed in the books.

- A dossier's `connector` is chosen at activation: `in_process` (sync calls the connector, the
  Beancount reference connector) or `kafka` (sync publishes booking.requested.v1; the connector
  answers with booking.posted.v1 / booking.failed.v1 and publishes ledger.synced.v1).
- Never twice: the connector is idempotent on the proposal id. Sync asks again whenever a
  proposal is validated again and is not posted yet (a refused booking validated again after a
  correction must go out; a request still on its way is answered once by the connector, the
  second time with `already_posted`). A posted proposal is answered from sync's own record.
- An answer delivered twice, or a second answer for the same proposal, has one effect: posted
  is final, a failure arriving after the booking was posted changes nothing.
"""

from collections.abc import Iterable
from typing import Any, Literal

from sync.connectors.contract import (
    BookingPeriod,
    Counterparty,
    GLAccount,
    Journal,
    LedgerSnapshot,
    PostedBooking,
)
from sync.domain.ledger_sync import record_key as ledger_record_key

Route = Literal["in_process", "kafka"]
KafkaPostingAction = Literal["request", "answer_posted"]

# What sync keeps of an external connector's ledger.synced.v1: what `booking_from_proposal`
# reads to choose the journal, the counterparty and the suspense account, and the periods a
# manual sync's new active period is checked against.
KEPT_RECORDS: dict[str, str] = {
    "gl_accounts": "gl_account",
    "journals": "journal",
    "counterparty_records": "counterparty",
    "periods": "period",
    # The feedback records: the feedback reports are computed from them (domain.synced_books).
    "turnover_records": "turnover",
    "account_totals": "account_total",
    "item_histories": "item_history",
}
# The kinds a posting is resolved against (snapshot_of_records).
POSTING_RECORDS = ("gl_account", "journal", "counterparty", "period")
# The removals of ledger.synced.v1 that apply to a kept kind.
KEPT_REMOVALS: dict[str, str] = {
    "removed_counterparties": "counterparty",
    "removed_turnover": "turnover",
    "removed_account_totals": "account_total",
    "removed_item_histories": "item_history",
}
# Kept kind -> the LedgerSnapshot field whose key it shares (ledger_sync.record_key).
_SOURCE_OF_KIND = {
    "counterparty": "counterparties",
    "turnover": "turnover",
    "account_total": "account_totals",
    "item_history": "item_histories",
}


def posting_route(connector: str | None) -> Route:
    """The dossier's connector kind as stored (an event without one: in_process)."""
    return "kafka" if connector == "kafka" else "in_process"


def kafka_posting_action(current_status: str | None) -> KafkaPostingAction:
    """What a validated proposal of a Kafka-connected dossier leads to, given its posting's
    status in sync (None: never seen)."""
    return "answer_posted" if current_status == "posted" else "request"


def answer_applies(current_status: str | None, answer: Literal["posted", "failed"]) -> bool:
    """Whether a connector's answer changes the posting: posted is final."""
    return answer == "posted" or current_status != "posted"


def record_key(kind: str, record: Any) -> str:
    """The key of a kept record: the one its removals name."""
    return ledger_record_key(_SOURCE_OF_KIND.get(kind, kind), record)


def snapshot_of_records(
    dossier_code: str, read_at: Any, records: Iterable[tuple[str, dict[str, Any]]]
) -> LedgerSnapshot:
    """The ledger records sync keeps of a Kafka-connected dossier, as the snapshot a posting
    is resolved against."""
    gl_accounts: list[GLAccount] = []
    journals: list[Journal] = []
    counterparties: list[Counterparty] = []
    periods: list[BookingPeriod] = []
    for kind, record in records:
        if kind == "gl_account":
            gl_accounts.append(GLAccount.model_validate(record))
        elif kind == "journal":
            journals.append(Journal.model_validate(record))
        elif kind == "counterparty":
            counterparties.append(Counterparty.model_validate(record))
        elif kind == "period":
            periods.append(BookingPeriod.model_validate(record))
    return LedgerSnapshot(
        dossier_code=dossier_code,
        read_at=read_at,
        gl_accounts=tuple(sorted(gl_accounts, key=lambda account: account.code)),
        journals=tuple(sorted(journals, key=lambda journal: journal.code)),
        counterparties=tuple(sorted(counterparties, key=lambda party: party.number)),
        periods=tuple(sorted(periods, key=lambda period: period.code)),
    )


def booking_delta(
    snapshot: LedgerSnapshot, posted: PostedBooking, counterparty_number: str
) -> LedgerSnapshot:
    """What a posting changed in the books, read from the snapshot taken after it: the
    journal (its next number), the counterparty (new, for an Ok-new booking) and the open item
    of the booking. The connector publishes it as a ledger.synced.v1 delta."""
    return LedgerSnapshot(
        dossier_code=snapshot.dossier_code,
        read_at=snapshot.read_at,
        up_to_date_until=snapshot.up_to_date_until,
        journals=tuple(j for j in snapshot.journals if j.code == posted.journal),
        counterparties=tuple(p for p in snapshot.counterparties if p.number == counterparty_number),
        open_items=tuple(
            item
            for item in snapshot.open_items
            if (item.journal, item.document_number) == (posted.journal, posted.document_number)
        ),
    )
