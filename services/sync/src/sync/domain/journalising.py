"""Journalising payments made through the platform (seed 001, "Betalingen journaliseren"): a
`payment.settled.v1` whose money moved through the platform becomes a bank-journal transaction
in the books, and the open item it settles becomes paid everywhere.

Pure: whether an event is to be journalised, the connector request it becomes, and what the
books now say about the open item (still partly open, or settled) for the ledger.synced.v1 delta.
The connector is idempotent on the payment id, so a redelivered event books nothing twice.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from ledgerline.events import PaymentSettled, SettledItem

from sync.connectors.contract import Counterparty, OpenItem, PaymentToJournalise


class NotJournalisable(ValueError):
    """The payment cannot be booked as it is: the message says what is missing, for the office."""


def to_journalise(data: PaymentSettled) -> bool:
    """Only money that moved through the platform is journalised: a payment the books settled
    themselves (`books`), or an older event that does not say, is in the books already."""
    return data.settled_by == "payment"


def _key(journal: str | None, document_number: str | None) -> str | None:
    return f"{journal}/{document_number}" if journal and document_number else None


def payment_request(
    data: PaymentSettled, open_items: Iterable[OpenItem] = ()
) -> PaymentToJournalise:
    """The connector request for a settled payment. The counterparty and kind come from the
    event, or else from the open item it settles as the books show it (`open_items`)."""
    if not data.bank_account_iban:
        raise NotJournalisable(
            f"payment {data.payment_id} names no bank account of the dossier to journalise it on"
        )
    key = _key(data.settles_journal, data.settles_document_number)
    item = _find(open_items, key)
    counterparty = data.counterparty_number or (item.counterparty_number if item else None)
    if counterparty is None:
        raise NotJournalisable(
            f"payment {data.payment_id} settles no open item the books know"
            + (f" ({key} is not open in the books)" if key else " (its invoice is not booked yet)")
            + ": book the invoice first, or journalise the payment in the package"
        )
    return PaymentToJournalise(
        payment_id=data.payment_id,
        paid_on=data.settled_on,
        bank_account_iban=data.bank_account_iban.replace(" ", ""),
        counterparty_number=counterparty,
        kind=data.kind or (item.kind if item else "supplier"),
        amount=data.amount,
        currency=data.currency or "EUR",
        settles_journal=data.settles_journal if key else None,
        settles_document_number=data.settles_document_number if key else None,
        communication=data.communication,
    )


@dataclass(frozen=True)
class Settlement:
    """What journalising changed on the open item: its record while still partly open, or the
    settled item (paid in full) with its key removed from the open items."""

    open_items: tuple[OpenItem, ...] = ()
    settled_items: tuple[SettledItem, ...] = ()
    removed_open_items: tuple[str, ...] = ()


def settlement(
    payment: PaymentToJournalise,
    before: OpenItem | None,
    after: OpenItem | None,
    counterparties: Iterable[Counterparty] = (),
) -> Settlement:
    """`before`: the item as the books showed it before the payment was journalised; `after`:
    as they show it now (None when the connector lists only open items and it is settled)."""
    key = _key(payment.settles_journal, payment.settles_document_number)
    if key is None or (before is None and after is None):
        return Settlement()
    now = after
    if now is None:
        assert before is not None
        now = before.model_copy(update={"amount_paid": before.amount})
    if now.open_amount != 0:
        return Settlement(open_items=(now,))
    vat = next((p.vat_number for p in counterparties if p.number == now.counterparty_number), None)
    return Settlement(
        settled_items=(
            SettledItem(
                counterparty_vat=vat,
                invoice_number=now.invoice_number or key,
                amount=payment.amount,
                settled_on=payment.paid_on,
                open_item=now,
                payment_id=payment.payment_id,
            ),
        ),
        removed_open_items=(key,),
    )


def _find(items: Iterable[OpenItem], key: str | None) -> OpenItem | None:
    return next((i for i in items if f"{i.journal}/{i.document_number}" == key), None)


def item_of(items: Iterable[OpenItem], payment: PaymentToJournalise) -> OpenItem | None:
    """The open item the payment settles, among `items`."""
    return _find(items, _key(payment.settles_journal, payment.settles_document_number))
