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
    # The feedback records: what the feedback reports of a Kafka-connected dossier are computed
    # from (the in-process snapshot carries turnover only; the reference Kafka connector all).
    ("turnover", "turnover_records"),
    ("account_totals", "account_totals"),
    ("item_histories", "item_histories"),
)
# The records a delta run may remove, and the field that carries their keys.
REMOVAL_FIELDS: dict[str, str] = {
    "counterparties": "removed_counterparties",
    "open_items": "removed_open_items",
    "turnover": "removed_turnover",
    "account_totals": "removed_account_totals",
    "item_histories": "removed_item_histories",
}


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


def record_key(source: str, record: BaseModel) -> str:
    """The key consumers know a record by (removals carry it): a counterparty's number, an open
    item's or item history's `journal/document number`, a turnover's
    `kind/period/currency/number`, an account total's `gl_account/period`, else the code."""
    if source == "counterparties":
        return str(record.number)  # type: ignore[attr-defined]
    if source == "open_items":
        return f"{record.journal}/{record.document_number}"  # type: ignore[attr-defined]
    if source == "item_histories":
        item = record.item  # type: ignore[attr-defined]
        return f"{item.journal}/{item.document_number}"
    if source == "turnover":
        line = record
        return f"{line.kind}/{line.period}/{line.currency}/{line.counterparty_number}"  # type: ignore[attr-defined]
    if source == "account_totals":
        return f"{record.gl_account}/{record.period}"  # type: ignore[attr-defined]
    return str(record.code)  # type: ignore[attr-defined]


_record_key = record_key


# The snapshot fields holding feedback records (see RECORD_FIELDS).
FEEDBACK_SOURCES: tuple[str, ...] = ("turnover", "account_totals", "item_histories")


def record_fingerprints(
    snapshot: LedgerSnapshot, sources: tuple[str, ...] | None = None
) -> dict[RecordKey, str]:
    """A fingerprint of each record, by (source, key); `sources`: those fields only."""
    return {
        (source, _record_key(source, record)): hashlib.sha256(
            record.model_dump_json().encode()
        ).hexdigest()
        for source, _ in RECORD_FIELDS
        if sources is None or source in sources
        for record in getattr(snapshot, source)
    }


@dataclass(frozen=True)
class Delta:
    changes: LedgerSnapshot
    # By removal field (REMOVAL_FIELDS): the keys of the records gone since the previous run.
    removals: dict[str, tuple[str, ...]]

    @property
    def removed_counterparties(self) -> tuple[str, ...]:
        return self.removals["removed_counterparties"]

    @property
    def removed_open_items(self) -> tuple[str, ...]:
        return self.removals["removed_open_items"]


def delta(
    snapshot: LedgerSnapshot,
    previous: Mapping[RecordKey, str],
    sources: tuple[str, ...] | None = None,
) -> Delta:
    """What changed in `snapshot` since the run that published `previous` (its fingerprints).
    `sources`: only those fields are compared (the others are left out of the changes)."""
    current = record_fingerprints(snapshot, sources)
    changed = {
        source: tuple(
            record
            for record in getattr(snapshot, source)
            if (source, _record_key(source, record)) in current
            and previous.get((source, _record_key(source, record)))
            != current[(source, _record_key(source, record))]
        )
        for source, _ in RECORD_FIELDS
    }

    def gone(kind: str) -> tuple[str, ...]:
        if sources is not None and kind not in sources:
            return ()
        return tuple(
            sorted(
                key for source, key in previous if source == kind and (source, key) not in current
            )
        )

    return Delta(
        changes=snapshot.model_copy(update=changed),
        removals={field: gone(source) for source, field in REMOVAL_FIELDS.items()},
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
    removals: Mapping[str, tuple[str, ...]] | None = None,
) -> list[LedgerSynced]:
    """The messages of one sync run, chunk 0 first, the last with `last_chunk`.

    The dossier's bank accounts ride on chunk 0 (payments registers them as before); the counts
    are the whole dossier's on every chunk (`counts`: counterparties and open items, when
    `snapshot` holds only a delta's changes). `settled_items` (items a journalised payment
    settled) ride on chunk 0 too: few, and before the removal of their keys."""
    # Removed keys by field (REMOVAL_FIELDS), e.g. a delta's; the two named ones added.
    removals = {field: tuple((removals or {}).get(field, ())) for field in REMOVAL_FIELDS.values()}
    for field, extra in (
        ("removed_counterparties", removed_counterparties),
        ("removed_open_items", removed_open_items),
    ):
        if extra:
            removals[field] = (
                tuple(sorted({*removals[field], *extra})) if removals[field] else extra
            )
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
        removals=changes.removals,
        removed_open_items=removed_open_items,
        counts=(len(snapshot.counterparties), len(snapshot.open_items)),
        settled_items=settled_items,
    )
