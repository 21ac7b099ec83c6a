"""The demo dossier PEETERS's books (books.py) and recognised invoices, for the domain."""

import uuid
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from ledgerline.events import DocumentRecognized
from ledgerline.events.invoice import InvoiceData, InvoiceFields, VatBreakdown
from worklist.domain.ledger import LedgerData

from services.worklist.tests.unit.books import PEETERS


@pytest.fixture
def ledger() -> LedgerData:
    return PEETERS


@pytest.fixture
def recognised() -> Callable[..., DocumentRecognized]:
    def make(**overrides: Any) -> DocumentRecognized:
        breakdown = overrides.pop(
            "vat_breakdown",
            (
                VatBreakdown(
                    rate=Decimal(21), taxable_amount=Decimal("100.00"), vat_amount=Decimal("21.00")
                ),
            ),
        )
        status = overrides.pop("status", "ok")
        confidence = overrides.pop("confidence", 1.0)
        fields: dict[str, Any] = {
            "document_type": "invoice",
            "supplier_name": "Van Hoorebeke Verpakkingen NV",
            "supplier_vat": "BE0715231874",
            "customer_name": "Bakkerij Peeters",
            "customer_vat": "BE0123456749",
            "invoice_number": "VH-0042",
            "issue_date": date(2026, 11, 14),
            "due_date": date(2026, 12, 14),
            "currency": "EUR",
            "total_excl_vat": Decimal("100.00"),
            "total_vat": Decimal("21.00"),
            "total_incl_vat": Decimal("121.00"),
        } | overrides
        return DocumentRecognized(
            document_id=uuid.uuid4(),
            status=status,
            source="ubl",
            confidence=confidence,
            invoice=InvoiceData(fields=InvoiceFields(**fields), vat_breakdown=tuple(breakdown)),
        )

    return make
