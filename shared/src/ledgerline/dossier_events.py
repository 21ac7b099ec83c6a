"""Keeps a service's dossier directory (`ledgerline.dossiers`) from sync's dossier events."""

from typing import Any

from ledgerline.db import UnitOfWork
from ledgerline.dossiers import record
from ledgerline.events import DossierActivated, DossierDeactivated, DossierUpdated, Envelope
from ledgerline.subscriptions import Subscription


async def on_dossier_activated(
    uow: UnitOfWork, event: Envelope[DossierActivated] | Envelope[DossierUpdated]
) -> None:
    await record(
        uow.conn,
        dossier_id=event.dossierid,
        office_id=event.officeid,
        name=event.data.name,
        email_domain=event.data.email_domain,
        active=True,
        as_of=event.time,
    )


# Sync changes only active dossiers, so an update is recorded as an activation is: the dossier
# is active, with these details.
on_dossier_updated = on_dossier_activated


async def on_dossier_deactivated(uow: UnitOfWork, event: Envelope[DossierDeactivated]) -> None:
    await record(
        uow.conn,
        dossier_id=event.dossierid,
        office_id=event.officeid,
        name=event.data.name,
        email_domain=None,
        active=False,
        as_of=event.time,
    )


# Every service's consumer gets these (see ServiceDefinition.keeps_dossier_directory).
DIRECTORY_SUBSCRIPTIONS: tuple[Subscription[Any], ...] = (
    Subscription(DossierActivated, on_dossier_activated),
    Subscription(DossierUpdated, on_dossier_updated),
    Subscription(DossierDeactivated, on_dossier_deactivated),
)
