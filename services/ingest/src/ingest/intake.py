"""Taking documents in: the one path every channel (upload, API, e-mail, Peppol) goes through.

A delivery of one or more files to one dossier mailbox is stored in the caller's unit of work:
each file a row, each row its `document.received.v1` in the same transaction, so either all the
files of a delivery are stored and announced or none is. Where the dossier auto-forwards the
mailbox (purchase or sales), the documents skip it: they are stored `in_processing` and
`document.submitted.v1` follows at once.

The bytes are stored once per content (sha256) in the blob store, before the row (see
`ingest.adapters.blobs`: with an object store the blob may outlive a failed transaction, a
row never exists without its blob). A file whose bytes the
dossier already has is stored again as its own document, flagged `duplicate_of` the earliest
one: the client may have sent it twice on purpose (a copy for another year), so it is never
silently dropped.
"""

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
from ledgerline import invoice_approval_process
from ledgerline.db import UnitOfWork
from ledgerline.events import DocumentReceived, DocumentSubmitted
from uuid_utils.compat import uuid7

from ingest.adapters import repository
from ingest.adapters.blobs import BlobStore
from ingest.config import IngestSettings
from ingest.domain.documents import DocumentKind, safe_filename


@dataclass(frozen=True)
class IncomingFile:
    content: bytes
    kind: DocumentKind  # from `classify`: every channel checks the bytes before it gets here
    filename: str | None
    page_count: int | None = None  # from `examine`, for PDFs it could read
    # Bulk intake: the item's own idempotency key (else the delivery's, if any).
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Delivery:
    office_id: UUID
    dossier_id: UUID
    mailbox: str
    channel: str
    delivered_by: str
    sender: str | None = None
    subject: str | None = None
    idempotency_key: str | None = None
    labels: tuple[str, ...] = ()  # the client's labels, already cleaned (`with_labels`)
    # Send the documents to the office at once, as auto-forward does (bulk intake's `submit`).
    submit: bool = False
    submitted_by: str | None = None  # who sent them on with `submit` (else auto-forward)
    journal: str | None = None  # mailed to a journal's own address (`ingest.domain.email`)


def auto_forwards(dossier: Mapping[str, Any], mailbox: str) -> bool:
    """Whether the dossier sends this mailbox's documents to the office on arrival."""
    return mailbox in ("purchase", "sales") and bool(dossier[f"auto_forward_{mailbox}"])


async def take_in_as_configured(
    uow: UnitOfWork,
    dossier: Mapping[str, Any],
    delivery: Delivery,
    files: list[IncomingFile],
    settings: IngestSettings,
    blobs: BlobStore,
) -> list[asyncpg.Record]:
    """`take_in` with the service's settings: what every channel (API, e-mail) calls."""
    return await take_in(
        uow,
        dossier,
        delivery,
        files,
        settings.public_base_url,
        blobs=blobs,
        event_content_max_bytes=settings.event_content_max_bytes,
    )


async def take_in(
    uow: UnitOfWork,
    dossier: Mapping[str, Any],
    delivery: Delivery,
    files: list[IncomingFile],
    public_base_url: str,
    *,
    blobs: BlobStore,
    event_content_max_bytes: int = 0,
) -> list[asyncpg.Record]:
    """Stores the files as documents of `dossier` (a row of ingest's `dossiers`, best read with
    its process switch: `repository.get_dossier`, the directory's row) and emits their events
    in `uow`; the bytes go to `blobs` first. Returns the stored rows in the order of `files`.
    A file of at most `event_content_max_bytes` travels in its document.received.v1 too
    (`IngestSettings.event_content_max_bytes`)."""
    # While the dossier's invoice approval process is on, a purchase document awaits approval
    # from its arrival; it is not auto-forwarded either: only approved invoices are sent.
    held = invoice_approval_process.holds_on_arrival(
        await invoice_approval_process.is_on_for(
            uow.conn, dossier, delivery.office_id, delivery.dossier_id
        ),
        delivery.mailbox,
    )
    forward = (delivery.submit or auto_forwards(dossier, delivery.mailbox)) and not held
    base_url = public_base_url.rstrip("/")
    if not files:
        return []
    # A few statements per delivery, whatever its number of files: lock the contents, find
    # the earlier copies, store the blobs, insert every document at once.
    hashes = [hashlib.sha256(file.content).hexdigest() for file in files]
    await repository.lock_contents(uow.conn, delivery.dossier_id, hashes)
    earlier = await repository.earlier_copies(
        uow.conn, delivery.office_id, delivery.dossier_id, hashes
    )
    values: list[dict[str, Any]] = []
    for file, sha256 in zip(files, hashes, strict=True):
        document_id = uuid7()
        values.append(
            {
                "id": document_id,
                "filename": safe_filename(file.filename, file.kind),
                "content_type": file.kind.content_type,
                "size_bytes": len(file.content),
                "sha256": sha256,
                "idempotency_key": file.idempotency_key or delivery.idempotency_key,
                "page_count": file.page_count,
                # The same bytes twice in one delivery: the second is a copy of the first.
                "duplicate_of": earlier.get(sha256),
            }
        )
        earlier.setdefault(sha256, document_id)
    await blobs.put_many(
        uow.conn, {sha256: file.content for file, sha256 in zip(files, hashes, strict=True)}
    )
    rows = await repository.insert_documents(
        uow.conn,
        {
            "office_id": delivery.office_id,
            "dossier_id": delivery.dossier_id,
            "mailbox": delivery.mailbox,
            "channel": delivery.channel,
            "delivered_by": delivery.delivered_by,
            "sender": delivery.sender,
            "subject": delivery.subject,
            "labels": list(delivery.labels),
            "submitted": forward,
            "approval_status": "pending" if held else None,
            "journal": delivery.journal,
        },
        values,
    )
    for file, row in zip(files, rows, strict=True):
        scope = {
            "dossier_id": delivery.dossier_id,
            "office_id": delivery.office_id,
            "subject": f"documents/{row['id']}",
        }
        uow.emit(
            DocumentReceived(
                document_id=row["id"],
                mailbox=row["mailbox"],
                channel=row["channel"],
                filename=row["filename"],
                content_type=row["content_type"],
                size_bytes=row["size_bytes"],
                sha256=row["sha256"],
                received_at=row["received_at"],
                delivered_by=row["delivered_by"],
                content_url=f"{base_url}/dossiers/{delivery.dossier_id}/documents/{row['id']}/content",
                content_base64=(
                    base64.b64encode(file.content).decode("ascii")
                    if len(file.content) <= event_content_max_bytes
                    else None
                ),
                labels=tuple(row["labels"]),
                duplicate_of=row["duplicate_of"],
                dossier_vat_number=dossier.get("vat_number"),
                journal=row["journal"],
            ),
            **scope,
        )
        if forward:
            uow.emit(
                DocumentSubmitted(
                    document_id=row["id"],
                    mailbox=row["mailbox"],
                    submitted_at=row["submitted_at"],
                    submitted_by=delivery.submitted_by
                    or f"auto-forward of the {delivery.mailbox} mailbox",
                    journal=row["journal"],
                ),
                **scope,
            )
    return rows
