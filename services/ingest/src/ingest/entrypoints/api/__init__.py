"""Mailboxes: deliver documents, list them, fetch their content, send them to the office.

One module per idea: `uploads` (one file, several, ZIP archives), `bulk` (many documents in one
JSON request), `peppol` (an e-invoice to its buyer's dossier), `documents` (list, read, fetch the
file, send to the office) and `intake_settings`; what the delivering routes share in
`delivering`. The document as the API shows it is `ingest.entrypoints.document_view`, and storing
a delivery `ingest.entrypoints.storing`: the mailbox and merge/split routes use them too.
"""

from fastapi import APIRouter

from ingest.entrypoints.api import bulk, documents, intake_settings, peppol, uploads

# In this order, the routes (and the OpenAPI document) stay as they were in one router. The
# service mounts each router itself, so tools reading `definition().routers` see every route.
ROUTERS: tuple[APIRouter, ...] = (
    uploads.router,
    bulk.router,
    peppol.router,
    documents.router,
    intake_settings.router,
)
