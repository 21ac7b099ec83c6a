"""The bank's payment status report (pain.002) of a SEPA file: rejected payments go back to the
basket."""

from uuid import UUID

from fastapi import APIRouter, HTTPException, Request, status
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from payments import service_layer
from payments.entrypoints.api.examples import PAYMENT_ID
from payments.entrypoints.api.payments import PAID_PAYMENT_EXAMPLE, Payment
from payments.entrypoints.api.refusals import run
from payments.entrypoints.api.sepa_files import SEPA_FILE_EXAMPLE, SepaFile
from payments.entrypoints.scopes import OfficeScope

router = APIRouter()

# A bank's status report lists each transaction in a few hundred bytes: 10 MiB is ~30,000.
MAX_STATUS_REPORT_BYTES = 10 * 1024 * 1024
PAIN002_EXAMPLE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.002.001.10">\n'
    "  <CstmrPmtStsRpt><!-- GrpHdr, OrgnlGrpInfAndSts (OrgnlMsgId: the file's message_id), "
    "OrgnlPmtInfAndSts/TxInfAndSts (OrgnlEndToEndId, TxSts RJCT, StsRsnInf) --></CstmrPmtStsRpt>\n"
    "</Document>\n"
)


class TransactionStatus(BaseModel):
    end_to_end_id: str
    status: str = Field(description="The bank's ISO 20022 status: RJCT, ACCP, ACSC, ACTC ...")
    reason: str | None = Field(
        default=None, description="The bank's reason code and text", examples=["AC01"]
    )
    payment_id: UUID | None = Field(description="The file's payment (or the one returned)")
    returned_to_basket: bool


class ImportedStatusReport(SepaFile):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                SEPA_FILE_EXAMPLE
                | {
                    "transactions": [
                        {
                            "end_to_end_id": "E2E-2026-0042",
                            "status": "ACSC",
                            "payment_id": PAYMENT_ID,
                            "returned_to_basket": False,
                        }
                    ],
                    "returned": [],
                    "payments": [PAID_PAYMENT_EXAMPLE],
                }
            ]
        }
    )

    transactions: list[TransactionStatus] = Field(
        description="Each transaction of the file the report gives a status"
    )
    returned: list[Payment] = Field(description="Rejected payments, back in the basket")
    payments: list[Payment] = Field(description="The file's payments now")


@router.post(
    "/dossiers/{dossier_id}/sepa-files/{file_id}/status-report",
    response_model=ImportedStatusReport,
    tags=["SEPA files"],
    summary="Import the bank's payment status report (pain.002) for the file",
    description=(
        "The body is the bank's pain.002.001.03 or pain.002.001.10 file. It is validated against "
        "its ISO 20022 XSD and must report on this file (`OrgnlMsgId` = the file's "
        "`message_id`) and name only its blocks and end-to-end ids. A transaction the bank "
        "rejected (`RJCT`, its own status or its block's or group's) leaves the file and goes "
        "back to the basket with the bank's reason: it is not journalised with the file. "
        "Accepted ones stay in processing, to be journalised. Importing a report again changes "
        "nothing more."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/xml": {"schema": {"type": "string"}, "example": PAIN002_EXAMPLE}
            },
        }
    },
    responses={
        404: error_response("No such SEPA file in the dossier"),
        409: error_response(
            "The report rejects a payment that is already paid (journalised, or settled in the "
            "books)",
            "the bank rejects payments that are already paid: payment ... is paid. Reverse them "
            "in the books, then pay them again",
        ),
        413: error_response("The report is larger than 10 MiB"),
        422: error_response(
            "Not well-formed XML, not a pain.002 report, not valid against its XSD, about "
            "another file, or naming end-to-end ids the file does not have; nothing is written",
            "the status report names end-to-end ids that are not in the file: E2E-UNKNOWN-1",
        ),
    },
)
async def import_status_report(
    file_id: UUID, request: Request, runtime: CurrentRuntime, scope: OfficeScope
) -> ImportedStatusReport:
    content = bytearray()
    async for chunk in request.stream():
        content += chunk
        if len(content) > MAX_STATUS_REPORT_BYTES:
            raise HTTPException(
                status.HTTP_413_CONTENT_TOO_LARGE,
                f"the status report is larger than {MAX_STATUS_REPORT_BYTES // (1024 * 1024)} MiB",
            )
    done = await run(runtime, service_layer.import_status_report, scope, file_id, bytes(content))
    of_file = {p["end_to_end_id"]: p["id"] for p in done.payments}
    of_file |= {e2e: p["id"] for e2e, p in done.returned.items()}
    return ImportedStatusReport.model_validate(
        SepaFile.of(done.file).model_dump()
        | {
            "transactions": [
                TransactionStatus(
                    end_to_end_id=e2e,
                    status=given.code,
                    reason=given.reason,
                    payment_id=of_file.get(e2e),
                    returned_to_basket=e2e in done.returned,
                )
                for e2e, given in done.statuses.items()
            ],
            "returned": [Payment.model_validate(dict(p)) for p in done.returned.values()],
            "payments": [Payment.model_validate(dict(p)) for p in done.payments],
        }
    )
