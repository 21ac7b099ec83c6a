"""A connector's snapshot as `ledger.synced.v1` messages: deltas in bounded chunks.

Pure: the records are packed into chunks by their JSON size, so that no message (envelope
included) goes above the broker-friendly 512 KiB however many counterparties and open items a
dossier has.
"""

from collections.abc import Iterator
from datetime import datetime
from uuid import UUID

from ledgerline.events import LedgerBankAccount, LedgerSynced
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


def _packed(snapshot: LedgerSnapshot, budget: int) -> Iterator[dict[str, list[BaseModel]]]:
    chunk: dict[str, list[BaseModel]] = {}
    used = 0
    for source, target in RECORD_FIELDS:
        for record in getattr(snapshot, source):
            size = _size(record)
            if chunk and used + size > budget:
                yield chunk
                chunk, used = {}, 0
            chunk.setdefault(target, []).append(record)
            used += size
    yield chunk


def ledger_sync_messages(
    snapshot: LedgerSnapshot,
    sync_id: UUID,
    synced_at: datetime,
    *,
    full: bool = True,
    chunk_record_bytes: int = CHUNK_RECORD_BYTES,
) -> list[LedgerSynced]:
    """The messages of one sync run, chunk 0 first, the last with `last_chunk`.

    The dossier's bank accounts ride on chunk 0 (payments registers them as before); the counts
    are the whole run's on every chunk."""
    chunks = list(_packed(snapshot, chunk_record_bytes))
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
            counterparties=len(snapshot.counterparties),
            open_items=len(snapshot.open_items),
            bank_accounts=bank_accounts if index == 0 else (),
            sync_id=sync_id,
            chunk=index,
            last_chunk=index == len(chunks) - 1,
            full=full,
            dossier_code=snapshot.dossier_code,
            **{field: tuple(records) for field, records in chunk.items()},
        )
        for index, chunk in enumerate(chunks)
    ]
