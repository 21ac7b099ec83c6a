"""Journalising a SEPA file's payments in the books, once the file went to the bank."""

from uuid import UUID

from fastapi import APIRouter
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from pydantic import ConfigDict, Field

from payments import service_layer
from payments.entrypoints.api.examples import FILE_ID
from payments.entrypoints.api.payments import PAID_PAYMENT_EXAMPLE, Payment
from payments.entrypoints.api.refusals import run
from payments.entrypoints.api.sepa_files import SEPA_FILE_EXAMPLE, SepaFile
from payments.entrypoints.scopes import OfficeScope

router = APIRouter()


class JournalisedSepaFile(SepaFile):
    model_config = ConfigDict(
        json_schema_extra={"examples": [SEPA_FILE_EXAMPLE | {"payments": [PAID_PAYMENT_EXAMPLE]}]}
    )

    payments: list[Payment] = Field(
        description="The file's payments: those journalised are paid, with `journalised_at`"
    )


@router.post(
    "/dossiers/{dossier_id}/sepa-files/{file_id}/journalise",
    response_model=JournalisedSepaFile,
    tags=["SEPA files"],
    summary="Journalise the file's payments in the books, after it was sent to the bank",
    description=(
        "Seed 001: the office journalises the payments after the payment orders went to the "
        "bank. Allowed once the file was downloaded or e-mailed. Each payment of the file still "
        "in processing becomes paid and gets `payment.settled.v1` (settled_by `payment`, kind "
        "`supplier`, settled on the file's requested execution date); sync books it in the "
        "bank journal of the account paid from, settling the invoice's open item. Payments the "
        "books settled already are left alone. Journalising a file twice is journalising it "
        "once (200, the same answer)."
    ),
    responses={
        404: error_response("No such SEPA file in the dossier"),
        409: error_response(
            "The file has not been sent to the bank yet",
            f"SEPA file {FILE_ID} has not been sent to the bank yet: download it or e-mail it "
            "to the bank first, then journalise its payments",
        ),
    },
)
async def journalise_sepa_file(
    file_id: UUID, runtime: CurrentRuntime, scope: OfficeScope
) -> JournalisedSepaFile:
    done = await run(runtime, service_layer.journalise_sepa_file, scope, file_id)
    return JournalisedSepaFile.model_validate(
        SepaFile.of(done.file).model_dump()
        | {"payments": [Payment.model_validate(dict(p)) for p in done.payments]}
    )
