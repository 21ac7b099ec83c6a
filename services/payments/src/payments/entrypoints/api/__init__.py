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

# In this order, the routes (and the OpenAPI document) stay as they were in one router. The
# service mounts each router itself, so tools reading `definition().routers` see every route
# (a router included in another shows them only once mounted).
ROUTERS: tuple[APIRouter, ...] = (
    bank_accounts.router,
    payment_settings.router,
    payable_invoices.router,
    payments.router,
    qr.router,
    sepa_files.router,
    sepa_delivery.router,
    sepa_journal.router,
    status_reports.router,
)
