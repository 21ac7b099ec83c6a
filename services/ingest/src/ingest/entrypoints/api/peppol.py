"""Peppol intake: a UBL or CII e-invoice delivered to the dossier of its buyer."""

import hashlib
from typing import Annotated, cast

import asyncpg
from fastapi import APIRouter, Header, HTTPException, Request, Response, status
from ledgerline.auth import CurrentPrincipal, Principal, Role
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime

from ingest.adapters import repository
from ingest.adapters.blobs import blob_store
from ingest.config import IngestSettings
from ingest.domain.peppol import NoBuyer, buyer_vat_numbers
from ingest.entrypoints.api.delivering import classified, read_raw
from ingest.entrypoints.document_view import UBL_EXAMPLE, Document, document_of
from ingest.entrypoints.storing import STORE_UNAVAILABLE, store_delivery
from ingest.intake import Delivery

router = APIRouter(tags=["documents"])


PEPPOL_CALLERS = frozenset({Role.ADMIN, Role.EMPLOYEE, Role.SERVICE})


@router.post(
    "/peppol/documents",
    status_code=status.HTTP_201_CREATED,
    response_model=Document,
    tags=["peppol"],
    summary="Deliver a UBL or CII e-invoice; the dossier is the buyer's (connector, access point)",
    description=(
        "The raw XML as the body. The dossier is the caller's office's active dossier whose VAT "
        "number is the buyer's: the buyer's VAT number, or its Peppol participant id with "
        "scheme 0208 (Belgian enterprise number) or 9925 (Belgian VAT number). It lands in the "
        "purchase mailbox with channel `peppol`. With an `Idempotency-Key` header, a retried "
        "delivery with the same key returns the document of the first (200), stored once."
    ),
    openapi_extra={
        "requestBody": {
            "content": {"application/xml": {"schema": {"type": "string"}, "example": UBL_EXAMPLE}},
            "required": True,
        }
    },
    responses={
        503: STORE_UNAVAILABLE,
        200: {"model": Document, "description": "A retry: the document the key first stored"},
        403: error_response("The role may not deliver e-invoices"),
        409: error_response(
            "More than one dossier of the office has the buyer's VAT number, or the "
            "Idempotency-Key was used for another document"
        ),
        413: error_response("The document is larger than the limit (25 MB by default)"),
        422: error_response(
            "Not well-formed UBL/CII XML, no buyer identifier, or no dossier of the office has "
            "the buyer's VAT number"
        ),
    },
)
async def deliver_peppol_document(
    request: Request,
    response: Response,
    runtime: CurrentRuntime,
    principal: CurrentPrincipal,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key", min_length=1, max_length=200, description="Unique per delivery"
        ),
    ] = None,
) -> Document:
    if principal.role not in PEPPOL_CALLERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"the role {principal.role.value} may not do this; allowed: "
            + ", ".join(sorted(role.value for role in PEPPOL_CALLERS)),
        )
    settings = cast(IngestSettings, runtime.settings)
    content = await read_raw(request, settings.max_document_bytes)
    file = classified(content, None, settings.limits())
    if file.kind.content_type != "application/xml":
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, "the body must be a UBL or CII XML invoice"
        )
    sha256 = hashlib.sha256(content).hexdigest()
    try:
        async with runtime.unit_of_work() as uow:
            if idempotency_key is not None:
                first = await repository.find_by_idempotency_key(
                    uow.conn, principal.office_id, idempotency_key
                )
                if first is not None:
                    response.status_code = status.HTTP_200_OK
                    return _same_delivery(first, sha256, idempotency_key, principal.subject)
            try:
                buyers = buyer_vat_numbers(content)
            except NoBuyer as exc:
                raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from exc
            dossier = await _buyer_dossier(uow.conn, principal, buyers)
            delivery = Delivery(
                office_id=principal.office_id,
                dossier_id=dossier["id"],
                mailbox="purchase",
                channel="peppol",
                delivered_by=principal.subject,
                idempotency_key=idempotency_key,
            )
            [row] = await store_delivery(
                uow,
                dossier,
                delivery,
                [file],
                settings,
                blob_store(runtime),
            )
    except asyncpg.UniqueViolationError:
        # The same key delivered twice at once: the other request stored it first.
        assert idempotency_key is not None
        async with runtime.pool.acquire() as connection:
            first = await repository.find_by_idempotency_key(
                connection, principal.office_id, idempotency_key
            )
        assert first is not None
        response.status_code = status.HTTP_200_OK
        return _same_delivery(first, sha256, idempotency_key, principal.subject)
    return document_of(row, principal.subject)


def _same_delivery(first: asyncpg.Record, sha256: str, key: str, caller: str) -> Document:
    if first["sha256"] != sha256:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the Idempotency-Key {key} was used for another document ({first['id']})",
        )
    return document_of(first, caller)


async def _buyer_dossier(
    connection: asyncpg.Connection, principal: Principal, buyers: list[str]
) -> asyncpg.Record:
    """The one dossier of the caller's office (that the caller may see) for the buyer."""
    for vat_number in buyers:
        found = [
            dossier
            for dossier in await repository.dossiers_for_party(
                connection, principal.office_id, vat_number
            )
            if principal.role is not Role.EMPLOYEE or principal.is_assigned(dossier["id"])
        ]
        if len(found) > 1:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"{len(found)} dossiers of your office have the VAT number {vat_number}",
            )
        if found:
            return found[0]
    raise HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        "no dossier of your office has the buyer's VAT number " + " or ".join(buyers),
    )
