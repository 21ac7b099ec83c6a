"""Payments API: bank accounts, payments (basket or EPC QR), SEPA files and their archive.

One module an idea. The routes are registered in the order below: the order of the OpenAPI
document.
"""

from fastapi import APIRouter

from payments.entrypoints.api import (
    bank_accounts,
    payable_invoices,
    payment_settings,
    payments,
    qr,
    sepa_delivery,
    sepa_files,
    sepa_journal,
    status_reports,
)

router = APIRouter()
for module in (
    bank_accounts,
    payment_settings,
    payable_invoices,
    payments,
    qr,
    sepa_files,
    sepa_delivery,
    sepa_journal,
    status_reports,
):
    router.include_router(module.router)
