"""Generates the demo dossier's Beancount ledger (Bakkerij Peeters, dossier code PEETERS).

Deterministic: the same seed gives the same files, byte for byte. The chart, VAT codes, journals,
periods, counterparties and the opening balance are written as text; every invoice, credit
note and payment of 2026 is then posted through the reference connector itself, so the demo's
bookings are exactly what the platform would write.

    uv run python -m sync.connectors.demo.generate [folder]     # default: the packaged demo
"""

import random
import shutil
import sys
import tempfile
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from schwifty import IBAN

from sync.connectors.beancount_ledger.books import money, root_for_code
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import (
    BookingHeader,
    BookingLine,
    BookingToPost,
    PaymentToJournalise,
    VatLine,
)

DOSSIER_CODE = "PEETERS"
SEED = 2026
DEMO_ROOT = Path(__file__).parent / "ledgers"
NAMESPACE = uuid.UUID("d0551e00-0000-4000-8000-000000000001")
FIRST_DAY = date(2026, 1, 1)
LAST_ENTRY_DAY = date(2026, 11, 27)  # the demo's "today" is 2026-11-30

# code, name, role, suspense
CHART: tuple[tuple[str, str, str | None], ...] = (
    ("100000", "Geplaatst kapitaal", None),
    ("130000", "Beschikbare reserves", None),
    ("140000", "Overgedragen winst", None),
    ("173000", "Schulden op meer dan een jaar: kredietinstellingen", None),
    ("221000", "Gebouwen", None),
    ("230000", "Installaties, machines en uitrusting", None),
    ("240000", "Meubilair", None),
    ("241000", "Kantoormateriaal en computers", None),
    ("340000", "Handelsgoederen", None),
    ("400000", "Handelsvorderingen: klanten", "customers"),
    ("411000", "Terug te vorderen btw", "vat-recoverable"),
    ("416000", "Diverse vorderingen", None),
    ("440000", "Handelsschulden: leveranciers", "suppliers"),
    ("451000", "Te betalen btw", "vat-payable"),
    ("453000", "Ingehouden voorheffingen", None),
    ("455000", "Bezoldigingen", None),
    ("550000", "KBC zichtrekening", "bank"),
    ("550100", "Belfius zichtrekening", "bank"),
    ("570000", "Kas", None),
    ("600000", "Aankopen grondstoffen", None),
    ("604000", "Aankopen handelsgoederen", None),
    ("610000", "Huur en huurlasten", None),
    ("611000", "Onderhoud en herstellingen", None),
    ("612000", "Energie en nutsvoorzieningen", None),
    ("613000", "Erelonen en diensten", None),
    ("613500", "Telefonie (oud, afgesloten)", None),
    ("614000", "Publiciteit", None),
    ("615000", "Vervoer en verplaatsingen", None),
    ("620000", "Bezoldigingen", None),
    ("630000", "Afschrijvingen", None),
    ("640000", "Andere bedrijfskosten", None),
    ("650000", "Financiële kosten", None),
    ("700000", "Omzet handelsgoederen", None),
    ("701000", "Omzet diensten", None),
    ("740000", "Werkingssubsidies", None),
    ("750000", "Financiële opbrengsten", None),
    ("999999", "Wachtrekening (suspense)", None),
)
CLOSED_ACCOUNTS = {"613500": date(2026, 6, 30)}
BANKS = {
    "550000": ("KBC", "734", "BE", "KREDBEBB"),
    "550100": ("Belfius", "068", "BE", "GKCCBEBB"),
}

# code, description, direction, rate, kind, regime, deductible, base grid, vat grid
VAT_CODES: list[tuple[str, str, str, int, str, str, int, str | None, str | None]] = []
for _rate in (0, 6, 12, 21):
    VAT_CODES += [
        (
            f"A{_rate:02d}",
            f"Aankopen handelsgoederen {_rate}%",
            "purchase",
            _rate,
            "goods",
            "domestic",
            100,
            "81",
            "59",
        ),
        (
            f"D{_rate:02d}",
            f"Aankopen diensten {_rate}%",
            "purchase",
            _rate,
            "services",
            "domestic",
            100,
            "82",
            "59",
        ),
        (
            f"I{_rate:02d}",
            f"Investeringen {_rate}%",
            "purchase",
            _rate,
            "investments",
            "domestic",
            100,
            "83",
            "59",
        ),
        (
            f"V{_rate:02d}",
            f"Verkopen goederen {_rate}%",
            "sales",
            _rate,
            "goods",
            "domestic",
            100,
            f"0{(0, 6, 12, 21).index(_rate)}",
            "54",
        ),
        (
            f"S{_rate:02d}",
            f"Verkopen diensten {_rate}%",
            "sales",
            _rate,
            "services",
            "domestic",
            100,
            f"0{(0, 6, 12, 21).index(_rate)}",
            "54",
        ),
    ]
VAT_CODES += [
    (
        "D21N50",
        "Aankopen diensten 21%, 50% aftrekbaar (auto)",
        "purchase",
        21,
        "services",
        "domestic",
        50,
        "82",
        "59",
    ),
    (
        "ICA21",
        "Intracommunautaire aankoop goederen 21%",
        "purchase",
        21,
        "goods",
        "intra_eu",
        100,
        "86",
        "55",
    ),
    (
        "ICD21",
        "Intracommunautaire aankoop diensten 21%",
        "purchase",
        21,
        "services",
        "intra_eu",
        100,
        "88",
        "55",
    ),
    (
        "MC21",
        "Medecontractant (verlegging) 21%",
        "purchase",
        21,
        "services",
        "reverse_charge",
        100,
        "87",
        "56",
    ),
    (
        "ICL",
        "Intracommunautaire levering goederen",
        "sales",
        0,
        "goods",
        "intra_eu",
        100,
        "46",
        None,
    ),
    (
        "ICS",
        "Intracommunautaire dienstverrichting",
        "sales",
        0,
        "services",
        "intra_eu",
        100,
        "44",
        None,
    ),
    (
        "MCV",
        "Verkopen medecontractant (verlegging)",
        "sales",
        0,
        "services",
        "reverse_charge",
        100,
        "45",
        None,
    ),
    ("EXP", "Uitvoer buiten de EU", "sales", 0, "goods", "export", 100, "47", None),
]

# code, name, type, credit-note-only, foreign currency, platform, bank account
JOURNALS = (
    ("CFAAN", "Aankopen", "purchase", False, True, True, None),
    ("CFCNAK", "Aankopen creditnota's", "purchase", True, True, True, None),
    ("CFVER", "Verkopen", "sales", False, False, True, None),
    ("CFCNVK", "Verkopen creditnota's", "sales", True, False, True, None),
    ("KBC", "KBC zichtrekening", "financial", False, False, False, "550000"),
    ("BEL", "Belfius zichtrekening", "financial", False, False, False, "550100"),
    ("DIV", "Diverse verrichtingen", "misc", False, False, False, None),
)
CLOSED_MONTHS = range(1, 10)  # January to September 2026 are closed on the 15th of the next month


@dataclass(frozen=True)
class Party:
    number: str
    kind: str
    name: str
    vat: str
    iban: str
    gl_account: str
    vat_code: str
    typical: tuple[int, int]  # amount range excl. VAT
    monthly: bool
    pays_late_days: int  # customers: days after the due date; suppliers: we pay on time


SUPPLIERS = (
    ("Molens Dedeyne", "600000", "A06", (900, 2400), True),
    ("Vandemoortele Bakery Products", "604000", "A06", (400, 1600), True),
    ("Engie Electrabel", "612000", "D21", (350, 700), True),
    ("Vastgoed Janssens", "610000", "D00", (1850, 1850), True),
    ("Proximus", "612000", "D21", (80, 140), True),
    ("Van Hoorebeke Verpakkingen", "604000", "A21", (150, 900), False),
    ("Garage Claes", "611000", "D21N50", (120, 1400), False),
    ("Securex", "613000", "D21", (180, 260), True),
    ("Boekhoudkantoor Demo", "613000", "D21", (450, 450), False),
    ("Bakkerijmachines Verhoeven", "230000", "I21", (2500, 9800), False),
    ("Drukkerij De Wilde", "614000", "D21", (90, 600), False),
    ("Transport Peeters & Zonen", "615000", "D21", (70, 300), False),
)
CUSTOMERS = (
    ("Hotel De Kroon", 18),
    ("Restaurant 't Fornuis", 0),
    ("Basisschool De Regenboog", 45),
    ("Brasserie Het Pleintje", 5),
    ("Delhaize Boechout", 0),
    ("Tearoom Lieve", 70),
    ("Catering Van Damme", 12),
    ("Sportclub KFC Lint", 120),
    ("Woonzorgcentrum Zonnetij", 3),
    ("Koffiebar Bonne Nuit", 35),
    ("Feestzaal De Molen", 95),
    ("Bedrijfsrestaurant Agfa", 8),
)


def _vat_number(rng: random.Random) -> str:
    base = rng.randrange(2_000_000, 9_999_999)
    first8 = int(f"0{base}")
    return f"BE0{base}{97 - first8 % 97:02d}"


def _iban(rng: random.Random, bank_code: str) -> str:
    return str(IBAN.generate("BE", bank_code=bank_code, account_code=f"{rng.randrange(10**7):07d}"))


def _parties(rng: random.Random) -> list[Party]:
    banks = ("001", "068", "363", "734", "539", "751", "000", "103")
    parties = []
    for index, (name, gl, vat_code, typical, monthly) in enumerate(SUPPLIERS, start=1):
        parties.append(
            Party(
                f"L{index:04d}",
                "supplier",
                name,
                _vat_number(rng),
                _iban(rng, rng.choice(banks)),
                gl,
                vat_code,
                typical,
                monthly,
                0,
            )
        )
    for index, (name, late) in enumerate(CUSTOMERS, start=1):
        parties.append(
            Party(
                f"K{index:04d}",
                "customer",
                name,
                _vat_number(rng),
                _iban(rng, rng.choice(banks)),
                "700000",
                "V06",
                (120, 3200),
                True,
                late,
            )
        )
    return parties


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _chart_text(rng: random.Random) -> tuple[str, dict[str, str]]:
    lines = [";; Chart of accounts (Belgian PCMN / MAR) of Bakkerij Peeters BV. Generated.\n"]
    ibans = {}
    for code, name, role in CHART:
        # Banks hold euros only; other accounts also take foreign-currency invoices.
        constraint = " EUR" if code in BANKS else ""
        lines.append(f"{FIRST_DAY} open {root_for_code(code)}:{code}{constraint}")
        lines.append(f"  code: {_q(code)}")
        lines.append(f"  name: {_q(name)}")
        if role:
            lines.append(f"  role: {_q(role)}")
        if code == "999999":
            lines.append("  suspense: TRUE")
        if code in BANKS:
            _bank, bank_code, _, bic = BANKS[code]
            iban = _iban(rng, bank_code)
            ibans[code] = iban
            lines.append(f"  iban: {_q(iban)}")
            lines.append(f"  bic: {_q(bic)}")
            lines.append(f"  holder: {_q('Bakkerij Peeters BV')}")
            # The holder's address: a SEPA file names the debtor's town and country.
            lines.append(f"  town: {_q('Antwerpen')}")
            lines.append(f"  country: {_q('BE')}")
        lines.append("")
    for code, day in CLOSED_ACCOUNTS.items():
        lines.append(f"{day} close {root_for_code(code)}:{code}\n")
    return "\n".join(lines), ibans


def _master_text(parties: list[Party]) -> str:
    lines = [";; VAT codes, journals, booking periods and counterparties. Generated.\n"]
    for code, description, direction, rate, kind, regime, deductible, base, vat in VAT_CODES:
        lines.append(f'{FIRST_DAY} custom "ledgerline-vat-code" {_q(code)}')
        lines.append(f"  description: {_q(description)}")
        lines.append(f"  direction: {_q(direction)}")
        lines.append(f"  rate: {rate}")
        lines.append(f"  kind: {_q(kind)}")
        lines.append(f"  regime: {_q(regime)}")
        lines.append(f"  deductible: {deductible}")
        if base:
            lines.append(f"  base-grid: {_q(base)}")
        if vat:
            lines.append(f"  vat-grid: {_q(vat)}")
        lines.append("")
    for code, name, kind, credit_only, foreign, platform, bank in JOURNALS:
        lines.append(f'{FIRST_DAY} custom "ledgerline-journal" {_q(code)}')
        lines.append(f"  name: {_q(name)}")
        lines.append(f"  type: {_q(kind)}")
        lines.append('  number-format: "yy000###"')
        lines.append(f"  credit-note-only: {'TRUE' if credit_only else 'FALSE'}")
        lines.append(f"  foreign-currency: {'TRUE' if foreign else 'FALSE'}")
        lines.append('  first-period: "2026-01"')
        lines.append(f"  platform: {'TRUE' if platform else 'FALSE'}")
        if bank:
            lines.append(f"  bank-account: {_q(bank)}")
        lines.append("")
    for month in range(1, 13):
        start = date(2026, month, 1)
        end = (date(2026, month + 1, 1) if month < 12 else date(2027, 1, 1)) - timedelta(days=1)
        code = f"2026-{month:02d}"
        lines.append(f'{FIRST_DAY} custom "ledgerline-period" "{code}" {start} {end} "open"')
        if month in CLOSED_MONTHS:
            closed_on = date(2026, month + 1, 15)
            lines.append(f'{closed_on} custom "ledgerline-period" "{code}" {start} {end} "closed"')
    lines.append("")
    for party in parties:
        lines.append(
            f'{FIRST_DAY} custom "ledgerline-counterparty" {_q(party.number)} {_q(party.kind)}'
        )
        lines.append(f"  name: {_q(party.name)}")
        lines.append(f"  vat: {_q(party.vat)}")
        lines.append(f"  ibans: {_q(party.iban)}")
        lines.append('  currency: "EUR"')
        lines.append(f"  gl-account: {_q(party.gl_account)}")
        lines.append(f"  vat-code: {_q(party.vat_code)}")
        lines.append("")
    return "\n".join(lines)


HISTORY = """;; Opening balance of 2026, booked by the office in the package. Generated.

2026-01-01 * "Openingsbalans 2026"
  journal: "DIV"
  document-number: "26000001"
  period: "2026-01"
  entered-on: 2026-01-05
  Assets:550000        42850.00 EUR
  Assets:550100         6200.00 EUR
  Assets:230000        38500.00 EUR
  Equity:100000       -18600.00 EUR
  Equity:130000        -1860.00 EUR
  Equity:140000       -27090.00 EUR
  Liabilities:173000  -40000.00 EUR
"""

MAIN = """;; Books of dossier PEETERS (Bakkerij Peeters BV), the Ledgerline demo dossier.
;; bean-check main.beancount must report no errors at every moment.
option "title" "Bakkerij Peeters BV"
option "operating_currency" "EUR"
plugin "sync.connectors.beancount_ledger.periods"

include "chart.beancount"
include "master.beancount"
include "history.beancount"
include "bookings.beancount"
"""


def _ogm(rng: random.Random) -> str:
    base = rng.randrange(10**9, 10**10)
    check = base % 97 or 97
    digits = f"{base:010d}{check:02d}"
    return f"+++{digits[:3]}/{digits[3:7]}/{digits[7:]}+++"


def generate(folder: Path, seed: int = SEED) -> Path:
    rng = random.Random(seed)
    target = folder / DOSSIER_CODE
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    parties = _parties(rng)
    chart, bank_ibans = _chart_text(rng)
    (target / "main.beancount").write_text(MAIN)
    (target / "chart.beancount").write_text(chart)
    (target / "master.beancount").write_text(_master_text(parties))
    (target / "history.beancount").write_text(HISTORY)
    (target / "bookings.beancount").write_text(
        ";; Bookings, payments and counterparties written by the platform.\n"
    )

    clock = [FIRST_DAY]
    connector = BeancountConnector(folder, today=lambda: clock[0])
    events: list[tuple[date, int, object]] = []  # (day entered, order, booking or payment)
    counter = 0
    vat_rates = {code: Decimal(rate) for code, _, _, rate, *_ in VAT_CODES}
    for party in parties:
        for month in range(1, 12):
            count = 1 if party.monthly else rng.choice((0, 0, 1))
            if party.kind == "customer":
                count = rng.choice((1, 2))
            for _ in range(count):
                day = date(2026, month, rng.randrange(1, 28))
                if day > LAST_ENTRY_DAY:
                    continue
                low, high = party.typical
                base = money(Decimal(rng.randrange(low * 100, high * 100 + 1)) / 100)
                credit_note = party.kind == "customer" and rng.random() < 0.04
                vat_code = party.vat_code
                vat = money(base * vat_rates[vat_code] / 100)
                counter += 1
                journal = {
                    ("supplier", False): "CFAAN",
                    ("supplier", True): "CFCNAK",
                    ("customer", False): "CFVER",
                    ("customer", True): "CFCNVK",
                }[(party.kind, credit_note)]
                if party.kind == "supplier" and rng.random() < 0.05:
                    journal, credit_note = "CFCNAK", True
                invoice_number = (
                    f"2026-{counter:04d}"
                    if party.kind == "customer"
                    else f"F{rng.randrange(10**5, 10**6)}"
                )
                booking = BookingToPost(
                    proposal_id=uuid.uuid5(NAMESPACE, f"demo-proposal-{counter}"),
                    document_id=uuid.uuid5(NAMESPACE, f"demo-document-{counter}"),
                    header=BookingHeader(
                        journal=journal,
                        period=f"2026-{month:02d}",
                        counterparty_number=party.number,
                        invoice_number=invoice_number,
                        invoice_date=day,
                        due_date=day + timedelta(days=30),
                        total_excl_vat=base,
                        total_vat=vat,
                        total_incl_vat=base + vat,
                        structured_communication=_ogm(rng)
                        if party.kind == "customer" or rng.random() < 0.5
                        else None,
                        credit_note=credit_note,
                    ),
                    lines=(
                        BookingLine(
                            gl_account=party.gl_account,
                            amount_excl_vat=base,
                            vat_code=vat_code,
                            vat_amount=vat,
                        ),
                    ),
                    vat_lines=(VatLine(vat_code=vat_code, base=base, vat_amount=vat),),
                    validated_by="anna.admin@demo-office.example",
                )
                events.append((day + timedelta(days=2), counter, booking))
                if credit_note:
                    continue
                # Payments: suppliers on the due date (the last ones stay open, some in part);
                # customers with their habitual delay, a few never.
                due = day + timedelta(days=30)
                paid_on = due + timedelta(days=party.pays_late_days)
                amount = base + vat
                roll = rng.random()
                if party.kind == "customer" and roll < 0.08:
                    continue
                if roll < 0.12:
                    amount = money(amount * Decimal("0.5"))
                if paid_on > LAST_ENTRY_DAY:
                    continue
                events.append(
                    (
                        paid_on,
                        counter,
                        (party, booking, amount, paid_on),
                    )
                )
    events.sort(key=lambda event: (event[0], event[1], isinstance(event[2], tuple)))
    posted: dict[uuid.UUID, str] = {}
    for entered, _, item in events:
        clock[0] = entered
        if isinstance(item, BookingToPost):
            result = connector.post_booking(DOSSIER_CODE, item)
            posted[item.proposal_id] = f"{result.journal}/{result.document_number}"
            continue
        party, booking, amount, paid_on = item  # type: ignore[misc]
        journal, number = posted[booking.proposal_id].split("/")
        bank = "550000" if party.kind == "supplier" or rng.random() < 0.7 else "550100"
        connector.journalise_payments(
            DOSSIER_CODE,
            (
                PaymentToJournalise(
                    payment_id=uuid.uuid5(NAMESPACE, f"demo-payment-{booking.proposal_id}"),
                    paid_on=paid_on,
                    bank_account_iban=bank_ibans[bank],
                    counterparty_number=party.number,
                    kind=party.kind,
                    amount=amount,
                    settles_journal=journal,
                    settles_document_number=number,
                    communication=booking.header.structured_communication
                    or booking.header.invoice_number,
                ),
            ),
        )
    (target / ".ledgerline.lock").unlink(missing_ok=True)
    return target


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0]) if args else DEMO_ROOT
    print(generate(folder))
    return 0


def install_demo_ledger(root: Path, code: str = DOSSIER_CODE) -> Path:
    """Copy the packaged demo ledger into `root` unless the dossier already has one there (the
    books of a running platform are never overwritten), as dossier `code` (the demo's own by
    default). `make run` and the test stack call it through `sync install-demo-ledger`."""
    target = root / code
    if (target / "main.beancount").exists():
        return target
    root.mkdir(parents=True, exist_ok=True)
    # Copied beside the target and renamed: a crash never leaves half a ledger behind.
    staging = Path(tempfile.mkdtemp(dir=root, prefix=f".{code}."))
    try:
        shutil.copytree(
            DEMO_ROOT / DOSSIER_CODE,
            staging / DOSSIER_CODE,
            ignore=shutil.ignore_patterns("*.picklecache", ".ledgerline.lock", "*.tmp"),
        )
        shutil.rmtree(target, ignore_errors=True)  # a folder without main.beancount
        (staging / DOSSIER_CODE).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


if __name__ == "__main__":
    raise SystemExit(main())
