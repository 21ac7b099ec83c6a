import uuid
from datetime import date
from decimal import Decimal

import pytest
from ledgerline.events import DocumentRecognized
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from worklist.domain.proposals import propose


def recognised(
    status: str = "ok", document_type: str = "invoice", source: str = "ubl"
) -> DocumentRecognized:
    return DocumentRecognized(
        document_id=uuid.uuid4(),
        status=status,  # type: ignore[arg-type]
        source=source,  # type: ignore[arg-type]
        confidence=1.0,
        invoice=InvoiceData(
            fields=InvoiceFields(
                document_type=document_type,  # type: ignore[arg-type]
                supplier_name="Brouwerij Het Anker",
                supplier_vat="BE0404164418",
                customer_name="Bakkerij Peeters",
                customer_vat="BE0123456749",
                invoice_number="2026/0042",
                issue_date=date(2026, 3, 14),
                due_date=date(2026, 4, 13),
                currency="EUR",
                total_excl_vat=Decimal("100.00"),
                total_vat=Decimal("21.00"),
                total_incl_vat=Decimal("121.00"),
            )
        ),
    )


def test_purchase_invoice_from_a_new_supplier_is_ok_new_in_the_purchase_journal() -> None:
    draft = propose(
        recognised(), mailbox="purchase", counterparty_known=False, duplicate_of_existing=False
    )
    assert draft.status == "ok_new"
    assert draft.journal == "CFAAN"
    assert draft.period == "2026-03"
    assert (draft.counterparty_name, draft.counterparty_vat) == (
        "Brouwerij Het Anker",
        "BE0404164418",
    )
    assert (draft.total_excl_vat, draft.total_vat, draft.total_incl_vat) == (
        Decimal("100.00"),
        Decimal("21.00"),
        Decimal("121.00"),
    )


def test_known_supplier_is_ok_and_a_second_registration_is_a_possible_duplicate() -> None:
    assert (
        propose(
            recognised(), mailbox="purchase", counterparty_known=True, duplicate_of_existing=False
        ).status
        == "ok"
    )
    duplicate = propose(
        recognised(), mailbox="purchase", counterparty_known=True, duplicate_of_existing=True
    )
    assert duplicate.status == "ok_duplicate"
    assert duplicate.warnings


def test_sales_credit_note_is_booked_on_the_customer_in_the_sales_credit_note_journal() -> None:
    draft = propose(
        recognised(document_type="credit_note"),
        mailbox="sales",
        counterparty_known=True,
        duplicate_of_existing=False,
    )
    assert draft.journal == "CFCNVK"
    assert draft.counterparty_vat == "BE0123456749"


def test_incomplete_recognition_keeps_its_status() -> None:
    draft = propose(
        recognised(status="nok"),
        mailbox="purchase",
        counterparty_known=False,
        duplicate_of_existing=False,
    )
    assert draft.status == "nok"


@pytest.mark.parametrize("source", ["ubl", "facturx", "air", "ocr"])
def test_the_proposal_keeps_the_source_recognition_gives(source: str) -> None:
    # A photo read by OCR must not be shown as a text PDF (air) in the worklist.
    draft = propose(
        recognised(source=source),
        mailbox="purchase",
        counterparty_known=True,
        duplicate_of_existing=False,
    )
    assert draft.source == source
