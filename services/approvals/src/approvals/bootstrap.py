from pathlib import Path

from ledgerline.service import ServiceDefinition

from approvals import notifier
from approvals.config import ApprovalsSettings
from approvals.entrypoints.api import ROUTERS
from approvals.entrypoints.consumers import SUBSCRIPTIONS


def definition() -> ServiceDefinition:
    return ServiceDefinition(
        name="approvals",
        title="Ledgerline approvals",
        description="Invoice and payment approval rules per dossier, and the approvals they "
        "decide: purchase invoices (from document.recognized.v1) and payments (from "
        "payment.approval-requested.v1) wait for their approvers, then invoice.approved.v1 / "
        "invoice.rejected.v1 and payment.approved.v1 / payment.rejected.v1 are published. Every "
        "step is in an append-only audit trail (JSON or CSV). Approvers are e-mailed what waits "
        "for them, at most once an hour (when an SMTP server is configured).",
        settings_type=ApprovalsSettings,
        versions_dir=Path(__file__).parent / "migrations" / "versions",
        routers=[*ROUTERS, notifier.router],
        subscriptions=lambda _settings: SUBSCRIPTIONS,
    )
