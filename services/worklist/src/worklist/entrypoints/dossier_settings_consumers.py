"""Keeps the dossiers' settings the worklist acts on (validation mode, sales number sequence
check), in a consumer of its own (the service's dossier directory is kept by the shared
directory consumer, which knows nothing of these settings)."""

from ledgerline.db import UnitOfWork
from ledgerline.events import DossierActivated, DossierUpdated, Envelope
from ledgerline.subscriptions import Subscription

from worklist.adapters.dossier_settings import record_settings

CONSUMER = "worklist.dossier-settings"


async def on_dossier_details(
    uow: UnitOfWork, event: Envelope[DossierActivated] | Envelope[DossierUpdated]
) -> None:
    data = event.data
    if data.validation is None and data.sales_sequence_check is None:
        return  # an event without the options says nothing about them
    await record_settings(
        uow.conn,
        dossier_id=event.dossierid,
        office_id=event.officeid,
        validation=data.validation,
        sales_sequence_check=data.sales_sequence_check,
        as_of=event.time,
    )


DOSSIER_SETTINGS_SUBSCRIPTIONS = [
    Subscription(DossierActivated, on_dossier_details, consumer=CONSUMER),
    Subscription(DossierUpdated, on_dossier_details, consumer=CONSUMER),
]
