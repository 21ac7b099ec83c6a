"""A connector's snapshot as `ledger.synced.v1` messages: deltas in bounded chunks.

Pure: the records are packed into chunks by their JSON size, so that no message (envelope
included) goes above the broker-friendly 512 KiB however many counterparties and open items a
dossier has.
"""

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from ledgerline.events import LedgerBankAccount, LedgerSynced, SettledItem
from pydantic import BaseModel

from sync.connectors.contract import LedgerSnapshot

MAX_MESSAGE_BYTES = 512 * 1024
# The records of one chunk stay below this; the rest of the message (envelope, counts, bank
# accounts, keys) is far below the remaining margin.
CHUNK_RECORD_BYTES = 384 * 1024

# The fields of LedgerSynced that carry records, in the order they are sent: master data first,
# so that a consumer knows the accounts and counterparties before the open items naming them.
RECORD_FIELDS: tuple[tuple[str, str], ...] = (
    ("gl_accounts", "gl_accounts"),
    ("vat_codes", "vat_codes"),
    ("journals", "journals"),
    ("periods", "periods"),
    ("counterparties", "counterparty_records"),
    ("open_items", "open_item_records"),
)


def _size(record: BaseModel) -> int:
    # Every record is serialised once more into the message; +1 for the separating comma.
    return len(record.model_dump_json().encode()) + 1


def _packed(
    snapshot: LedgerSnapshot, budget: int, removals: Mapping[str, tuple[str, ...]]
) -> Iterator[dict[str, list[BaseModel | str]]]:
    chunk: dict[str, list[BaseModel | str]] = {}
    used = 0
    items: list[tuple[str, BaseModel | str]] = [
        (target, record) for source, target in RECORD_FIELDS for record in getattr(snapshot, source)
    ]
    items += [(target, key) for target, keys in removals.items() for key in keys]
    for target, item in items:
        # A removed key travels as a JSON string: its length, quotes and comma.
        size = _size(item) if isinstance(item, BaseModel) else len(item.encode()) + 3
        if chunk and used + size > budget:
            yield chunk
            chunk, used = {}, 0
        chunk.setdefault(target, []).append(item)
        used += size
    yield chunk


# ------------------------------------------------------------------ delta runs
# A delta run publishes the records that are new or changed since the previous run, and the keys
# of the counterparties and open items that are gone; a full run publishes everything. Each
# record is remembered by a fingerprint of its JSON, under the key consumers know it by.

RecordKey = tuple[str, str]


def _record_key(source: str, record: BaseModel) -> str:
    if source == "counterparties":
        return str(record.number)  # type: ignore[attr-defined]
    if source == "open_items":
        return f"{record.journal}/{record.document_number}"  # type: ignore[attr-defined]
    return str(record.code)  # type: ignore[attr-defined]


def record_fingerprints(snapshot: LedgerSnapshot) -> dict[RecordKey, str]:
    return {
        (source, _record_key(source, record)): hashlib.sha256(
            record.model_dump_json().encode()
        ).hexdigest()
        for source, _ in RECORD_FIELDS
        for record in getattr(snapshot, source)
    }


@dataclass(frozen=True)
class Delta:
    changes: LedgerSnapshot
    removed_counterparties: tuple[str, ...]
    removed_open_items: tuple[str, ...]


def delta(snapshot: LedgerSnapshot, previous: Mapping[RecordKey, str]) -> Delta:
    """What changed in `snapshot` since the run that published `previous` (its fingerprints)."""
    current = record_fingerprints(snapshot)
    changed = {
        source: tuple(
            record
            for record in getattr(snapshot, source)
            if previous.get((source, _record_key(source, record)))
            != current[(source, _record_key(source, record))]
        )
        for source, _ in RECORD_FIELDS
    }

    def gone(kind: str) -> tuple[str, ...]:
        return tuple(
            sorted(
                key for source, key in previous if source == kind and (source, key) not in current
            )
        )

    return Delta(
        changes=snapshot.model_copy(update=changed),
        removed_counterparties=gone("counterparties"),
        removed_open_items=gone("open_items"),
    )


def ledger_sync_messages(
    snapshot: LedgerSnapshot,
    sync_id: UUID,
    synced_at: datetime,
    *,
    full: bool = True,
    chunk_record_bytes: int = CHUNK_RECORD_BYTES,
    removed_counterparties: tuple[str, ...] = (),
    removed_open_items: tuple[str, ...] = (),
    counts: tuple[int, int] | None = None,
    settled_items: tuple[SettledItem, ...] = (),
) -> list[LedgerSynced]:
    """The messages of one sync run, chunk 0 first, the last with `last_chunk`.

    The dossier's bank accounts ride on chunk 0 (payments registers them as before); the counts
    are the whole dossier's on every chunk (`counts`: counterparties and open items, when
    `snapshot` holds only a delta's changes). `settled_items` (items a journalised payment
    settled) ride on chunk 0 too: few, and before the removal of their keys."""
    removals = {
        "removed_counterparties": removed_counterparties,
        "removed_open_items": removed_open_items,
    }
    chunks = list(_packed(snapshot, chunk_record_bytes, removals))
    counterparties, open_items = counts or (len(snapshot.counterparties), len(snapshot.open_items))
    bank_accounts = tuple(
        LedgerBankAccount(
            iban=bank.iban,
            bic=bank.bic,
            holder_name=bank.holder_name,
            town=bank.town,
            country=bank.country,
        )
        for bank in snapshot.bank_accounts
    )
    return [
        LedgerSynced(
            synced_at=synced_at,
            up_to_date_until=snapshot.up_to_date_until,
            counterparties=counterparties,
            open_items=open_items,
            bank_accounts=bank_accounts if index == 0 else (),
            settled_items=settled_items if index == 0 else (),
            sync_id=sync_id,
            chunk=index,
            last_chunk=index == len(chunks) - 1,
            full=full,
            dossier_code=snapshot.dossier_code,
            **{field: tuple(records) for field, records in chunk.items()},
        )
        for index, chunk in enumerate(chunks)
    ]


def sync_run_messages(
    snapshot: LedgerSnapshot,
    sync_id: UUID,
    synced_at: datetime,
    *,
    full: bool,
    previous: Mapping[RecordKey, str],
    removed_open_items: tuple[str, ...] = (),
    settled_items: tuple[SettledItem, ...] = (),
) -> list[LedgerSynced]:
    """One sync run's messages, as sync and the reference Kafka connector publish them: the
    whole snapshot (`full`), or its delta against the fingerprints of the previous run
    (`removed_open_items` go out as removals whatever the previous run published,
    `settled_items` as what a journalised payment settled)."""
    if full:
        return ledger_sync_messages(snapshot, sync_id, synced_at)
    changes = delta(snapshot, previous)
    return ledger_sync_messages(
        changes.changes,
        sync_id,
        synced_at,
        full=False,
        removed_counterparties=changes.removed_counterparties,
        removed_open_items=tuple(sorted({*changes.removed_open_items, *removed_open_items})),
        counts=(len(snapshot.counterparties), len(snapshot.open_items)),
        settled_items=settled_items,
    )
