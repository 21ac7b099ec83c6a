"""What the delivering routes (upload, bulk, Peppol) share: the raw body read within its limit,
a file checked by its bytes, the dossier it is delivered to, and the delivery's labels."""

from typing import Any

import asyncpg
from fastapi import HTTPException, Request, status
from ledgerline.auth import DossierScope
from ledgerline.errors import found_or_404
from ledgerline.uploads import read_body

from ingest.adapters import repository
from ingest.domain.documents import DocumentRefused, Limits, examine
from ingest.domain.mailbox import BadLabel, with_labels
from ingest.intake import IncomingFile


async def read_raw(request: Request, max_bytes: int) -> bytes:
    """The request's body as the document, at most `max_bytes` (413 otherwise)."""
    return await read_body(request, max_bytes=max_bytes, what="the document")


def classified(content: bytes, filename: str | None, limits: Limits) -> IncomingFile:
    """The file checked by its bytes (kind, size, pages, password, pixels); a refusal is the
    request's 413 or 422, naming the file."""
    try:
        examined = examine(content, limits)
    except DocumentRefused as exc:
        code = status.HTTP_413_CONTENT_TOO_LARGE if len(content) > limits.max_bytes else 422
        named = f"{filename}: {exc}" if filename else str(exc)
        raise HTTPException(code, named) from exc
    return IncomingFile(content, examined.kind, filename, examined.page_count)


async def dossier_row(connection: asyncpg.Connection, scope: DossierScope) -> Any:
    """The dossier's row: the one `dossier_scope` found in the directory (ingest's `dossiers`
    table), else read again (a directory that keeps no rows)."""
    if scope.dossier is not None and scope.dossier.details is not None:
        return scope.dossier.details
    return found_or_404(
        await repository.get_dossier(connection, scope.office_id, scope.dossier_id),
        f"dossier {scope.dossier_id}",
    )


def checked_labels(labels: list[str] | None) -> tuple[str, ...]:
    try:
        return tuple(with_labels([], labels or []))
    except BadLabel as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
