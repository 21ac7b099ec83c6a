"""A dossier's books as its Beancount ledger holds them (chart, VAT codes, journals, periods,
counterparties, document numbers) and the lookups the connector writes by. Pure: entries
in, models out; no files. What is reported from the ledger is in `reports`, what is written
to it in `entries`.

How the books are modelled in Beancount (also in docs/connectors.md):
- A GL account is an `open` directive; the account is named `<Root>:<code>` (root from the
  PCMN class) and carries `code`, `name`, optional `suspense: TRUE` and `role` ("customers",
  "suppliers", "vat-recoverable", "vat-payable", "bank") in its metadata. `close` closes it.
- VAT codes, journals, booking periods and counterparties are `custom` directives
  (`ledgerline-vat-code`, `ledgerline-journal`, `ledgerline-period`, `ledgerline-counterparty`).
  A period directive is dated on the day its state changed; the latest one counts.
- An invoice is a transaction with `journal`, `document-number`, `period`, `counterparty` and
  `entered-on` metadata; its posting on the customers / suppliers account carries `document`
  (`journal/document number`), `invoice-number`, `invoice-date`, `due-date`, `communication`.
- A payment is a transaction of a financial journal whose posting on the customers / suppliers
  account carries the `document` it settles. Open items and paid amounts are sums over these
  postings: nothing is stored beside the ledger.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from beancount.core import data

from sync.connectors.contract import (
    AccountType,
    BankAccount,
    BookingPeriod,
    BookingRefused,
    Counterparty,
    GLAccount,
    Journal,
    VatCode,
)

CENT = Decimal("0.01")
VAT_CODE = "ledgerline-vat-code"
JOURNAL = "ledgerline-journal"
PERIOD = "ledgerline-period"
COUNTERPARTY = "ledgerline-counterparty"

ROOT_TYPES: dict[str, AccountType] = {
    "Assets": "asset",
    "Liabilities": "liability",
    "Equity": "equity",
    "Income": "income",
    "Expenses": "expense",
}


def root_for_code(code: str) -> str:
    """The Beancount root of a PCMN account code (Belgian minimum chart of accounts)."""
    two = int(code[:2]) if len(code) >= 2 else int(code[0]) * 10
    match code[0]:
        case "1":
            return "Equity" if two <= 15 else "Liabilities"
        case "2" | "3" | "5":
            return "Assets"
        case "4":
            return "Assets" if two in (40, 41, 49) else "Liabilities"
        case "6":
            return "Expenses"
        case "7":
            return "Income"
        case _:
            return "Assets"


def account_name(code: str) -> str:
    return f"{root_for_code(code)}:{code}"


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def meta_text(meta: dict, key: str) -> str | None:
    value = meta.get(key)
    return None if value is None else str(value)


# --------------------------------------------------------------------------- document numbers

_FORMAT = re.compile(
    r"^(?P<prefix>[^y0#]*)(?:(?P<year>yyyy|yy)(?P<separator>[^y0#]*))?"
    r"(?P<sequence>[0#]+)(?P<suffix>[^y0#]*)$"
)


@dataclass(frozen=True)
class NumberFormat:
    """A journal's document number format such as `yy000###` (26000001, 26000002, ...)."""

    prefix: str
    year_digits: int
    separator: str
    width: int
    suffix: str

    @classmethod
    def parse(cls, text: str) -> "NumberFormat":
        match = _FORMAT.match(text)
        if match is None:
            raise ValueError(f"document number format {text!r} has no run of 0 or # digits")
        year = match["year"] or ""
        return cls(
            match["prefix"],
            len(year),
            match["separator"] or "",
            len(match["sequence"]),
            match["suffix"],
        )

    def format(self, fiscal_year: int, sequence: int) -> str:
        if sequence >= 10**self.width:
            raise BookingRefused(f"the journal's document numbers for {fiscal_year} are used up")
        year = str(fiscal_year)[-self.year_digits :] if self.year_digits else ""
        return f"{self.prefix}{year}{self.separator}{sequence:0{self.width}d}{self.suffix}"

    def sequence_of(self, number: str, fiscal_year: int) -> int | None:
        """The sequence of a document number of that fiscal year, None for another year."""
        year = str(fiscal_year)[-self.year_digits :] if self.year_digits else ""
        pattern = (
            re.escape(self.prefix + year + self.separator)
            + rf"(\d{{{self.width}}})"
            + re.escape(self.suffix)
            + "$"
        )
        match = re.match(pattern, number)
        return int(match[1]) if match else None


# --------------------------------------------------------------------------- the books


@dataclass
class Books:
    """Master data of one dossier as read from its ledger."""

    accounts: dict[str, GLAccount] = field(default_factory=dict)
    account_names: dict[str, str] = field(default_factory=dict)  # code -> Beancount account
    roles: dict[str, str] = field(default_factory=dict)  # role -> code
    bank_accounts: dict[str, BankAccount] = field(default_factory=dict)  # code -> bank account
    vat_codes: dict[str, VatCode] = field(default_factory=dict)
    journals: dict[str, Journal] = field(default_factory=dict)
    periods: dict[str, BookingPeriod] = field(default_factory=dict)
    counterparties: dict[str, Counterparty] = field(default_factory=dict)

    def account_for(self, code: str) -> str:
        """The Beancount account of a code; an unknown code maps to the name it would have, so
        that Beancount itself reports it as unknown."""
        return self.account_names.get(code, account_name(code))

    def role_account(self, role: str) -> str:
        code = self.roles.get(role)
        if code is None:
            raise BookingRefused(f"the chart of accounts has no account with role {role!r}")
        return self.account_names[code]

    def collective(self, kind: str) -> str:
        return self.role_account("customers" if kind == "customer" else "suppliers")

    def vat_accounts(self) -> set[str]:
        return {
            self.account_names[code]
            for role, code in self.roles.items()
            if role in ("vat-recoverable", "vat-payable")
        }

    def period_for(self, day: date) -> BookingPeriod | None:
        for period in self.periods.values():
            if period.start <= day <= period.end:
                return period
        return None


def read_books(entries: Sequence[data.Directive]) -> Books:
    books = Books()
    closed_accounts = {entry.account for entry in entries if isinstance(entry, data.Close)}
    period_states: dict[str, tuple[date, data.Custom]] = {}
    for entry in entries:
        if isinstance(entry, data.Open):
            meta = entry.meta
            code = meta_text(meta, "code") or entry.account.rsplit(":", 1)[-1]
            books.account_names[code] = entry.account
            books.accounts[code] = GLAccount(
                code=code,
                name=meta_text(meta, "name") or entry.account,
                pcmn_class=int(code[0]) if code[0].isdigit() else 0,
                type=ROOT_TYPES[entry.account.split(":", 1)[0]],
                suspense=bool(meta.get("suspense", False)),
                active=entry.account not in closed_accounts,
            )
            role = meta_text(meta, "role")
            if role:
                books.roles[role] = code
            if "iban" in meta:
                books.bank_accounts[code] = BankAccount(
                    iban=str(meta["iban"]),
                    bic=meta_text(meta, "bic"),
                    holder_name=meta_text(meta, "holder") or "",
                    town=meta_text(meta, "town"),
                    country=meta_text(meta, "country"),
                    currency=(entry.currencies or ["EUR"])[0],
                    gl_account=code,
                )
        elif isinstance(entry, data.Custom):
            values = [value.value for value in entry.values]
            meta = entry.meta
            if entry.type == VAT_CODE:
                books.vat_codes[values[0]] = VatCode(
                    code=values[0],
                    description=meta_text(meta, "description") or values[0],
                    direction=meta["direction"],
                    rate=meta["rate"],
                    kind=meta["kind"],
                    regime=meta.get("regime", "domestic"),
                    deductible_share=meta.get("deductible", Decimal(100)),
                    base_grid=meta_text(meta, "base-grid"),
                    vat_grid=meta_text(meta, "vat-grid"),
                )
            elif entry.type == JOURNAL:
                books.journals[values[0]] = Journal(
                    code=values[0],
                    name=meta_text(meta, "name") or values[0],
                    type=meta["type"],
                    number_format=meta["number-format"],
                    credit_note_only=bool(meta.get("credit-note-only", False)),
                    foreign_currency_allowed=bool(meta.get("foreign-currency", False)),
                    first_period=meta_text(meta, "first-period"),
                    platform=bool(meta.get("platform", False)),
                    bank_account_iban=None,
                )
                if "bank-account" in meta:
                    books.journals[values[0]] = books.journals[values[0]].model_copy(
                        update={"bank_account_iban": str(meta["bank-account"])}
                    )
            elif entry.type == PERIOD:
                code = values[0]
                known = period_states.get(code)
                if known is None or known[0] <= entry.date:
                    period_states[code] = (entry.date, entry)
            elif entry.type == COUNTERPARTY:
                ibans = meta_text(meta, "ibans") or ""
                books.counterparties[values[0]] = Counterparty(
                    number=values[0],
                    kind=values[1],
                    name=meta_text(meta, "name") or values[0],
                    vat_number=meta_text(meta, "vat"),
                    ibans=tuple(iban for iban in ibans.split(",") if iban),
                    currency=meta_text(meta, "currency") or "EUR",
                    default_gl_account=meta_text(meta, "gl-account"),
                    default_vat_code=meta_text(meta, "vat-code"),
                )
    for code, (_, entry) in sorted(period_states.items()):
        _, start, end, status = (value.value for value in entry.values)
        books.periods[code] = BookingPeriod(
            fiscal_year=code[:4], code=code, start=start, end=end, status=status
        )
    # A financial journal names its bank account by GL code; the contract gives the IBAN.
    for code, bank in list(books.bank_accounts.items()):
        for journal in books.journals.values():
            if journal.bank_account_iban == code:
                books.journals[journal.code] = journal.model_copy(
                    update={"bank_account_iban": bank.iban}
                )
                books.bank_accounts[code] = bank.model_copy(update={"journal": journal.code})
    return books


def period_state_at(entries: Iterable[data.Directive], code: str, day: date) -> str | None:
    """The state of a booking period on a day: the latest period directive dated on or before."""
    state = None
    for entry in entries:
        if (
            isinstance(entry, data.Custom)
            and entry.type == PERIOD
            and entry.date <= day
            and entry.values[0].value == code
        ):
            state = entry.values[3].value
    return state


# --------------------------------------------------------------------------- lookups


def transactions(entries: Iterable[data.Directive]) -> list[data.Transaction]:
    return [entry for entry in entries if isinstance(entry, data.Transaction)]


def find_by_meta(
    entries: Iterable[data.Directive], key: str, value: str
) -> data.Transaction | None:
    for entry in transactions(entries):
        if str(entry.meta.get(key, "")) == value:
            return entry
    return None


def find_document(
    entries: Iterable[data.Directive], journal: str, number: str
) -> data.Transaction | None:
    for entry in transactions(entries):
        if (
            entry.meta.get("journal") == journal
            and str(entry.meta.get("document-number")) == number
        ):
            return entry
    return None


def next_sequence(entries: Iterable[data.Directive], journal: Journal, fiscal_year: int) -> int:
    number_format = NumberFormat.parse(journal.number_format)
    used = [
        number_format.sequence_of(str(entry.meta.get("document-number", "")), fiscal_year)
        for entry in transactions(entries)
        if entry.meta.get("journal") == journal.code
    ]
    return max((sequence for sequence in used if sequence is not None), default=0) + 1
