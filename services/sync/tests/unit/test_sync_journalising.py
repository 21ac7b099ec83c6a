"""Which settled payments sync journalises, the connector request they become, and what the
books then say of the open item (partly paid, or settled) for the ledger.synced.v1 delta."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from ledgerline.events import PaymentSettled
from sync.connectors.contract import Counterparty, OpenItem
from sync.domain.journalising import (
    NotJournalisable,
    Settlement,
    item_of,
    payment_request,
    settlement,
    to_journalise,
)

ITEM = OpenItem(
    kind="supplier",
    journal="CFAAN",
    document_number="26000041",
    counterparty_number="L0004",
    invoice_number="F218067",
    invoice_date=date(2026, 3, 2),
    amount=Decimal("1850.00"),
    amount_paid=Decimal("925.00"),
)
SUPPLIER = Counterparty(number="L0004", kind="supplier", name="Molens", vat_number="BE0299925087")


def settled(**fields: object) -> PaymentSettled:
    values: dict[str, object] = {
        "payment_id": uuid.uuid4(),
        "amount": Decimal("925.00"),
        "settled_on": date(2026, 12, 1),
        "settled_by": "payment",
        "bank_account_iban": "BE20 7343 8407 6256",
        "settles_journal": "CFAAN",
        "settles_document_number": "26000041",
        "communication": "+++010/8068/17183+++",
    }
    return PaymentSettled.model_validate(values | fields)


def test_only_money_moved_through_the_platform_is_journalised() -> None:
    assert to_journalise(settled()) is True
    assert to_journalise(settled(settled_by="books")) is False
    # The first form of the event says nothing: the books' own settlement, never booked twice.
    first_form = PaymentSettled(
        payment_id=uuid.uuid4(), amount=Decimal("1"), settled_on=date(2026, 12, 1)
    )
    assert to_journalise(first_form) is False


def test_the_request_takes_the_counterparty_from_the_open_item_when_the_event_has_none() -> None:
    data = settled()
    request = payment_request(data, [ITEM])
    assert (request.payment_id, request.paid_on, request.amount) == (
        data.payment_id,
        date(2026, 12, 1),
        Decimal("925.00"),
    )
    assert request.bank_account_iban == "BE20734384076256"
    assert (request.counterparty_number, request.kind) == ("L0004", "supplier")
    assert (request.settles_journal, request.settles_document_number) == ("CFAAN", "26000041")
    assert request.communication == "+++010/8068/17183+++"
    # What the event says wins over the copy (payments knew the item from the books too).
    named = payment_request(settled(counterparty_number="L0009", kind="customer"), [ITEM])
    assert (named.counterparty_number, named.kind) == ("L0009", "customer")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"bank_account_iban": None}, "names no bank account"),
        ({"settles_journal": None}, "its invoice is not booked yet"),
        ({"settles_document_number": "26009999"}, "CFAAN/26009999 is not open in the books"),
    ],
)
def test_a_payment_the_books_cannot_place_is_not_journalisable_with_the_reason(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(NotJournalisable, match=message):
        payment_request(settled(**fields), [ITEM])


def test_paying_the_rest_settles_the_item_and_names_the_payment() -> None:
    request = payment_request(settled(), [ITEM])
    after = ITEM.model_copy(update={"amount_paid": Decimal("1850.00")})
    result = settlement(request, ITEM, after, [SUPPLIER])
    assert result.open_items == ()
    assert result.removed_open_items == ("CFAAN/26000041",)
    [item] = result.settled_items
    assert (item.payment_id, item.invoice_number, item.counterparty_vat) == (
        request.payment_id,
        "F218067",
        "BE0299925087",
    )
    assert (item.amount, item.settled_on) == (Decimal("925.00"), date(2026, 12, 1))
    assert item.open_item == after and item.open_item.open_amount == 0


def test_a_connector_that_lists_only_open_items_settles_from_the_item_before() -> None:
    request = payment_request(settled(), [ITEM])
    [item] = settlement(request, ITEM, None).settled_items
    assert item.open_item is not None
    assert item.open_item.amount_paid == item.open_item.amount == Decimal("1850.00")


def test_a_part_payment_sends_the_item_with_its_new_paid_amount() -> None:
    request = payment_request(settled(amount=Decimal("100.00")), [ITEM])
    after = ITEM.model_copy(update={"amount_paid": Decimal("1025.00")})
    result = settlement(request, ITEM, after)
    assert result.open_items == (after,)
    assert (result.settled_items, result.removed_open_items) == ((), ())


def test_a_payment_of_no_open_item_changes_no_item() -> None:
    request = payment_request(settled(settles_journal=None, counterparty_number="L0004"))
    assert settlement(request, None, None) == Settlement()
    assert settlement(request, ITEM, ITEM) == Settlement()
    assert item_of([ITEM], request) is None
