"""Templates and learnt detail-line suggestions from the dossier's posted bookings."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query
from ledgerline.auth import DossierScope, dossier_scope
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel

from worklist.adapters.suggestion_histories import HISTORIES
from worklist.domain.suggestions import InvoiceHeader, InvoiceLine, ProposedLines, Template
from worklist.entrypoints.api import VALIDATORS

router = APIRouter(tags=["suggestions"])

Scope = Annotated[DossierScope, dossier_scope(*VALIDATORS)]
AMOUNT_PATTERN = r"^-?[0-9]{1,9}(\.[0-9]{1,2})?$"
RATE_PATTERN = r"^[0-9]{1,2}(\.[0-9]{1,2})?$"
COUNTERPARTY_PATTERN = r"^[A-Za-z0-9._:/-]{1,40}$"
COUNTERPARTY_DESCRIPTION = (
    "The counterparty's number in the package, or `vat:<VAT number>` for one booked before it "
    "had a number"
)

TEMPLATE_EXAMPLE = {
    "lines": [
        {"gl_account": "612000", "vat_code": "A21", "share": "0.7500"},
        {"gl_account": "612010", "vat_code": "A21", "share": "0.2500"},
    ],
    "uses": 3,
    "last_used": "2026-11-20",
    "proposal_ids": [
        "b00c0000-0000-4000-8000-0000000000a3",
        "b00c0000-0000-4000-8000-0000000000a2",
        "b00c0000-0000-4000-8000-0000000000a1",
    ],
}
SUGGESTION_EXAMPLE = {
    "source": "model",
    "confidence": 0.97,
    "lines": [
        {
            "gl_account": "612000",
            "vat_code": "A21",
            "amount_excl_vat": "150.00",
            "description": "Elektriciteit verbruik november",
            "confidence": 0.97,
            "evidence": [
                {
                    "proposal_id": "b00c0000-0000-4000-8000-0000000000a3",
                    "booked_on": "2026-11-20",
                    "description": "Elektriciteit verbruik oktober",
                    "similarity": 0.93,
                }
            ],
        }
    ],
    "templates": [TEMPLATE_EXAMPLE],
}


class TemplateLineOut(BaseModel):
    gl_account: str
    vat_code: str | None
    share: Decimal


class TemplateOut(BaseModel):
    lines: list[TemplateLineOut]
    uses: int
    last_used: date
    proposal_ids: list[str]


class EvidenceOut(BaseModel):
    proposal_id: str
    booked_on: date
    description: str | None
    similarity: float


class SuggestedLineOut(BaseModel):
    gl_account: str
    vat_code: str | None
    amount_excl_vat: Decimal
    description: str | None
    confidence: float
    evidence: list[EvidenceOut]


class SuggestionOut(BaseModel):
    source: Literal["template", "model", "none"]
    confidence: float
    lines: list[SuggestedLineOut]
    templates: list[TemplateOut]


def template_out(template: Template) -> TemplateOut:
    return TemplateOut(
        lines=[TemplateLineOut(**vars(line)) for line in template.lines],
        uses=template.uses,
        last_used=template.last_used,
        proposal_ids=list(template.booking_ids),
    )


def suggestion_out(proposed: ProposedLines | None) -> SuggestionOut:
    if proposed is None:
        return SuggestionOut(source="none", confidence=0.0, lines=[], templates=[])
    return SuggestionOut(
        source=proposed.source,
        confidence=round(proposed.confidence, 4),
        lines=[
            SuggestedLineOut(
                gl_account=line.gl_account,
                vat_code=line.vat_code,
                amount_excl_vat=line.amount_excl_vat,
                description=line.description,
                confidence=round(line.confidence, 4),
                evidence=[
                    EvidenceOut(
                        proposal_id=evidence.booking_id,
                        booked_on=evidence.booked_on,
                        description=evidence.description,
                        similarity=round(evidence.similarity, 4),
                    )
                    for evidence in line.evidence
                ],
            )
            for line in proposed.lines
        ],
        templates=[template_out(template) for template in proposed.templates],
    )


def _example(example: Any) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {"application/json": {"example": example}}}}


@router.get(
    "/dossiers/{dossier_id}/counterparties/{number}/templates",
    response_model=list[TemplateOut],
    responses=_example([TEMPLATE_EXAMPLE]),
    summary="The counterparty's templates of detail lines, most used first "
    "(none before three posted bookings)",
)
async def list_templates(
    runtime: CurrentRuntime,
    scope: Scope,
    number: Annotated[
        str, Path(pattern=COUNTERPARTY_PATTERN, description=COUNTERPARTY_DESCRIPTION)
    ],
) -> list[TemplateOut]:
    async with (
        runtime.pool.acquire() as connection,
        HISTORIES.history(connection, scope.office_id, scope.dossier_id) as history,
    ):
        return [template_out(template) for template in history.templates(number)]


@router.get(
    "/dossiers/{dossier_id}/suggestions",
    response_model=SuggestionOut,
    responses=_example(SUGGESTION_EXAMPLE),
    summary="Detail lines (GL account, VAT code) for an invoice, learnt from the dossier's "
    "posted bookings",
    description="With a description: one line, its GL account and VAT code from the most "
    "similar past lines (source `model`, with the past bookings it came from). Without one: the "
    "counterparty's most used template filled to the amount (source `template`), else one line "
    "from the model. Source `none` when the history knows nothing to propose.",
)
async def suggest(
    runtime: CurrentRuntime,
    scope: Scope,
    amount: Annotated[
        str, Query(pattern=AMOUNT_PATTERN, description="Amount excluding VAT", examples=["150.00"])
    ],
    counterparty: Annotated[
        str | None, Query(pattern=COUNTERPARTY_PATTERN, description=COUNTERPARTY_DESCRIPTION)
    ] = None,
    description: Annotated[str | None, Query(max_length=500)] = None,
    vat_rate: Annotated[
        str | None, Query(pattern=RATE_PATTERN, description="VAT rate in percent, e.g. 21")
    ] = None,
) -> SuggestionOut:
    total = Decimal(amount)
    rate = Decimal(vat_rate) if vat_rate is not None else None
    header = InvoiceHeader(
        total_excl_vat=total,
        vat_breakdown=((rate, total),) if rate is not None else (),
        lines=(InvoiceLine(description, total, rate),) if description else (),
    )
    async with (
        runtime.pool.acquire() as connection,
        HISTORIES.history(connection, scope.office_id, scope.dossier_id) as history,
    ):
        return suggestion_out(history.propose(counterparty, header))
