"""Bookings and payments written as Beancount transactions, counterparties as directives.
Pure: contract models in, entries out (see `books` for how the ledger is modelled)."""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount as BeanAmount
from beancount.parser.grammar import ValueType

from sync.connectors.beancount_ledger.books import COUNTERPARTY, Books, money
from sync.connectors.contract import (
    BookingRefused,
    BookingToPost,
    Counterparty,
    Journal,
    PaymentToJournalise,
    VatLine,
)


def _posting(
    account: str,
    number: Decimal,
    currency: str,
    price: BeanAmount | None = None,
    **meta: object,
) -> data.Posting:
    clean = {key: value for key, value in meta.items() if value is not None}
    return data.Posting(
        account, BeanAmount(money(number), currency), None, price, None, clean or None
    )


PRICE_PRECISION = Decimal("1e-10")


def booking_transaction(
    booking: BookingToPost,
    books: Books,
    journal: Journal,
    document_number: str,
    counterparty: Counterparty,
    entered_on: date,
    booking_date: date,
) -> data.Transaction:
    """The ledger transaction of a validated purchase or sales booking.

    Purchase: detail lines and deductible VAT debited, the supplier credited with the total.
    Sales: detail lines and VAT credited, the customer debited. A credit note reverses the
    signs. Reverse charge and intra-EU purchases self-assess the VAT (recoverable and payable).
    Non-deductible VAT is added to the largest detail line of its VAT code. The transaction is
    not balanced here: Beancount checks it against the header's total.
    """
    header = booking.header
    currency = header.currency
    # A foreign-currency invoice stays in its currency; every posting carries the same EUR price
    # (1 / the rate of units per EUR), so Beancount balances it both in units and in EUR.
    price = (
        BeanAmount((1 / header.exchange_rate).quantize(PRICE_PRECISION), "EUR")
        if currency != "EUR" and header.exchange_rate
        else None
    )
    purchase = journal.type == "purchase"
    sign = Decimal(1 if purchase else -1) * (-1 if header.credit_note else 1)
    document = f"{journal.code}/{document_number}"

    vat_lines = booking.vat_lines or _vat_lines_from_detail(booking)
    extra_on_line: dict[int, Decimal] = defaultdict(Decimal)
    vat_postings: list[data.Posting] = []

    def vat(role: str, number: Decimal, code: str) -> None:
        vat_postings.append(
            _posting(books.role_account(role), number, currency, price, **{"vat-code": code})
        )

    for vat_line in vat_lines:
        vat_code = books.vat_codes.get(vat_line.vat_code)
        if vat_code is None:
            raise BookingRefused(f"VAT code {vat_line.vat_code} is unknown to the dossier")
        amount = vat_line.vat_amount
        if not purchase:
            vat("vat-payable", sign * amount, vat_code.code)
            continue
        deductible = money(amount * vat_code.deductible_share / 100)
        if amount - deductible:
            extra_on_line[_largest_line(booking, vat_code.code)] += amount - deductible
        if vat_code.regime in ("reverse_charge", "intra_eu"):
            # Self-assessed: payable and recoverable; the supplier is owed the base only.
            vat("vat-payable", -sign * amount, vat_code.code)
        vat("vat-recoverable", sign * deductible, vat_code.code)
    vat_postings = [p for p in vat_postings if p.units.number != 0]

    line_postings = [
        _posting(
            books.account_for(line.gl_account),
            sign * (line.amount_excl_vat + extra_on_line.get(index, Decimal(0))),
            currency,
            price,
            **{"vat-code": line.vat_code, "description": line.description},
        )
        for index, line in enumerate(booking.lines)
    ]
    collective = _posting(
        books.collective(counterparty.kind),
        -sign * header.total_incl_vat,
        currency,
        price,
        document=document,
        counterparty=counterparty.number,
        **{
            "invoice-number": header.invoice_number,
            "invoice-date": header.invoice_date,
            "due-date": header.due_date,
            "communication": header.structured_communication,
        },
    )
    meta: dict[str, object] = {
        "journal": journal.code,
        "document-number": document_number,
        "period": header.period,
        "counterparty": counterparty.number,
        "proposal-id": str(booking.proposal_id),
        "entered-on": entered_on,
    }
    if booking.document_id:
        meta["document-id"] = str(booking.document_id)
    if header.exchange_rate is not None:
        meta["exchange-rate"] = header.exchange_rate
    if booking.validated_by:
        meta["validated-by"] = booking.validated_by
    narration = header.description or (
        f"{'Credit note' if header.credit_note else 'Invoice'} {header.invoice_number or ''}".strip()
    )
    return data.Transaction(
        data.new_metadata("<ledgerline>", 0, meta),
        booking_date,
        "*",
        counterparty.name,
        narration,
        data.EMPTY_SET,
        data.EMPTY_SET,
        [*line_postings, *vat_postings, collective],
    )


def _vat_lines_from_detail(booking: BookingToPost) -> list[VatLine]:
    """Without a VAT breakdown, the detail lines' VAT per code is the breakdown."""
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for line in booking.lines:
        if line.vat_code is None:
            continue
        base, vat = totals.get(line.vat_code, (Decimal(0), Decimal(0)))
        totals[line.vat_code] = (base + line.amount_excl_vat, vat + line.vat_amount)
    return [
        VatLine(vat_code=code, base=base, vat_amount=vat) for code, (base, vat) in totals.items()
    ]


def _largest_line(booking: BookingToPost, vat_code: str) -> int:
    candidates = [i for i, line in enumerate(booking.lines) if line.vat_code == vat_code]
    if not candidates:
        candidates = list(range(len(booking.lines)))
    return max(candidates, key=lambda i: booking.lines[i].amount_excl_vat)


def payment_transaction(
    payment: PaymentToJournalise,
    books: Books,
    journal: Journal,
    bank_code: str,
    document_number: str,
    entered_on: date,
) -> data.Transaction:
    """Money out to a supplier (or in from a customer), settling the named open item."""
    collective = books.collective(payment.kind)
    out = payment.kind == "supplier"
    amount = payment.amount if out else -payment.amount
    document = (
        f"{payment.settles_journal}/{payment.settles_document_number}"
        if payment.settles_journal and payment.settles_document_number
        else None
    )
    counterparty = books.counterparties.get(payment.counterparty_number)
    meta: dict[str, object] = {
        "journal": journal.code,
        "document-number": document_number,
        "period": payment.paid_on.strftime("%Y-%m"),
        "counterparty": payment.counterparty_number,
        "payment-id": str(payment.payment_id),
        "entered-on": entered_on,
    }
    if payment.communication:
        meta["communication"] = payment.communication
    return data.Transaction(
        data.new_metadata("<ledgerline>", 0, meta),
        payment.paid_on,
        "*",
        counterparty.name if counterparty else payment.counterparty_number,
        payment.communication or "Payment",
        data.EMPTY_SET,
        data.EMPTY_SET,
        [
            _posting(
                collective,
                amount,
                payment.currency,
                document=document,
                counterparty=payment.counterparty_number,
            ),
            _posting(books.account_names[bank_code], -amount, payment.currency),
        ],
    )


def counterparty_directive(counterparty: Counterparty, day: date) -> data.Custom:
    meta: dict[str, object] = {"name": counterparty.name, "currency": counterparty.currency}
    if counterparty.vat_number:
        meta["vat"] = counterparty.vat_number
    if counterparty.ibans:
        meta["ibans"] = ",".join(counterparty.ibans)
    if counterparty.default_gl_account:
        meta["gl-account"] = counterparty.default_gl_account
    if counterparty.default_vat_code:
        meta["vat-code"] = counterparty.default_vat_code
    return data.Custom(
        data.new_metadata("<ledgerline>", 0, meta),
        day,
        COUNTERPARTY,
        [ValueType(counterparty.number, str), ValueType(counterparty.kind, str)],
    )
