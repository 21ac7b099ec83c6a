"""Storing delivered documents from a request: an object store that is down answers 503."""

import contextlib
from collections.abc import Iterator
from typing import Any

import asyncpg
from fastapi import HTTPException, status
from ledgerline.db import UnitOfWork
from ledgerline.errors import error_response

from ingest.adapters.blobs import BlobStore, BlobStoreUnavailable
from ingest.config import IngestSettings
from ingest.intake import Delivery, IncomingFile, take_in_as_configured

STORE_UNAVAILABLE = error_response(
    "The document store (the S3-compatible object store, when configured) is unavailable",
    "the document store is unavailable; nothing was stored, try again later",
)


@contextlib.contextmanager
def blob_store_answering(storing: bool = True) -> Iterator[None]:
    """An object store that is down is the service's trouble, not the caller's: 503, and the
    unit of work around rolls back, so nothing is stored."""
    try:
        yield
    except BlobStoreUnavailable as exc:
        stored = "nothing was stored, " if storing else ""
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the document store is unavailable; {stored}try again later",
        ) from exc


async def store_delivery(
    uow: UnitOfWork,
    dossier: Any,
    delivery: Delivery,
    files: list[IncomingFile],
    settings: IngestSettings,
    blobs: BlobStore,
) -> list[asyncpg.Record]:
    """`take_in_as_configured`; an object store that is down answers 503."""
    with blob_store_answering():
        return await take_in_as_configured(uow, dossier, delivery, files, settings, blobs)
