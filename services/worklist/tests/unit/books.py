"""A small copy of the demo dossier PEETERS's books (what ledger.synced.v1 brings the worklist),
for the domain tests (the `ledger` fixture) and the integration tests (the books synced)."""

from datetime import date
from decimal import Decimal

from ledgerline.events import BookingPeriod, Counterparty, GLAccount, Journal, VatCode
from worklist.domain.ledger import LedgerData


def vat_code(
    code: str, rate: int, kind: str, direction: str = "purchase", regime: str = "domestic"
) -> VatCode:
    return VatCode(
        code=code,
        description=code,
        direction=direction,  # type: ignore[arg-type]
        rate=Decimal(rate),
        kind=kind,  # type: ignore[arg-type]
        regime=regime,  # type: ignore[arg-type]
        deductible_share=Decimal(100),
    )


def account(code: str, suspense: bool = False) -> GLAccount:
    return GLAccount(
        code=code,
        name=code,
        pcmn_class=int(code[0]),
        type="expense" if code[0] == "6" else "asset",
        suspense=suspense,
    )


def period(code: str, status: str = "open") -> BookingPeriod:
    year, month = int(code[:4]), int(code[5:])
    end = date(year + (month == 12), month % 12 + 1, 1)
    return BookingPeriod(
        fiscal_year=code[:4],
        code=code,
        start=date(year, month, 1),
        end=date.fromordinal(end.toordinal() - 1),
        status=status,  # type: ignore[arg-type]
    )


def journal(
    code: str, type_: str, credit_note_only: bool = False, foreign: bool = False
) -> Journal:
    return Journal(
        code=code,
        name=code,
        type=type_,  # type: ignore[arg-type]
        number_format="yy000###",
        credit_note_only=credit_note_only,
        foreign_currency_allowed=foreign,
        first_period="2026-01",
        platform=True,
    )


PEETERS = LedgerData(
    counterparties=(
        Counterparty(
            number="L0006",
            kind="supplier",
            name="Van Hoorebeke Verpakkingen",
            vat_number="BE0715231874",
            ibans=("BE46068185785036",),
            default_gl_account="604000",
            default_vat_code="A21",
        ),
        Counterparty(
            number="L0001",
            kind="supplier",
            name="Molens Dedeyne",
            vat_number="BE0299925087",
            ibans=("BE21751843081503",),
            default_gl_account="600000",
            default_vat_code="A06",
        ),
        Counterparty(
            number="K0006",
            kind="customer",
            name="Tearoom Lieve",
            vat_number="BE0556887787",
            default_gl_account="700000",
            default_vat_code="V06",
        ),
    ),
    accounts=(
        account("600000"),
        account("604000"),
        account("612000"),
        account("700000"),
        account("999999", suspense=True),
    ),
    vat_codes=(
        vat_code("A06", 6, "goods"),
        vat_code("A21", 21, "goods"),
        vat_code("D21", 21, "services"),
        vat_code("A00", 0, "goods"),
        vat_code("ICA21", 21, "goods", regime="intra_eu"),
        vat_code("V06", 6, "goods", direction="sales"),
        vat_code("V21", 21, "goods", direction="sales"),
    ),
    journals=(
        journal("CFAAN", "purchase", foreign=True),
        journal("CFCNAK", "purchase", credit_note_only=True),
        journal("CFVER", "sales"),
        journal("CFCNVK", "sales", credit_note_only=True),
        journal("DIV", "misc"),
    ),
    periods=(period("2026-09", "closed"), period("2026-10"), period("2026-11"), period("2026-12")),
)
