"""Ids the OpenAPI examples of several modules share, so that the examples fit together."""

# Examples for the OpenAPI document. FastAPI leaves nulls out of examples, so they show values.
DOSSIER = "d0551e00-0000-4000-8000-000000000001"
ACCOUNT_ID = "ba000000-0000-4000-8000-000000000001"
DOCUMENT_ID = "5d0c0000-0000-4000-8000-00000000d0c1"
PAYMENT_ID = "9a000000-0000-4000-8000-000000000001"
FILE_ID = "5e9a0000-0000-4000-8000-000000000001"
