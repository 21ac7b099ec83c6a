"""Keeps the dossiers' validation modes, in a consumer of its own (the service's dossier
directory is kept by the shared directory consumer, which knows nothing of modes)."""

from ledgerline.consumers import Subscription
from ledgerline.db import UnitOfWork
from ledgerline.events import DossierActivated, DossierUpdated, Envelope

from worklist.adapters.dossier_settings import record_validation

CONSUMER = "worklist.dossier-settings"


async def on_dossier_details(
    uow: UnitOfWork, event: Envelope[DossierActivated] | Envelope[DossierUpdated]
) -> None:
    if event.data.validation is None:  # an event without the option says nothing about it
        return
    await record_validation(
        uow.conn,
        dossier_id=event.dossierid,
        office_id=event.officeid,
        validation=event.data.validation,
        as_of=event.time,
    )


DOSSIER_SETTINGS_SUBSCRIPTIONS = [
    Subscription(DossierActivated, on_dossier_details, consumer=CONSUMER),
    Subscription(DossierUpdated, on_dossier_details, consumer=CONSUMER),
]
