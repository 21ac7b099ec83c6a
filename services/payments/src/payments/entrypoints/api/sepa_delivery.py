"""A SEPA file to the bank: downloaded to upload in the bank's site, or e-mailed to the bank."""

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, Response, status
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from ledgerline.text import SingleLine
from pydantic import BaseModel, ConfigDict, Field
from uuid_utils.compat import uuid7

from payments.adapters import mail, repository
from payments.entrypoints.scopes import PayerScope

router = APIRouter()

SEPA_XML_EXAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">\n'
    "  <CstmrCdtTrfInitn><!-- group header, payment information ... --></CstmrCdtTrfInitn>\n"
    "</Document>\n"
)


@router.get(
    "/dossiers/{dossier_id}/sepa-files/{file_id}/content",
    tags=["SEPA files"],
    summary="Download the SEPA file, byte for byte",
    description="The first download is recorded (`downloaded_at`): the file counts as sent to "
    "the bank, and its payments may be journalised.",
    response_class=Response,
    responses={
        200: {
            "description": "The pain.001 file",
            "content": {
                "application/xml": {"schema": {"type": "string"}, "example": SEPA_XML_EXAMPLE}
            },
            "headers": {
                "X-Integrity-Hash": {
                    "description": "`algorithm:hex`, to compare with what the bank shows",
                    "schema": {"type": "string"},
                }
            },
        },
        404: error_response("No such SEPA file in the dossier"),
    },
)
async def download_sepa_file(file_id: UUID, runtime: CurrentRuntime, scope: PayerScope) -> Response:
    async with runtime.unit_of_work() as uow:
        row = await repository.get_sepa_file(
            uow.conn, scope.office_id, scope.dossier_id, file_id, content=True
        )
        if row is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"SEPA file {file_id} not found")
        # Downloaded to upload in the bank's site: the file counts as sent to the bank.
        await repository.record_download(
            uow.conn, scope.office_id, scope.dossier_id, file_id, scope.principal.subject
        )
    return Response(
        row["content"],
        media_type="application/xml",
        headers={
            "Content-Disposition": f'attachment; filename="{row["message_id"]}.xml"',
            "X-Integrity-Hash": f"{row['hash_algorithm']}:{row['integrity_hash']}",
        },
    )


class EmailRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"to": "payments@bank.example"}]})

    # ASCII only: a bank's address for files never needs more, and SMTP without SMTPUTF8 can't.
    to: SingleLine = Field(
        pattern=r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$",
        max_length=254,
        description="The bank's address for payment files",
    )


class EmailSent(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "sent", "to": "payments@bank.example"}]}
    )

    status: Literal["sent"]
    to: str


@router.post(
    "/dossiers/{dossier_id}/sepa-files/{file_id}/email",
    status_code=status.HTTP_202_ACCEPTED,
    tags=["SEPA files"],
    summary="E-mail the SEPA file to the bank over SMTP",
    response_model=EmailSent,
    responses={
        404: error_response("No such SEPA file in the dossier"),
        502: error_response("The mail server refused or could not be reached"),
    },
)
async def email_sepa_file(
    file_id: UUID, request: EmailRequest, runtime: CurrentRuntime, scope: PayerScope
) -> EmailSent:
    settings = runtime.settings
    async with runtime.pool.acquire() as connection:
        row = await repository.get_sepa_file(
            connection, scope.office_id, scope.dossier_id, file_id, content=True
        )
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"SEPA file {file_id} not found")
    # The mail server may take seconds: no connection or transaction is held while it talks.
    # A mail that was not taken is not recorded; one that was is recorded right after.
    try:
        await mail.send_file(
            host=settings.smtp_host,  # type: ignore[attr-defined]
            port=settings.smtp_port,  # type: ignore[attr-defined]
            sender=settings.smtp_sender,  # type: ignore[attr-defined]
            recipient=request.to,
            subject=f"SEPA credit transfers {row['message_id']}",
            body=(
                f"{row['number_of_transactions']} credit transfers, total EUR {row['control_sum']}, "
                f"from {row['debtor_iban']}.\n{row['hash_algorithm'].upper()}: {row['integrity_hash']}\n"
            ),
            filename=f"{row['message_id']}.xml",
            content=row["content"],
            starttls=settings.smtp_starttls,  # type: ignore[attr-defined]
            username=settings.smtp_username,  # type: ignore[attr-defined]
            password=settings.smtp_password,  # type: ignore[attr-defined]
        )
    except mail.MailNotSent as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from exc
    async with runtime.unit_of_work() as uow:
        await repository.record_email(
            uow.conn, uuid7(), file_id, request.to, scope.principal.subject
        )
    return EmailSent(status="sent", to=request.to)
