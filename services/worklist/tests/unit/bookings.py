"""The proposal the worklist's domain tests start from: Van Hoorebeke's invoice VH-0042 of
121.00 on the demo dossier PEETERS, open, one 21 % line."""

import uuid
from datetime import date
from decimal import Decimal

from worklist.domain.booking import Booking
from worklist.domain.lines import DetailLine


def booking(**overrides: object) -> Booking:
    """The proposal, with `overrides` as other field values."""
    values: dict[str, object] = dict(
        id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        mailbox="purchase",
        document_type="invoice",
        journal="CFAAN",
        period="2026-11",
        counterparty_number="L0006",
        counterparty_name="Van Hoorebeke Verpakkingen",
        counterparty_vat="BE0715231874",
        invoice_number="VH-0042",
        invoice_date=date(2026, 11, 14),
        due_date=None,
        currency="EUR",
        exchange_rate=None,
        total_excl_vat=Decimal("100.00"),
        total_vat=Decimal("21.00"),
        total_incl_vat=Decimal("121.00"),
        payment_reference=None,
        financial_discount=None,
        labels=(),
        booking_instruction=None,
        lines=(DetailLine("604000", Decimal("100.00"), "A21", Decimal("21.00")),),
        auto_status="ok",
        checked=False,
        on_hold=False,
        help_asked=False,
        stage="open",
        lines_source="default",
    )
    return Booking(**(values | overrides))  # type: ignore[arg-type]
