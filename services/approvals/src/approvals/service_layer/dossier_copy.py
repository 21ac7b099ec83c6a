"""What approvals keeps of the dossier: its counterparties (suppliers) and its users."""

from ledgerline.counterparty_copy import keep_counterparties
from ledgerline.db import UnitOfWork
from ledgerline.events import DossierUsersChanged, Envelope, LedgerSynced

from approvals.adapters import repository


async def on_ledger_synced(uow: UnitOfWork, event: Envelope[LedgerSynced]) -> None:
    """The dossier's counterparties (suppliers are named by rules and resolved from invoices),
    kept chunk by chunk as the worklist keeps its copy."""
    await keep_counterparties(uow.conn, event)


async def on_dossier_users_changed(uow: UnitOfWork, event: Envelope[DossierUsersChanged]) -> None:
    """The dossier's users (the only ones a rule may name as approvers), as sync says now."""
    await repository.replace_dossier_users(
        uow.conn,
        event.officeid,
        event.dossierid,
        [user.model_dump() for user in event.data.users],
    )
