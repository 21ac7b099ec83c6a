"""Kafka topic names, one per event type and version."""

from ledgerline.events import catalog

DOCUMENT_RECEIVED = catalog.spec_for(catalog.DocumentReceived).topic
DOCUMENT_RECOGNIZED = catalog.spec_for(catalog.DocumentRecognized).topic
DOCUMENT_SUBMITTED = catalog.spec_for(catalog.DocumentSubmitted).topic
PROPOSAL_VALIDATED = catalog.spec_for(catalog.ProposalValidated).topic
INVOICE_APPROVED = catalog.spec_for(catalog.InvoiceApproved).topic
INVOICE_REJECTED = catalog.spec_for(catalog.InvoiceRejected).topic
PAYMENT_APPROVAL_REQUESTED = catalog.spec_for(catalog.PaymentApprovalRequested).topic
PAYMENT_APPROVED = catalog.spec_for(catalog.PaymentApproved).topic
PAYMENT_REJECTED = catalog.spec_for(catalog.PaymentRejected).topic
PAYMENT_QUEUED = catalog.spec_for(catalog.PaymentQueued).topic
SEPA_FILE_GENERATED = catalog.spec_for(catalog.SepaFileGenerated).topic
PAYMENT_SETTLED = catalog.spec_for(catalog.PaymentSettled).topic
DOSSIER_ACTIVATED = catalog.spec_for(catalog.DossierActivated).topic
DOSSIER_UPDATED = catalog.spec_for(catalog.DossierUpdated).topic
DOSSIER_DEACTIVATED = catalog.spec_for(catalog.DossierDeactivated).topic
LEDGER_SYNCED = catalog.spec_for(catalog.LedgerSynced).topic
BOOKING_POSTED = catalog.spec_for(catalog.BookingPosted).topic
BOOKING_FAILED = catalog.spec_for(catalog.BookingFailed).topic
