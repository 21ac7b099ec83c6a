"""Never paying an invoice twice holds per invoice (number + counterparty), not per document;
a sales-mailbox document is not a supplier invoice to pay."""

import uuid
from decimal import Decimal

import pytest
from payments.domain.payment import (
    AlreadyPaid,
    Claim,
    InvoiceIdentity,
    NotASupplierInvoice,
    PayableInvoice,
    check_not_paying_twice,
    check_payable_mailbox,
    identity_key,
)

PDF = InvoiceIdentity.of("FA-2024/001", "BE 0123.456.749", "BE71 0961 2345 6769", "Drukkerij NV")


def test_keys_ignore_case_spaces_and_punctuation() -> None:
    assert identity_key("fa 2024-001") == identity_key("FA2024/001") == "FA2024001"
    assert identity_key("BE71 0961 2345 6769") == "BE71096123456769"
    assert identity_key(" -/ ") is None
    assert identity_key(None) is None


@pytest.mark.parametrize(
    "photo",
    [
        # The photo read by OCR: the same number written differently, and only one of the
        # counterparty's identifiers found is enough.
        InvoiceIdentity.of("FA 2024 001", None, None, "DRUKKERIJ NV."),
        InvoiceIdentity.of("fa-2024-001", "BE0123456749", None, None),
        InvoiceIdentity.of("FA2024/001", None, "BE71096123456769", "Drukkery N.V"),
    ],
)
def test_the_photo_of_an_invoice_is_the_same_invoice(photo: InvoiceIdentity) -> None:
    assert PDF.same_invoice(photo) and photo.same_invoice(PDF)


@pytest.mark.parametrize(
    "other",
    [
        InvoiceIdentity.of("FA-2024/002", "BE0123456749", "BE71096123456769", "Drukkerij NV"),
        InvoiceIdentity.of("FA-2024/001", "BE0987654321", "BE68539007547034", "Garage Janssens"),
        InvoiceIdentity.of(None, "BE0123456749", "BE71096123456769", "Drukkerij NV"),
    ],
)
def test_another_number_or_another_counterparty_is_another_invoice(
    other: InvoiceIdentity,
) -> None:
    assert not PDF.same_invoice(other)


def invoice(amount_due: str = "1656.25") -> PayableInvoice:
    return PayableInvoice(
        invoice_number="FA-2024/001",
        supplier_name="Drukkerij NV",
        iban="BE71096123456769",
        bic=None,
        payment_reference=None,
        amount_due=Decimal(amount_due),
        currency="EUR",
    )


def test_a_second_payment_through_another_document_names_the_first() -> None:
    first = Claim(uuid.uuid4(), uuid.uuid4(), Decimal("1656.25"), "in_processing")
    with pytest.raises(AlreadyPaid) as refused:
        check_not_paying_twice(invoice(), [first], Decimal("1656.25"))
    message = str(refused.value)
    assert "invoice FA-2024/001 is already paid or being paid (1656.25 of 1656.25)" in message
    assert f"payment {first.payment_id} (in_processing) of document {first.document_id}" in message


def test_partial_payments_add_up_over_documents() -> None:
    claims = [
        Claim(uuid.uuid4(), uuid.uuid4(), Decimal("600.00"), "paid"),
        Claim(uuid.uuid4(), uuid.uuid4(), Decimal("56.25"), "in_basket"),
    ]
    check_not_paying_twice(invoice(), claims, Decimal("1000.00"))
    with pytest.raises(AlreadyPaid, match=r"1000.01 is more than the open amount 1000.00"):
        check_not_paying_twice(invoice(), claims, Decimal("1000.01"))
    check_not_paying_twice(invoice(), [], Decimal("1656.25"))


def test_a_sales_mailbox_document_is_not_payable() -> None:
    document = uuid.uuid4()
    with pytest.raises(NotASupplierInvoice, match="sales mailbox"):
        check_payable_mailbox(document, "sales")
    for mailbox in ("purchase", "misc", None):
        check_payable_mailbox(document, mailbox)
