"""SQL for the worklist."""

import json
from dataclasses import asdict
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from ledgerline.events import DocumentRecognized, DocumentSubmitted, Envelope

from worklist.domain.proposals import ProposalDraft

PROPOSAL_COLUMNS = """id, dossier_id, document_id, source, status, document_type, journal, period,
invoice_number, invoice_date, due_date, counterparty_name, counterparty_vat, counterparty_known,
currency, total_excl_vat, total_vat, total_incl_vat, iban, payment_reference, vat_breakdown, lines,
warnings, created_at"""


async def lock_document(connection: asyncpg.Connection, document_id: UUID) -> None:
    """Serialises the two events that complete a document (recognised, submitted) until the
    transaction ends. They come on two topics to two consumers; without this, each transaction
    writes its half, cannot see the other's uncommitted half, and neither makes the proposal."""
    await connection.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1::text, 0))", str(document_id)
    )


async def save_recognition(
    connection: asyncpg.Connection, event: Envelope[DocumentRecognized]
) -> None:
    await connection.execute(
        """
        INSERT INTO recognized_documents (document_id, office_id, dossier_id, recognition)
        VALUES ($1, $2, $3, $4::jsonb)
        ON CONFLICT (document_id) DO UPDATE SET recognition = EXCLUDED.recognition
        """,
        event.data.document_id,
        event.officeid,
        event.dossierid,
        json.loads(event.data.model_dump_json()),
    )


async def save_submission(
    connection: asyncpg.Connection, event: Envelope[DocumentSubmitted]
) -> None:
    await connection.execute(
        """
        INSERT INTO submitted_documents (document_id, office_id, dossier_id, mailbox, submitted_at)
        VALUES ($1, $2, $3, $4, $5) ON CONFLICT (document_id) DO NOTHING
        """,
        event.data.document_id,
        event.officeid,
        event.dossierid,
        event.data.mailbox,
        event.data.submitted_at,
    )


async def ready_for_proposal(
    connection: asyncpg.Connection, office_id: UUID, document_id: UUID
) -> tuple[DocumentRecognized, str, UUID] | None:
    """The recognition, mailbox and dossier of a document that is recognised and submitted but
    has no proposal yet. The caller holds `lock_document`, so of the two events that complete
    it, the second sees the first's committed half."""
    row = await connection.fetchrow(
        """
        SELECT r.recognition, s.mailbox, s.dossier_id
        FROM submitted_documents s
        JOIN recognized_documents r ON r.document_id = s.document_id AND r.office_id = s.office_id
        WHERE s.office_id = $1 AND s.document_id = $2
          AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.document_id = s.document_id)
        FOR UPDATE OF s
        """,
        office_id,
        document_id,
    )
    if row is None:
        return None
    return DocumentRecognized.model_validate(row["recognition"]), row["mailbox"], row["dossier_id"]


async def counterparty_known(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, vat_number: str | None
) -> bool:
    if vat_number is None:
        return False
    return bool(
        await connection.fetchval(
            "SELECT true FROM counterparties WHERE office_id = $1 AND dossier_id = $2 AND vat_number = $3",
            office_id,
            dossier_id,
            vat_number,
        )
    )


async def remember_counterparty(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, vat_number: str, name: str
) -> None:
    await connection.execute(
        "INSERT INTO counterparties (office_id, dossier_id, vat_number, name) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT DO NOTHING",
        office_id,
        dossier_id,
        vat_number,
        name,
    )


async def invoice_already_registered(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    vat_number: str | None,
    invoice_number: str | None,
) -> bool:
    if vat_number is None or invoice_number is None:
        return False
    return bool(
        await connection.fetchval(
            """SELECT true FROM proposals WHERE office_id = $1 AND dossier_id = $2
               AND counterparty_vat = $3 AND invoice_number = $4 LIMIT 1""",
            office_id,
            dossier_id,
            vat_number,
            invoice_number,
        )
    )


async def insert_proposal(
    connection: asyncpg.Connection,
    office_id: UUID,
    dossier_id: UUID,
    document_id: UUID,
    draft: ProposalDraft,
    recognition: DocumentRecognized,
) -> UUID:
    proposal_id = uuid4()
    values: dict[str, Any] = asdict(draft)
    invoice = recognition.invoice
    await connection.execute(
        """
        INSERT INTO proposals (id, office_id, dossier_id, document_id, source, status, document_type,
            journal, period, invoice_number, invoice_date, due_date, counterparty_name,
            counterparty_vat, counterparty_known, currency, total_excl_vat, total_vat,
            total_incl_vat, iban, payment_reference, vat_breakdown, lines, warnings)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                $19, $20, $21, $22::jsonb, $23::jsonb, $24)
        """,
        proposal_id,
        office_id,
        dossier_id,
        document_id,
        values["source"],
        values["status"],
        values["document_type"],
        values["journal"],
        values["period"],
        values["invoice_number"],
        values["invoice_date"],
        values["due_date"],
        values["counterparty_name"],
        values["counterparty_vat"],
        values["counterparty_known"],
        values["currency"],
        values["total_excl_vat"],
        values["total_vat"],
        values["total_incl_vat"],
        values["iban"],
        values["payment_reference"],
        [json.loads(item.model_dump_json()) for item in invoice.vat_breakdown] if invoice else [],
        [json.loads(item.model_dump_json()) for item in invoice.lines] if invoice else [],
        list(values["warnings"]),
    )
    return proposal_id


async def list_proposals(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, status: str | None
) -> list[asyncpg.Record]:
    return await connection.fetch(
        f"""SELECT {PROPOSAL_COLUMNS} FROM proposals
        WHERE office_id = $1 AND dossier_id = $2 AND ($3::text IS NULL OR status = $3)
        ORDER BY created_at""",
        office_id,
        dossier_id,
        status,
    )


async def get_proposal(
    connection: asyncpg.Connection, office_id: UUID, dossier_id: UUID, proposal_id: UUID
) -> asyncpg.Record | None:
    return await connection.fetchrow(
        f"SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE office_id = $1 AND dossier_id = $2 AND id = $3",
        office_id,
        dossier_id,
        proposal_id,
    )
