"""Detail lines of a proposal: GL account, amount excluding VAT, VAT code, VAT amount, comment
and lock; their VAT computed from the VAT code; the VAT lines and the total they add up to.

The default proposal is one line per VAT rate of the recognised VAT breakdown, on the
counterparty's default GL account (else the suspense account) with a VAT code of that rate.
Other proposers (templates, learnt suggestions) plug in through `worklist.line_proposals`."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal
from uuid import UUID

from ledgerline.events import VatCode

from worklist.domain.ledger import LedgerData

CENT = Decimal("0.01")
# Codes whose VAT is not on the invoice (the buyer self-assesses it, or there is none): the
# line carries the code for the VAT return, and no VAT amount towards the invoice total.
NO_VAT_ON_INVOICE = {"intra_eu", "reverse_charge", "export", "exempt"}
# Recognised VAT that differs this little from the computed VAT is the invoice's own rounding
# (per line, then summed): it is kept, with the lock closed, so the lines add up to the total.
ROUNDING_TOLERANCE = Decimal("0.05")

Direction = Literal["purchase", "sales"]
# Where a proposal's detail lines came from: the counterparty's template (after three bookings),
# the model learnt from the dossier's posted bookings, the counterparty's default GL account and
# VAT code, the suspense account (nothing better known, or no lines at all: "without detail"),
# or the office's own edit.
LinesSource = Literal["template", "model", "default", "suspense", "manual"]
LINES_SOURCES: tuple[LinesSource, ...] = ("template", "model", "default", "suspense", "manual")


@dataclass(frozen=True)
class DetailLine:
    gl_account: str
    amount_excl_vat: Decimal
    vat_code: str | None
    vat_amount: Decimal
    comment: str | None = None
    locked: bool = False  # closed: the VAT amount is kept as entered, never recomputed
    description: str | None = None  # what the line is for, sent with the booking


@dataclass(frozen=True)
class BreakdownRate:
    rate: Decimal | None
    taxable_amount: Decimal
    vat_amount: Decimal


@dataclass(frozen=True)
class RecognisedLine:
    """An invoice line as recognised: what a learnt proposer books line by line."""

    description: str | None
    net_amount: Decimal
    vat_rate: Decimal | None


@dataclass(frozen=True)
class LineRequest:
    """What a line proposer is given: the dossier, the counterparty and the invoice's amounts."""

    dossier_id: UUID
    direction: Direction
    counterparty_number: str | None
    default_gl_account: str | None
    default_vat_code: str | None
    currency: str | None
    total_excl_vat: Decimal | None
    total_vat: Decimal | None
    total_incl_vat: Decimal | None
    vat_breakdown: tuple[BreakdownRate, ...]
    descriptions: tuple[str, ...]  # the invoice's line descriptions, as recognised
    invoice_lines: tuple[RecognisedLine, ...] = ()  # those with an amount


def computed_vat(base: Decimal, code: VatCode | None) -> Decimal:
    if code is None or code.regime in NO_VAT_ON_INVOICE:
        return Decimal("0.00")
    return (base * code.rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def vat_code_for(
    ledger: LedgerData, direction: Direction, rate: Decimal | None, default: str | None
) -> str | None:
    """The VAT code of the rate: the counterparty's default when its rate fits, else one of the
    same kind (goods, services, investments) and direction, domestic first."""
    preferred = ledger.vat_code(default)
    if rate is None:
        return preferred.code if preferred else default
    if preferred is not None and preferred.rate == rate and preferred.direction == direction:
        return preferred.code
    kind = preferred.kind if preferred else ("goods" if direction == "purchase" else "services")
    fitting = [c for c in ledger.vat_codes if c.direction == direction and c.rate == rate]
    fitting.sort(key=lambda c: (c.kind != kind, c.regime != "domestic", c.code))
    return fitting[0].code if fitting else None


def default_lines(request: LineRequest, ledger: LedgerData) -> list[DetailLine]:
    gl_account = request.default_gl_account or ledger.suspense_account()
    if ledger.account(gl_account) is None and not ledger.empty:
        gl_account = ledger.suspense_account()
    rates = request.vat_breakdown
    if not rates and request.total_excl_vat is not None:
        rates = (
            BreakdownRate(
                rate=_rate_of(request.total_excl_vat, request.total_vat),
                taxable_amount=request.total_excl_vat,
                vat_amount=request.total_vat or Decimal("0.00"),
            ),
        )
    lines = []
    for rate in rates:
        code = vat_code_for(ledger, request.direction, rate.rate, request.default_vat_code)
        base = rate.taxable_amount.quantize(CENT)
        computed = computed_vat(base, ledger.vat_code(code))
        recognised = rate.vat_amount.quantize(CENT)
        keep = recognised != computed and abs(recognised - computed) <= ROUNDING_TOLERANCE
        lines.append(
            DetailLine(
                gl_account=gl_account,
                amount_excl_vat=base,
                vat_code=code,
                vat_amount=recognised if keep else computed,
                locked=keep,
            )
        )
    return lines


def default_lines_source(lines: Sequence[DetailLine], ledger: LedgerData) -> LinesSource:
    """`default_lines` on the counterparty's default GL account, or on the suspense account
    (no default known, or no lines at all)."""
    if not lines or any(ledger.is_suspense(line.gl_account) for line in lines):
        return "suspense"
    return "default"


def _rate_of(base: Decimal, vat: Decimal | None) -> Decimal | None:
    """The Belgian rate (0, 6, 12, 21) a total excluding VAT and its VAT amount show."""
    if not base or vat is None:
        return Decimal(0) if vat == 0 else None
    actual = vat / base * 100
    nearest = min((Decimal(r) for r in (0, 6, 12, 21)), key=lambda r: abs(r - actual))
    return nearest if abs(nearest - actual) < Decimal("0.5") else None


def recompute(lines: Iterable[DetailLine], ledger: LedgerData) -> list[DetailLine]:
    """VAT amounts from the VAT codes, except on lines whose lock is closed."""
    return [
        line
        if line.locked
        else replace(
            line, vat_amount=computed_vat(line.amount_excl_vat, ledger.vat_code(line.vat_code))
        )
        for line in lines
    ]


def settle_rounding(lines: list[DetailLine], invoice_vat: Decimal | None) -> list[DetailLine]:
    """When the computed VAT differs from the invoice's by its own rounding, the largest line
    takes the difference, with its lock closed, so that the lines add up to the total."""
    if not lines or invoice_vat is None:
        return lines
    difference = invoice_vat - sum((line.vat_amount for line in lines), Decimal("0.00"))
    if difference == 0 or abs(difference) > ROUNDING_TOLERANCE:
        return lines
    largest = max(range(len(lines)), key=lambda index: abs(lines[index].amount_excl_vat))
    settled = list(lines)
    settled[largest] = replace(
        lines[largest], vat_amount=lines[largest].vat_amount + difference, locked=True
    )
    return settled


def lines_total(lines: Sequence[DetailLine]) -> Decimal:
    return sum((line.amount_excl_vat + line.vat_amount for line in lines), Decimal("0.00"))


def vat_lines(lines: Sequence[DetailLine]) -> list[tuple[str, Decimal, Decimal]]:
    """Base and VAT per VAT code, in the order the codes first appear."""
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for line in lines:
        if line.vat_code is None:
            continue
        base, vat = totals.get(line.vat_code, (Decimal("0.00"), Decimal("0.00")))
        totals[line.vat_code] = (base + line.amount_excl_vat, vat + line.vat_amount)
    return [(code, base, vat) for code, (base, vat) in totals.items()]
