"""A dossier's intake settings: its e-mail addresses, auto-forward per mailbox and the sender
whitelist."""

from typing import Annotated, Literal

from fastapi import APIRouter
from ledgerline.auth import DossierScope, dossier_scope
from ledgerline.errors import error_response, found_or_404
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ingest.adapters import repository
from ingest.domain.email import (
    JournalCopy,
    addressable_journals,
    addresses_of,
    journal_address,
    normalise_whitelist_entry,
)
from ingest.domain.profiles import MAILBOX_READERS, SETTINGS_EDITORS

router = APIRouter(tags=["documents"])


class IntakeSettingsChange(BaseModel):
    """The dossier's intake channel settings (seed 003, "Invoerkanalen"), replaced as a whole."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "auto_forward_purchase": True,
                    "auto_forward_sales": False,
                    "use_sender_whitelist": True,
                    "sender_whitelist": ["facturen@meelhandel-janssens.example", "energie.example"],
                }
            ]
        },
    )

    auto_forward_purchase: bool = Field(
        description="Purchase documents skip the mailbox and go to the office ('in processing')"
    )
    auto_forward_sales: bool = Field(description="The same for sales documents")
    use_sender_whitelist: bool = Field(
        description="Mail from senders not on the whitelist is refused (SMTP 550 at RCPT)"
    )
    sender_whitelist: list[str] = Field(
        default_factory=list,
        max_length=500,
        description="Sender addresses (invoices@supplier.be) or whole domains (supplier.be)",
    )

    @field_validator("sender_whitelist")
    @classmethod
    def _entries(cls, entries: list[str]) -> list[str]:
        return sorted({normalise_whitelist_entry(entry) for entry in entries})


class JournalAddress(BaseModel):
    journal: str = Field(examples=["CFAAN2"], description="The journal's code in the books")
    mailbox: Literal["purchase", "sales"]
    address: str = Field(examples=["aankoop-cfaan2-peeters@docs.ledgerline.local"])


class IntakeSettings(IntakeSettingsChange):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "auto_forward_purchase": True,
                    "auto_forward_sales": False,
                    "use_sender_whitelist": True,
                    "sender_whitelist": ["energie.example", "facturen@meelhandel-janssens.example"],
                    "addresses": {
                        "unique": "peeters@docs.ledgerline.local",
                        "purchase": "aankoop-peeters@docs.ledgerline.local",
                        "sales": "verkoop-peeters@docs.ledgerline.local",
                        "misc": "divers-peeters@docs.ledgerline.local",
                    },
                    "journal_addresses": [
                        {
                            "journal": "CFAAN",
                            "mailbox": "purchase",
                            "address": "aankoop-cfaan-peeters@docs.ledgerline.local",
                        },
                        {
                            "journal": "CFAAN2",
                            "mailbox": "purchase",
                            "address": "aankoop-cfaan2-peeters@docs.ledgerline.local",
                        },
                    ],
                }
            ]
        },
    )

    addresses: dict[str, str] | None = Field(
        description="The dossier's e-mail addresses: unique (to the purchase mailbox), purchase, "
        "sales, misc; null until ingest knows the dossier's code and mail domain"
    )
    journal_addresses: list[JournalAddress] = Field(
        default_factory=list,
        description="Where the dossier has several purchase (or sales) journals: one address per "
        "journal, aankoop-<journal>-<code>@ (verkoop- for sales), the journal in lower case. "
        "Credit-note-only journals get none",
    )


def _intake_settings(dossier: object, journals: list[JournalCopy]) -> IntakeSettings:
    row = dict(dossier)  # type: ignore[call-overload]
    code, domain = row["dossier_code"], row["email_domain"]
    return IntakeSettings(
        auto_forward_purchase=row["auto_forward_purchase"],
        auto_forward_sales=row["auto_forward_sales"],
        use_sender_whitelist=row["use_sender_whitelist"],
        sender_whitelist=list(row["sender_whitelist"]),
        addresses=addresses_of(code, domain) if code and domain else None,
        journal_addresses=[
            JournalAddress(
                journal=journal,
                mailbox=mailbox,  # type: ignore[arg-type]
                address=journal_address(journal, mailbox, code, domain),
            )
            for mailbox, codes in addressable_journals(journals).items()
            for journal in codes
        ]
        if code and domain
        else [],
    )


@router.get(
    "/dossiers/{dossier_id}/intake-settings",
    response_model=IntakeSettings,
    tags=["intake settings"],
    summary="The dossier's e-mail addresses, auto-forward and sender whitelist",
)
async def get_intake_settings(
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*MAILBOX_READERS)],
) -> IntakeSettings:
    async with runtime.pool.acquire() as connection:
        dossier = await repository.get_dossier(connection, scope.office_id, scope.dossier_id)
        journals = await repository.journals_of(connection, scope.dossier_id)
    return _intake_settings(found_or_404(dossier, f"dossier {scope.dossier_id}"), journals)


@router.put(
    "/dossiers/{dossier_id}/intake-settings",
    response_model=IntakeSettings,
    tags=["intake settings"],
    summary="Set auto-forward per purchase / sales and the e-mail sender whitelist",
    description=(
        "With `use_sender_whitelist`, the SMTP intake refuses at RCPT (550 5.7.1) mail whose "
        "envelope sender (MAIL FROM) is neither listed nor of a listed domain. With auto-forward, "
        "new documents of that mailbox go straight to 'in processing' (document.submitted.v1)."
    ),
    responses={422: error_response("A whitelist entry is neither an address nor a domain")},
)
async def put_intake_settings(
    change: IntakeSettingsChange,
    runtime: CurrentRuntime,
    scope: Annotated[DossierScope, dossier_scope(*SETTINGS_EDITORS)],
) -> IntakeSettings:
    async with runtime.unit_of_work() as uow:
        dossier = await repository.update_intake_settings(
            uow.conn, scope.office_id, scope.dossier_id, change.model_dump()
        )
        journals = await repository.journals_of(uow.conn, scope.dossier_id)
    return _intake_settings(found_or_404(dossier, f"dossier {scope.dossier_id}"), journals)
