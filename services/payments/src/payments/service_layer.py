"""Payment use cases: create, approve or reject, basket to SEPA file, QR paid, journalised,
status reports; what the other services' events change is in `event_handlers`."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline.auth import DossierScope
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    Envelope,
    PaymentApprovalRequested,
    PaymentApproved,
    PaymentQueued,
    PaymentRejected,
    PaymentSettled,
    SepaFileGenerated,
)
from schwifty import IBAN
from uuid_utils.compat import uuid7

from payments.adapters import open_items, repository
from payments.domain import (
    CreditTransferBatch,
    InvalidBatch,
    build_credit_transfer,
    file_digest,
    pain002,
    sepa_journal,
)
from payments.domain.payment import (
    Claim,
    InvoiceIdentity,
    PayableInvoice,
    PaymentMethod,
    PaymentRefused,
    PaymentStatus,
    check_invoice_approved,
    check_not_paying_twice,
    check_payable_mailbox,
    claimed,
    execution_date_or_today,
    open_amount,
    remittance_for,
)
from payments.domain.remittance import parse_creditor_reference

# The statuses of a payment that the books may settle (payments_to_settle reads the same).
SETTLEABLE = frozenset({PaymentStatus.IN_PROCESSING, PaymentStatus.QR_ISSUED})


class NotFound(LookupError):
    pass


class Conflict(ValueError):
    pass


@dataclass(frozen=True)
class NewPayment:
    """What the caller asked; fields left out are prefilled from the invoice."""

    document_id: UUID | None = None
    bank_account_id: UUID | None = None
    method: PaymentMethod = PaymentMethod.BASKET
    creditor_name: str | None = None
    creditor_iban: str | None = None
    creditor_bic: str | None = None
    amount: Decimal | None = None
    remittance_type: str | None = None
    remittance_value: str | None = None
    execution_date: date | None = None


def _invoice(row: asyncpg.Record) -> PayableInvoice:
    return PayableInvoice(
        invoice_number=row["invoice_number"],
        supplier_name=row["supplier_name"],
        iban=row["iban"],
        bic=row["bic"],
        payment_reference=row["payment_reference"],
        amount_due=row["amount_due"],
        currency=row["currency"],
    )


def _identity(row: asyncpg.Record) -> InvoiceIdentity:
    return InvoiceIdentity.of(
        row["invoice_number"], row["supplier_vat"], row["iban"], row["supplier_name"]
    )


async def claims_of_invoice(
    conn: asyncpg.Connection, office_id: UUID, dossier_id: UUID, invoice_row: asyncpg.Record
) -> list[Claim]:
    """The invoice's active payments through any of its documents; holds the invoice's lock."""
    identity = _identity(invoice_row)
    await repository.lock_invoice_identity(conn, office_id, dossier_id, identity.number)
    return await repository.invoice_claims(
        conn, office_id, dossier_id, invoice_row["document_id"], identity
    )


def bank_of_iban(iban: str) -> tuple[str | None, str | None]:
    """BIC and bank name derived from the IBAN, where schwifty's registry knows the bank."""
    try:
        bic = IBAN(iban).bic
    except Exception:
        return None, None
    if bic is None:
        return None, None
    return bic.compact, (bic.bank_names[0] if bic.bank_names else None)


def _debtor(account: asyncpg.Record) -> dict[str, Any]:
    address = {
        key: account[key]
        for key in ("street", "building_number", "postal_code", "town", "country")
        if account[key]
    }
    return {
        "name": account["holder_name"],
        "iban": account["iban"],
        **({"bic": account["bic"]} if account["bic"] else {}),
        "address": address,
    }


def _transfer(payment: dict[str, Any] | asyncpg.Record) -> dict[str, Any]:
    creditor: dict[str, Any] = {"name": payment["creditor_name"], "iban": payment["creditor_iban"]}
    if payment["creditor_bic"]:
        creditor["bic"] = payment["creditor_bic"]
    if payment["creditor_town"] and payment["creditor_country"]:
        creditor["address"] = {
            "town": payment["creditor_town"],
            "country": payment["creditor_country"],
        }
    remittance: dict[str, Any] = {"type": payment["remittance_type"]}
    if payment["remittance_value"]:
        remittance["value"] = payment["remittance_value"]
    return {
        "creditor": creditor,
        "amount": str(payment["amount"]),
        "currency": payment["currency"],
        "execution_date": payment["execution_date"].isoformat(),
        "remittance": remittance,
    }


async def create_payment(
    uow: UnitOfWork, scope: DossierScope, request: NewPayment, today: date
) -> asyncpg.Record:
    conn = uow.conn
    account = await repository.get_bank_account(
        conn, scope.office_id, scope.dossier_id, request.bank_account_id
    )
    if account is None:
        raise Conflict(
            "the dossier has no such bank account to pay from; register one first"
            if request.bank_account_id is None
            else f"bank account {request.bank_account_id} not found"
        )
    invoice: PayableInvoice | None = None
    invoice_row = None
    if request.document_id is not None:
        invoice_row = await repository.lock_payable_invoice(
            conn, scope.office_id, scope.dossier_id, request.document_id
        )
        if invoice_row is None:
            raise NotFound(f"no recognised invoice {request.document_id} to pay")
        check_payable_mailbox(
            request.document_id,
            await repository.document_mailbox(
                conn, scope.office_id, scope.dossier_id, request.document_id
            ),
        )
        approval = await repository.invoice_approval(
            conn, scope.office_id, scope.dossier_id, request.document_id
        )
        if approval is not None:
            check_invoice_approved(request.document_id, approval["status"], approval["waiting_for"])
        invoice = _invoice(invoice_row)
        if invoice.currency not in (None, "EUR"):
            raise PaymentRefused(
                f"the invoice is in {invoice.currency}; SEPA payments are in EUR only"
            )

    claims = (
        await claims_of_invoice(conn, scope.office_id, scope.dossier_id, invoice_row)
        if invoice_row is not None
        else []
    )
    amount = request.amount
    if amount is None and invoice is not None and invoice.amount_due is not None:
        amount = open_amount(invoice.amount_due, claimed(claims))
    if amount is None:
        raise PaymentRefused("an amount is required")
    if invoice is not None:
        check_not_paying_twice(invoice, claims, amount)

    creditor_iban = request.creditor_iban or (invoice.iban if invoice else None)
    creditor_name = request.creditor_name or (invoice.supplier_name if invoice else None)
    if creditor_iban is None:
        raise PaymentRefused("the creditor's IBAN is required (the invoice does not give one)")
    if creditor_name is None:
        raise PaymentRefused("the creditor's name is required")
    derived_bic, bank_name = bank_of_iban(creditor_iban)
    if request.remittance_type is not None:
        remittance_type, remittance_value = request.remittance_type, request.remittance_value
    elif invoice is not None:
        remittance_type, remittance_value = remittance_for(invoice)
    else:
        remittance_type, remittance_value = "none", None

    values: dict[str, Any] = {
        "id": uuid7(),
        "office_id": scope.office_id,
        "dossier_id": scope.dossier_id,
        "document_id": request.document_id,
        "bank_account_id": account["id"],
        "method": request.method.value,
        "creditor_name": creditor_name,
        "creditor_iban": creditor_iban,
        "creditor_bic": request.creditor_bic or (invoice.bic if invoice else None) or derived_bic,
        "creditor_bank_name": bank_name,
        "creditor_town": invoice_row["supplier_town"] if invoice_row else None,
        "creditor_country": invoice_row["supplier_country"] if invoice_row else None,
        "amount": amount,
        "currency": "EUR",
        "remittance_type": remittance_type,
        "remittance_value": remittance_value,
        "execution_date": execution_date_or_today(request.execution_date, today),
        "created_by": scope.principal.subject,
    }
    # The same validation as the file writer's, so a payment in the basket can always be written.
    batch = CreditTransferBatch.from_data(
        {"debtor": _debtor(account), "payments": [_transfer(values)]}
    )
    checked = batch.payments[0]
    values["creditor_iban"] = checked.creditor.iban
    values["amount"] = checked.amount

    if request.method is PaymentMethod.QR:
        values["status"] = PaymentStatus.QR_ISSUED.value
    elif await repository.approval_required(conn, scope.office_id, scope.dossier_id):
        values["status"] = PaymentStatus.AWAITING_APPROVAL.value
    else:
        values["status"] = PaymentStatus.IN_BASKET.value
    payment = await repository.insert_payment(conn, values)
    _announce(uow, payment, scope.office_id, account["iban"])
    return payment


def _announce(
    uow: UnitOfWork, payment: asyncpg.Record, office_id: UUID, debtor_iban: str | None = None
) -> None:
    """The events a payment's new status causes; an approval request names the debtor account."""
    subject = f"payments/{payment['id']}"
    if payment["status"] == PaymentStatus.AWAITING_APPROVAL:
        assert debtor_iban is not None, "an approval request names the account paid from"
        uow.emit(
            PaymentApprovalRequested(
                payment_id=payment["id"],
                document_id=payment["document_id"],
                debtor_iban=debtor_iban,
                creditor_name=payment["creditor_name"],
                creditor_iban=payment["creditor_iban"],
                amount=payment["amount"],
                currency=payment["currency"],
            ),
            dossier_id=payment["dossier_id"],
            office_id=office_id,
            subject=subject,
        )
    elif payment["status"] in (PaymentStatus.IN_BASKET, PaymentStatus.IN_PROCESSING):
        uow.emit(
            PaymentQueued(
                payment_id=payment["id"],
                document_id=payment["document_id"],
                amount=payment["amount"],
                currency=payment["currency"],
                status=payment["status"],
                message="payment in processing"
                if payment["status"] == PaymentStatus.IN_PROCESSING
                else "payment in basket",
            ),
            dossier_id=payment["dossier_id"],
            office_id=office_id,
            subject=subject,
        )


async def on_payment_approved(uow: UnitOfWork, event: Envelope[PaymentApproved]) -> None:
    payment = await repository.payment_for_event(uow.conn, event.officeid, event.data.payment_id)
    if payment is None or payment["status"] != PaymentStatus.AWAITING_APPROVAL:
        return  # unknown, or decided already: an approval changes nothing then
    updated = await repository.set_status(
        uow.conn,
        payment["id"],
        PaymentStatus.IN_BASKET.value,
        reason="approved by " + ", ".join(event.data.approved_by),
    )
    _announce(uow, updated, event.officeid)


async def on_payment_rejected(uow: UnitOfWork, event: Envelope[PaymentRejected]) -> None:
    payment = await repository.payment_for_event(uow.conn, event.officeid, event.data.payment_id)
    if payment is None or payment["status"] != PaymentStatus.AWAITING_APPROVAL:
        return
    reason = f"rejected by {event.data.rejected_by}" + (
        f": {event.data.reason}" if event.data.reason else ""
    )
    await repository.set_status(
        uow.conn, payment["id"], PaymentStatus.REJECTED.value, reason=reason
    )


async def make_sepa_file(
    uow: UnitOfWork,
    scope: DossierScope,
    payment_ids: list[UUID],
    message_format: str,
    now: datetime,
) -> asyncpg.Record:
    conn = uow.conn
    if not payment_ids:
        raise PaymentRefused("select at least one payment from the basket")
    payments = await repository.lock_payments(conn, scope.office_id, scope.dossier_id, payment_ids)
    found = {payment["id"] for payment in payments}
    missing = [str(payment_id) for payment_id in payment_ids if payment_id not in found]
    if missing:
        raise NotFound("payments not found: " + ", ".join(missing))
    not_in_basket = [
        f"{p['id']} is {p['status']}" for p in payments if p["status"] != PaymentStatus.IN_BASKET
    ]
    if not_in_basket:
        raise Conflict("only payments in the basket go into a file: " + "; ".join(not_in_basket))
    accounts = {payment["bank_account_id"] for payment in payments}
    if len(accounts) > 1:
        raise PaymentRefused(
            f"the selected payments are from {len(accounts)} debtor accounts; a SEPA file has one"
        )
    account = await repository.get_bank_account(
        conn, scope.office_id, scope.dossier_id, accounts.pop()
    )
    assert account is not None
    batch = CreditTransferBatch.from_data(
        {"debtor": _debtor(account), "payments": [_transfer(payment) for payment in payments]}
    )
    built = build_credit_transfer(batch, today=now.date(), format=message_format, created_at=now)  # type: ignore[arg-type]
    file_id = uuid7()
    algorithm = account["hash_algorithm"]
    row = await repository.insert_sepa_file(
        conn,
        {
            "id": file_id,
            "office_id": scope.office_id,
            "dossier_id": scope.dossier_id,
            "bank_account_id": account["id"],
            "debtor_iban": account["iban"],
            "message_id": built.message_id,
            "format": built.message_format,
            "number_of_transactions": built.number_of_transactions,
            "control_sum": built.control_sum,
            "hash_algorithm": algorithm,
            "integrity_hash": file_digest(built.content, algorithm),
            "sha256": built.sha256,
            "content": built.content,
            "summary": built.summary(),
            "created_by": scope.principal.subject,
        },
    )
    for payment, end_to_end_id in zip(payments, built.end_to_end_ids, strict=True):
        updated = await repository.set_status(
            conn,
            payment["id"],
            PaymentStatus.IN_PROCESSING.value,
            sepa_file_id=file_id,
            end_to_end_id=end_to_end_id,
        )
        _announce(uow, updated, scope.office_id)
    uow.emit(
        SepaFileGenerated(
            file_id=file_id,
            debtor_iban=account["iban"],
            message_id=built.message_id,
            format=built.message_format,
            number_of_transactions=built.number_of_transactions,
            control_sum=built.control_sum,
            sha256=built.sha256,
            payment_ids=tuple(payment["id"] for payment in payments),
        ),
        dossier_id=scope.dossier_id,
        office_id=scope.office_id,
        subject=f"sepa-files/{file_id}",
    )
    return row


async def mark_qr_paid(
    uow: UnitOfWork, scope: DossierScope, payment_id: UUID, today: date
) -> asyncpg.Record:
    payment = await repository.get_payment(
        uow.conn, scope.office_id, scope.dossier_id, payment_id, lock=True
    )
    if payment is None:
        raise NotFound(f"payment {payment_id} not found")
    if payment["status"] != PaymentStatus.QR_ISSUED:
        raise Conflict(
            f"payment {payment_id} is {payment['status']}; only a QR payment can be marked paid"
        )
    updated = await repository.record_paid_and_journalised(
        uow.conn, payment_id, reason="paid by QR code"
    )
    details = await _to_journalise(uow.conn, scope.office_id, updated)
    announce_settled(uow, updated, scope.office_id, today, **details)
    return updated


@dataclass(frozen=True)
class JournalisedFile:
    file: asyncpg.Record
    payments: list[asyncpg.Record]


async def journalise_sepa_file(
    uow: UnitOfWork, scope: DossierScope, file_id: UUID
) -> JournalisedFile:
    """The office journalises a SEPA file's payments once the file went to the bank: each
    payment still in processing is paid and gets payment.settled.v1 (settled_by payment, on the
    file's execution date), which sync journalises in the bank journal. Twice is once."""
    conn = uow.conn
    file = await repository.get_sepa_file(
        conn, scope.office_id, scope.dossier_id, file_id, content=True, lock=True
    )
    if file is None:
        raise NotFound(f"SEPA file {file_id} not found")
    trail = sepa_journal.FileTrail(
        downloaded_at=file["downloaded_at"],
        emailed_at=file["emailed_at"],
        journalised_at=file["journalised_at"],
    )
    payments = await repository.payments_of_file(conn, scope.office_id, scope.dossier_id, file_id)
    if trail.status is sepa_journal.FileStatus.JOURNALISED:
        return JournalisedFile(file, payments)
    try:
        sepa_journal.check_journalisable(file_id, trail)
    except sepa_journal.NotSentToBank as exc:
        raise Conflict(str(exc)) from exc
    dates = sepa_journal.execution_dates(file["content"])
    chosen, _ = sepa_journal.to_journalise((p["id"], p["status"]) for p in payments)
    done: dict[UUID, asyncpg.Record] = {}
    for payment in payments:
        if payment["id"] not in chosen:
            continue
        updated = await repository.record_paid_and_journalised(
            conn, payment["id"], reason=f"paid by SEPA file {file['message_id']}, journalised"
        )
        details = await _to_journalise(conn, scope.office_id, updated)
        # A credit transfer is money out, whatever the open item's kind.
        details["kind"] = sepa_journal.CREDIT_TRANSFER_KIND
        on = sepa_journal.settled_on(updated["end_to_end_id"], dates)
        announce_settled(uow, updated, scope.office_id, on, **details)
        done[payment["id"]] = updated
    row = await repository.record_file_journalised(conn, file_id, scope.principal.subject)
    return JournalisedFile(row, [done.get(p["id"], p) for p in payments])


@dataclass(frozen=True)
class ImportedStatusReport:
    file: asyncpg.Record
    statuses: dict[str, pain002.Status]  # end-to-end id -> what the bank said
    returned: dict[str, asyncpg.Record]  # end-to-end id -> payment back in the basket
    payments: list[asyncpg.Record]  # the file's payments now


async def import_status_report(
    uow: UnitOfWork, scope: DossierScope, file_id: UUID, content: bytes
) -> ImportedStatusReport:
    """The bank's pain.002 report on a SEPA file: each rejected payment goes back to the basket
    with the bank's reason (it leaves the file and is not journalised with it); accepted ones
    stay in processing, to be journalised. Nothing is written for a report that is not valid or
    not about this file (422), nor when it rejects a payment already paid (409)."""
    conn = uow.conn
    file = await repository.get_sepa_file(
        conn, scope.office_id, scope.dossier_id, file_id, content=True, lock=True
    )
    if file is None:
        raise NotFound(f"SEPA file {file_id} not found")
    report = pain002.read_status_report(content)
    statuses = pain002.statuses_of_file(
        report, file["message_id"], sepa_journal.file_transactions(file["content"])
    )
    payments = await repository.payments_of_file(conn, scope.office_id, scope.dossier_id, file_id)
    by_end_to_end = {p["end_to_end_id"]: p for p in payments}
    # A rejected payment already returned to the basket (the report imported before) is gone
    # from the file: nothing to do for it.
    rejected = [
        (by_end_to_end[e2e], status)
        for e2e, status in statuses.items()
        if status.rejected and e2e in by_end_to_end
    ]
    too_late = [
        f"payment {p['id']} ({p['end_to_end_id']}) is {p['status']}"
        for p, _ in rejected
        if p["status"] != PaymentStatus.IN_PROCESSING
    ]
    if too_late:
        raise Conflict(
            "the bank rejects payments that are already paid: "
            + "; ".join(too_late)
            + ". Reverse them in the books, then pay them again"
        )
    returned: dict[str, asyncpg.Record] = {}
    for payment, status in rejected:
        updated = await repository.return_to_basket(
            conn,
            payment["id"],
            reason=f"rejected by the bank ({status.reason or status.code}) in the status report "
            f"{report.message_id} on SEPA file {file['message_id']}",
        )
        _announce(uow, updated, scope.office_id)
        returned[payment["end_to_end_id"]] = updated
    row = await repository.record_status_report(conn, file_id, report.message_id)
    now = await repository.payments_of_file(conn, scope.office_id, scope.dossier_id, file_id)
    return ImportedStatusReport(row, statuses, returned, now)


async def _to_journalise(
    conn: asyncpg.Connection, office_id: UUID, payment: asyncpg.Record
) -> dict[str, Any]:
    """What sync needs to journalise a payment made through the platform: the dossier's account
    it left, and the open item of the books it settles (known once the invoice was booked:
    booking.posted.v1 and ledger.synced.v1)."""
    account = await repository.get_bank_account(
        conn, office_id, payment["dossier_id"], payment["bank_account_id"]
    )
    details: dict[str, Any] = {
        "settled_by": "payment",
        "currency": payment["currency"],
        "kind": "supplier",
        "bank_account_iban": account["iban"] if account else None,
        "communication": _communication(payment),
    }
    if payment["document_id"] is not None:
        item = await open_items.item_of_document(
            conn, office_id, payment["dossier_id"], payment["document_id"]
        )
        if item is not None:
            details |= {
                "settles_journal": item["journal"],
                "settles_document_number": item["document_number"],
                "counterparty_number": item["counterparty_number"],
                "kind": item["kind"] or "supplier",
            }
    return details


def _communication(payment: asyncpg.Record) -> str | None:
    """The remittance information as the books write it: a structured reference printed
    (`+++010/8068/17183+++`), free text as given."""
    value = payment["remittance_value"]
    if payment["remittance_type"] == "structured" and value:
        return parse_creditor_reference(value).display
    return value


def announce_settled(
    uow: UnitOfWork,
    payment: asyncpg.Record,
    office_id: UUID,
    settled_on: date,
    **details: Any,
) -> None:
    uow.emit(
        PaymentSettled(
            payment_id=payment["id"],
            document_id=payment["document_id"],
            amount=payment["amount"],
            settled_on=settled_on,
            **details,
        ),
        dossier_id=payment["dossier_id"],
        office_id=office_id,
        subject=f"payments/{payment['id']}",
    )


__all__ = ["Conflict", "InvalidBatch", "NewPayment", "NotFound", "PaymentRefused"]
