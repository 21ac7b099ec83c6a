"""Making (and re-making) the proposal of a recognised, submitted document."""

from uuid import UUID

import asyncpg
from ledgerline.events import DocumentRecognized

from worklist.adapters import dossier_settings, earlier_invoices, ledger_copy
from worklist.domain.duplicates import Registered, find_duplicate
from worklist.domain.ledger import LedgerData
from worklist.domain.proposals import ProposalDraft, enrich, propose
from worklist.domain.warnings import sequence_number
from worklist.line_proposals import lines_for


async def registered_like(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    candidate: Registered,
    exclude: UUID | None,
) -> Registered | None:
    """The first invoice already registered (books' open items, the worklist's history) or
    already in the worklist that looks like the candidate."""
    registered = []
    if candidate.counterparty_number:
        registered += await ledger_copy.registered_open_items(
            connection, office_id, dossier_id, candidate
        )
    registered += await earlier_invoices.registered_proposals(
        connection,
        office_id,
        dossier_id,
        candidate,
        exclude,
    )
    return find_duplicate(candidate, registered)


async def sales_sequence_context(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    mailbox: str,
    invoice_number: str | None,
    exclude: UUID | None,
) -> tuple[list[str], bool]:
    """For a sales invoice: the numbers already issued that its number must follow (the highest
    of its prefix, in the worklist and in the books: all `sequence_warning` needs), and whether
    the dossier checks that the number follows them (its setting; on unless switched off)."""
    if mailbox != "sales":
        return [], True
    if not await dossier_settings.sales_sequence_check_of(connection, office_id, dossier_id):
        return [], False
    mine = sequence_number(invoice_number)
    if mine is None:
        return [], True  # not a numbered invoice number: nothing to follow
    numbers = await earlier_invoices.highest_sales_numbers(
        connection, office_id, dossier_id, mine.prefix, exclude
    )
    return numbers, True


async def draft_for(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    recognition: DocumentRecognized,
    mailbox: str,
    ledger: LedgerData,
    exclude: UUID | None = None,
    journal: str | None = None,
) -> ProposalDraft:
    enrichment = enrich(
        recognition, dossier_id=dossier_id, mailbox=mailbox, ledger=ledger, journal=journal
    )
    proposed = await lines_for(connection, office_id, enrichment.line_request, ledger)
    fields = recognition.invoice.fields if recognition.invoice else None
    duplicate = None
    if fields is not None:
        duplicate = await registered_like(
            connection,
            office_id,
            dossier_id,
            Registered(
                counterparty_number=enrichment.line_request.counterparty_number,
                counterparty_vat=enrichment.counterparty_vat,
                invoice_number=fields.invoice_number,
                invoice_date=fields.issue_date,
                total_incl_vat=fields.total_incl_vat,
                where="",
            ),
            exclude,
        )
    earlier_sales, sequence_check = await sales_sequence_context(
        connection,
        office_id,
        dossier_id,
        mailbox,
        fields.invoice_number if fields is not None else None,
        exclude,
    )
    return propose(
        recognition,
        enrichment,
        ledger=ledger,
        lines=proposed.lines,
        lines_source=proposed.source,
        duplicate_of=duplicate,
        earlier_sales_numbers=earlier_sales,
        sales_sequence_check=sequence_check,
    )
