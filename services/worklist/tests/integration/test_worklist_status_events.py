"""Following the worklist against a real PostgreSQL: every change of a proposal's status is in
the outbox as proposal.status-changed.v1 (and no event when the status stays); `lines_source`;
a document deleted in its mailbox (document.deleted.v1), or merged or split into new ones
(document.archived.v1), takes its unsent proposal out; the
dossier's sales number sequence check, switched on and off through the dossier events."""

import importlib.util
import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from ledgerline.db import UnitOfWork
from ledgerline.events import (
    BookingFailed,
    BookingPosted,
    DocumentArchived,
    DocumentDeleted,
    DocumentRecognized,
    DocumentSubmitted,
    DossierUpdated,
    Envelope,
    ProposalValidated,
)
from ledgerline.subscriptions import TakesMany
from worklist import booking_actions
from worklist.domain.lines import DetailLine
from worklist.entrypoints import suggestion_consumers
from worklist.entrypoints.dossier_settings_consumers import on_dossier_details
from worklist.service_layer import (
    on_booking_failed,
    on_booking_posted,
    on_document_archived,
    on_document_deleted,
    on_documents_recognized,
    on_documents_submitted,
)

from services.worklist.tests.integration.helpers import read_from_ubl

pytestmark = [pytest.mark.integration]


def _sibling() -> Any:
    """The booking flow test's helpers (the tests are modules, not a package)."""
    path = Path(__file__).with_name("test_worklist_booking_flow.py")
    spec = importlib.util.spec_from_file_location("worklist_booking_flow_helpers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_flow = _sibling()
act, deliver, handle = _flow.act, _flow.deliver, _flow.handle
proposal_of, sync_books = _flow.proposal_of, _flow.sync_books

STATUS_TOPIC = "proposal.status-changed.v1"


async def status_events(pool: asyncpg.Pool, proposal_id: uuid.UUID) -> list[dict[str, Any]]:
    """The proposal's status events in the outbox, in the order they were written."""
    async with pool.acquire() as connection:
        rows = await connection.fetch(
            "SELECT payload, message_key FROM outbox WHERE topic = $1 ORDER BY id",
            STATUS_TOPIC,
        )
    found = []
    for row in rows:
        envelope = json.loads(row["payload"])
        if envelope["data"]["proposal_id"] == str(proposal_id):
            found.append(envelope | {"key": row["message_key"]})
    return found


def changes(events: list[dict[str, Any]]) -> list[tuple[str | None, str, str]]:
    return [(e["data"]["old_status"], e["data"]["new_status"], e["data"]["reason"]) for e in events]


async def test_every_change_of_status_is_told_once_keyed_by_dossier(pool: asyncpg.Pool) -> None:
    await sync_books(pool)
    proposal = await proposal_of(pool, await deliver(pool, "VH-10"))
    assert proposal["lines_source"] == "default"  # the supplier's default GL account
    await act(pool, booking_actions.set_flags, [proposal["id"]], "check", "eva")
    await act(pool, booking_actions.set_flags, [proposal["id"]], "check", "eva")  # no change
    await act(pool, booking_actions.set_flags, [proposal["id"]], "help", "eva")
    await act(pool, booking_actions.set_flags, [proposal["id"]], "hold", "eva")
    await act(pool, booking_actions.set_flags, [proposal["id"]], "release", "eva")
    await act(pool, booking_actions.edit, proposal["id"], {"booking_instruction": "x"}, "eva")
    await act(pool, booking_actions.edit, proposal["id"], {"lines": []}, "eva")
    edited = await proposal_of(pool, proposal["document_id"])
    assert edited["lines_source"] == "manual"
    await act(pool, booking_actions.set_flags, [proposal["id"]], "check", "eva")
    await act(pool, booking_actions.send, [proposal["id"]], "eva")
    await handle(pool, on_booking_failed, BookingFailed(proposal_id=proposal["id"], reason="No"))
    await act(pool, booking_actions.send, [proposal["id"]], "eva")
    posted = BookingPosted(
        proposal_id=proposal["id"],
        document_id=proposal["document_id"],
        journal="CFAAN",
        document_number="26000300",
        posted_at=datetime.now(UTC),
    )
    await handle(pool, on_booking_posted, posted)

    events = await status_events(pool, proposal["id"])
    assert changes(events) == [
        (None, "ok", "made"),
        ("ok", "checked", "checked"),
        ("checked", "help_asked", "help_asked"),
        ("help_asked", "on_hold", "held"),
        ("on_hold", "help_asked", "released"),
        # an empty set of lines: "without detail", on the suspense account
        ("help_asked", "checked_suspense", "checked"),
        ("checked_suspense", "sent", "sent"),
        ("sent", "checked_suspense", "booking_failed"),
        ("checked_suspense", "sent", "sent"),
        ("sent", "booked", "booked"),
    ]
    assert {e["key"] for e in events} == {str(proposal["dossier_id"])}
    assert events[1]["data"]["changed_by"] == "eva"
    assert events[1]["data"]["document_id"] == str(proposal["document_id"])
    assert events[7]["data"]["message"] == "No"
    assert events[0]["subject"] == f"proposals/{proposal['id']}"


async def test_a_deleted_proposal_is_told_as_deleted(pool: asyncpg.Pool) -> None:
    await sync_books(pool)
    proposal = await proposal_of(pool, await deliver(pool, "VH-11"))
    await act(pool, booking_actions.delete, [proposal["id"]], "eva")
    assert changes(await status_events(pool, proposal["id"]))[-1] == ("ok", "deleted", "deleted")


def deletion(document: uuid.UUID) -> DocumentDeleted:
    return DocumentDeleted(
        document_id=document,
        deleted_by="client@peeters.example",
        deleted_at=datetime.now(UTC),
        reason="rejected in approval",
    )


async def test_a_deleted_document_takes_its_unsent_proposal_out_once(pool: asyncpg.Pool) -> None:
    await sync_books(pool)
    document = await deliver(pool, "VH-12")
    proposal = await proposal_of(pool, document)
    await handle(pool, on_document_deleted, deletion(document))
    assert await proposal_of(pool, document) is None
    await handle(pool, on_document_deleted, deletion(document))  # delivered again: nothing
    told = await status_events(pool, proposal["id"])
    assert changes(told) == [(None, "ok", "made"), ("ok", "deleted", "document_deleted")]
    assert told[-1]["data"]["message"] == "rejected in approval"
    assert told[-1]["data"]["changed_by"] == "client@peeters.example"
    # The submission delivered again makes no new proposal of the deleted document.
    await handle(
        pool,
        TakesMany(on_documents_submitted),
        DocumentSubmitted(
            document_id=document,
            mailbox="purchase",
            submitted_at=datetime.now(UTC),
            submitted_by="ben",
        ),
    )
    assert await proposal_of(pool, document) is None


async def test_a_merged_document_takes_its_unsent_proposal_out_once(pool: asyncpg.Pool) -> None:
    await sync_books(pool)
    document = await deliver(pool, "VH-14")
    proposal = await proposal_of(pool, document)
    merged_into = uuid.uuid4()
    archived = DocumentArchived(
        document_id=document,
        operation="merge",
        replaced_by=(merged_into,),
        archived_by="client@peeters.example",
        archived_at=datetime.now(UTC),
    )
    await handle(pool, on_document_archived, archived)
    assert await proposal_of(pool, document) is None
    await handle(pool, on_document_archived, archived)  # delivered again: nothing
    told = await status_events(pool, proposal["id"])
    assert changes(told) == [(None, "ok", "made"), ("ok", "deleted", "document_archived")]
    assert told[-1]["data"]["message"] == f"merged into {merged_into}"
    assert told[-1]["data"]["changed_by"] == "client@peeters.example"
    # The submission delivered again makes no new proposal of the merged document.
    await handle(
        pool,
        TakesMany(on_documents_submitted),
        DocumentSubmitted(
            document_id=document,
            mailbox="purchase",
            submitted_at=datetime.now(UTC),
            submitted_by="ben",
        ),
    )
    assert await proposal_of(pool, document) is None


async def test_a_deleted_document_keeps_its_sent_or_booked_proposal(
    pool: asyncpg.Pool, caplog: pytest.LogCaptureFixture
) -> None:
    await sync_books(pool)
    document = await deliver(pool, "VH-13")
    proposal = await proposal_of(pool, document)
    await act(pool, booking_actions.send, [proposal["id"]], "eva")
    with caplog.at_level("INFO", logger="worklist.service_layer"):
        await handle(pool, on_document_deleted, deletion(document))
    kept = await proposal_of(pool, document)
    assert (kept["id"], kept["status"]) == (proposal["id"], "sent")
    assert f"its proposal {proposal['id']} is sent: kept" in caplog.text
    assert changes(await status_events(pool, proposal["id"]))[-1] == ("ok", "sent", "sent")


async def test_a_document_deleted_before_it_is_complete_gets_no_proposal(
    pool: asyncpg.Pool,
) -> None:
    await sync_books(pool)
    document = uuid.uuid4()
    await handle(pool, on_document_deleted, deletion(document))
    await handle(
        pool,
        TakesMany(on_documents_submitted),
        DocumentSubmitted(
            document_id=document,
            mailbox="purchase",
            submitted_at=datetime.now(UTC),
            submitted_by="ben",
        ),
    )
    await handle(pool, TakesMany(on_documents_recognized), recognised_sales(document, "X-1"))
    assert await proposal_of(pool, document) is None


def recognised_sales(document: uuid.UUID, number: str) -> DocumentRecognized:
    # An amount of its own per number: the same customer, amount and date would be a duplicate.
    base = Decimal(number.rsplit("-", 1)[-1]).quantize(Decimal("0.01"))
    return read_from_ubl(
        document,
        base,
        6,
        supplier_name="Bakkerij Peeters",
        customer_name="Tearoom Lieve",
        customer_vat="BE0556887787",
        invoice_number=number,
    )


async def deliver_sales(pool: asyncpg.Pool, number: str) -> asyncpg.Record:
    document = uuid.uuid4()
    await handle(pool, TakesMany(on_documents_recognized), recognised_sales(document, number))
    await handle(
        pool,
        TakesMany(on_documents_submitted),
        DocumentSubmitted(
            document_id=document,
            mailbox="sales",
            submitted_at=datetime.now(UTC),
            submitted_by="ben",
        ),
    )
    return await proposal_of(pool, document)


async def set_sequence_check(pool: asyncpg.Pool, on: bool) -> None:
    await handle(
        pool,
        on_dossier_details,
        DossierUpdated(
            name="Bakkerij Peeters",
            accounting_package="beancount",
            dossier_code="PEETERS",
            email_domain="in.ledgerline.example",
            validation="office",
            sales_sequence_check=on,
        ),
    )


async def test_the_sales_sequence_warning_follows_the_dossiers_setting(
    pool: asyncpg.Pool,
) -> None:
    await sync_books(pool)
    first = await deliver_sales(pool, "2026-0100")
    assert first["warnings"] == []
    skipping = await deliver_sales(pool, "2026-0105")
    assert [w["code"] for w in skipping["warnings"]] == ["sales_number_out_of_sequence"]

    await set_sequence_check(pool, False)
    unchecked = await deliver_sales(pool, "2026-0110")
    assert unchecked["warnings"] == []
    # A later change of the proposal is reviewed with the setting too.
    await act(pool, booking_actions.set_flags, [skipping["id"]], "check", "eva")
    assert (await proposal_of(pool, skipping["document_id"]))["warnings"] == []

    await set_sequence_check(pool, True)
    await act(pool, booking_actions.edit, unchecked["id"], {"invoice_number": "2026-0120"})
    checked = await proposal_of(pool, unchecked["document_id"])
    assert [w["code"] for w in checked["warnings"]] == ["sales_number_out_of_sequence"]


async def test_lines_of_a_template_say_so(pool: asyncpg.Pool) -> None:
    """Three bookings of the supplier make a template; its proposal's lines_source says it."""
    await sync_books(pool)
    for number, net in (("VH-20", "100.00"), ("VH-21", "110.00"), ("VH-22", "120.00")):
        # Amounts of their own: the same supplier, amount and date would be a duplicate.
        proposal = await proposal_of(pool, await deliver(pool, number, net))
        lines = [DetailLine("612000", Decimal(net), "A21", Decimal(0))]
        await act(pool, booking_actions.edit, proposal["id"], {"lines": lines})
        await act(pool, booking_actions.send, [proposal["id"]], "eva")
        async with pool.acquire() as connection:
            payload = await connection.fetchval(
                "SELECT payload FROM outbox WHERE topic = 'proposal.validated.v1' "
                "ORDER BY id DESC LIMIT 1"
            )
        validated = Envelope[ProposalValidated].model_validate_json(payload)
        async with UnitOfWork(pool, source="worklist") as uow:
            await suggestion_consumers.on_proposal_validated(uow, validated)
        await handle(
            pool,
            suggestion_consumers.on_booking_posted,
            BookingPosted(
                proposal_id=proposal["id"],
                document_id=proposal["document_id"],
                journal="CFAAN",
                document_number=f"2600{number[-2:]}",
                posted_at=datetime.now(UTC),
            ),
        )
    fourth = await proposal_of(pool, await deliver(pool, "VH-23", "130.00"))
    assert fourth["lines_source"] == "template"
    assert [line["gl_account"] for line in fourth["detail_lines"]] == ["612000"]
