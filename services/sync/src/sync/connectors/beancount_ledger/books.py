"""Reading a dossier's Beancount ledger into the connector contract, and writing bookings as
Beancount transactions. Pure: entries in, models or entries out; no files.

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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from beancount.core import convert, data
from beancount.core.amount import Amount as BeanAmount
from beancount.parser.grammar import ValueType

from sync.connectors.contract import (
    AccountTotal,
    AccountType,
    BankAccount,
    BookingPeriod,
    BookingRefused,
    BookingToPost,
    Counterparty,
    CounterpartyTurnover,
    FinancialTransaction,
    GLAccount,
    ItemHistory,
    Journal,
    LedgerMovement,
    OpenItem,
    OpenItemMovement,
    PaymentToJournalise,
    VatCode,
    VatLine,
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


def _text(meta: dict, key: str) -> str | None:
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
            code = _text(meta, "code") or entry.account.rsplit(":", 1)[-1]
            books.account_names[code] = entry.account
            books.accounts[code] = GLAccount(
                code=code,
                name=_text(meta, "name") or entry.account,
                pcmn_class=int(code[0]) if code[0].isdigit() else 0,
                type=ROOT_TYPES[entry.account.split(":", 1)[0]],
                suspense=bool(meta.get("suspense", False)),
                active=entry.account not in closed_accounts,
            )
            role = _text(meta, "role")
            if role:
                books.roles[role] = code
            if "iban" in meta:
                books.bank_accounts[code] = BankAccount(
                    iban=str(meta["iban"]),
                    bic=_text(meta, "bic"),
                    holder_name=_text(meta, "holder") or "",
                    town=_text(meta, "town"),
                    country=_text(meta, "country"),
                    currency=(entry.currencies or ["EUR"])[0],
                    gl_account=code,
                )
        elif isinstance(entry, data.Custom):
            values = [value.value for value in entry.values]
            meta = entry.meta
            if entry.type == VAT_CODE:
                books.vat_codes[values[0]] = VatCode(
                    code=values[0],
                    description=_text(meta, "description") or values[0],
                    direction=meta["direction"],
                    rate=meta["rate"],
                    kind=meta["kind"],
                    regime=meta.get("regime", "domestic"),
                    deductible_share=meta.get("deductible", Decimal(100)),
                    base_grid=_text(meta, "base-grid"),
                    vat_grid=_text(meta, "vat-grid"),
                )
            elif entry.type == JOURNAL:
                books.journals[values[0]] = Journal(
                    code=values[0],
                    name=_text(meta, "name") or values[0],
                    type=meta["type"],
                    number_format=meta["number-format"],
                    credit_note_only=bool(meta.get("credit-note-only", False)),
                    foreign_currency_allowed=bool(meta.get("foreign-currency", False)),
                    first_period=_text(meta, "first-period"),
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
                ibans = _text(meta, "ibans") or ""
                books.counterparties[values[0]] = Counterparty(
                    number=values[0],
                    kind=values[1],
                    name=_text(meta, "name") or values[0],
                    vat_number=_text(meta, "vat"),
                    ibans=tuple(iban for iban in ibans.split(",") if iban),
                    currency=_text(meta, "currency") or "EUR",
                    default_gl_account=_text(meta, "gl-account"),
                    default_vat_code=_text(meta, "vat-code"),
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


# --------------------------------------------------------------------------- derived data


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


def open_items(
    entries: Sequence[data.Directive], books: Books, as_of: date | None = None
) -> list[OpenItem]:
    """Every invoice and credit note on the customers / suppliers accounts with what was paid
    on it (up to `as_of`), settled ones included. Signs: an invoice is positive."""
    collectives = {
        books.collective("customer"): "customer",
        books.collective("supplier"): "supplier",
    }
    invoices: dict[str, tuple[data.Transaction, data.Posting, str]] = {}
    movements: dict[str, Decimal] = defaultdict(Decimal)
    for entry in transactions(entries):
        if as_of is not None and entry.date > as_of:
            continue
        for posting in entry.postings:
            kind = collectives.get(posting.account)
            document = (posting.meta or {}).get("document")
            if kind is None or document is None:
                continue
            if "invoice-date" in posting.meta:
                invoices[document] = (entry, posting, kind)
            else:
                movements[document] += posting.units.number
    items = []
    for document, (entry, posting, kind) in invoices.items():
        sign = 1 if kind == "customer" else -1
        meta = posting.meta
        journal, number = document.split("/", 1)
        items.append(
            OpenItem(
                kind=kind,  # type: ignore[arg-type]
                journal=journal,
                document_number=number,
                counterparty_number=str(meta.get("counterparty") or entry.meta.get("counterparty")),
                invoice_number=_text(meta, "invoice-number"),
                invoice_date=meta["invoice-date"],
                due_date=meta.get("due-date"),
                currency=posting.units.currency,
                amount=sign * posting.units.number,
                # Nothing paid is 0, never -0 (a customer's item negated).
                amount_paid=-sign * movements.get(document, Decimal(0)) or Decimal(0),
                structured_communication=_text(meta, "communication"),
            )
        )
    return sorted(items, key=lambda item: (item.kind, item.invoice_date, item.document_number))


@dataclass(frozen=True)
class TurnoverLine:
    """Turnover excluding VAT of one invoice or credit note (credit notes negative)."""

    kind: str
    counterparty_number: str
    period: str
    date: date
    amount_excl_vat: Decimal
    currency: str


def turnover_lines(entries: Sequence[data.Directive], books: Books) -> list[TurnoverLine]:
    """Excl. VAT = the total on the customers / suppliers account less the net VAT postings."""
    collectives = {
        books.collective("customer"): "customer",
        books.collective("supplier"): "supplier",
    }
    vat_accounts = books.vat_accounts()
    lines = []
    for entry in transactions(entries):
        journal = books.journals.get(str(entry.meta.get("journal")))
        if journal is None or journal.type not in ("purchase", "sales"):
            continue
        kind = next(
            (collectives[p.account] for p in entry.postings if p.account in collectives), None
        )
        if kind is None:
            continue
        sign = 1 if kind == "customer" else -1
        total = sum(
            (p.units.number for p in entry.postings if p.account in collectives), Decimal(0)
        )
        vat = sum((p.units.number for p in entry.postings if p.account in vat_accounts), Decimal(0))
        currency = entry.postings[0].units.currency
        lines.append(
            TurnoverLine(
                kind=kind,
                counterparty_number=str(entry.meta.get("counterparty")),
                period=str(entry.meta.get("period") or entry.date.strftime("%Y-%m")),
                date=entry.date,
                amount_excl_vat=sign * total + sign * vat,
                currency=currency,
            )
        )
    return lines


def turnover_by_period(
    entries: Sequence[data.Directive], books: Books
) -> list[CounterpartyTurnover]:
    totals: dict[tuple[str, str, str, str], Decimal] = defaultdict(Decimal)
    for line in turnover_lines(entries, books):
        totals[(line.kind, line.counterparty_number, line.period, line.currency)] += (
            line.amount_excl_vat
        )
    return [
        CounterpartyTurnover(
            kind=kind,  # type: ignore[arg-type]
            counterparty_number=number,
            period=period,
            amount_excl_vat=amount,
            currency=currency,
        )
        for (kind, number, period, currency), amount in sorted(totals.items())
    ]


def financial_transactions(
    entries: Sequence[data.Directive], books: Books
) -> list[FinancialTransaction]:
    banks = {books.account_names[code]: bank for code, bank in books.bank_accounts.items()}
    result = []
    for entry in transactions(entries):
        journal = books.journals.get(str(entry.meta.get("journal")))
        if journal is None or journal.type != "financial":
            continue
        bank_postings = [p for p in entry.postings if p.account in banks]
        if not bank_postings:
            continue
        settles = tuple(
            str(p.meta["document"]) for p in entry.postings if p.meta and "document" in p.meta
        )
        result.append(
            FinancialTransaction(
                journal=journal.code,
                document_number=str(entry.meta.get("document-number")),
                date=entry.date,
                bank_account_iban=banks[bank_postings[0].account].iban,
                counterparty_number=_text(entry.meta, "counterparty"),
                amount=sum((p.units.number for p in bank_postings), Decimal(0)),
                currency=bank_postings[0].units.currency,
                communication=_text(entry.meta, "communication") or entry.narration or None,
                settles=settles,
            )
        )
    return result


def _period_of(entry: data.Transaction) -> str:
    return str(entry.meta.get("period") or entry.date.strftime("%Y-%m"))


def ledger_movements(entries: Sequence[data.Directive], books: Books) -> list[LedgerMovement]:
    """Every posting on a GL account of the chart, at its weight in the dossier's currency
    (a foreign-currency posting at the rate it was booked with), debit positive."""
    codes = {name: code for code, name in books.account_names.items()}
    movements = []
    for entry in transactions(entries):
        period = _period_of(entry)
        for posting in entry.postings:
            code = codes.get(posting.account)
            if code is None:
                continue
            movements.append(
                LedgerMovement(
                    gl_account=code,
                    period=period,
                    date=entry.date,
                    amount=convert.get_weight(posting).number,
                )
            )
    return movements


def account_totals(entries: Sequence[data.Directive], books: Books) -> list[AccountTotal]:
    """The general ledger summed per account and booking period (zero nets left out): all the
    P&L, balance sheet and key figures need, in a size bounded by accounts x periods."""
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for movement in ledger_movements(entries, books):
        sums[(movement.gl_account, movement.period)] += movement.amount
    return [
        AccountTotal(gl_account=code, period=period, amount=amount)
        for (code, period), amount in sorted(sums.items())
        if amount != 0
    ]


def _item_histories(
    entries: Sequence[data.Directive], books: Books, document: str | None = None
) -> dict[str, list[OpenItemMovement]]:
    """Per `journal/document number` (only `document` when given): the invoice (or credit note)
    and every booking on the customers / suppliers account that names it, oldest first. Only
    documents with an invoice line have a history."""
    collectives = {
        books.collective("customer"): 1,
        books.collective("supplier"): -1,
    }
    items: dict[str, OpenItemMovement] = {}
    settlements: dict[str, list[OpenItemMovement]] = defaultdict(list)
    for entry in transactions(entries):
        for posting in entry.postings:
            sign = collectives.get(posting.account)
            meta = posting.meta or {}
            named = meta.get("document")
            if sign is None or named is None or (document is not None and str(named) != document):
                continue
            entry_journal = books.journals.get(str(entry.meta.get("journal")))
            line = {
                "journal": str(entry.meta.get("journal") or ""),
                "document_number": str(entry.meta.get("document-number") or ""),
                "date": entry.date,
                "period": _period_of(entry),
                "amount": sign * posting.units.number,
                "currency": posting.units.currency,
                "description": entry.narration or None,
            }
            if "invoice-date" in meta:
                kind = "credit_note" if line["amount"] < 0 else "invoice"
                items[str(named)] = OpenItemMovement(kind=kind, **line)
                continue
            if entry_journal is not None and entry_journal.type == "financial":
                kind = "payment"
            elif entry_journal is not None and entry_journal.credit_note_only:
                kind = "credit_note"
            else:
                kind = "other"
            settlements[str(named)].append(OpenItemMovement(kind=kind, **line))
    # The item itself first, then what settled it (transactions come in date order).
    return {key: [item, *settlements.get(key, [])] for key, item in items.items()}


def open_item_history(
    entries: Sequence[data.Directive], books: Books, journal: str, document_number: str
) -> list[OpenItemMovement] | None:
    """The invoice (or credit note) `journal/document_number` and every booking on the
    customers / suppliers account that names it, oldest first; None when no such item."""
    document = f"{journal}/{document_number}"
    return _item_histories(entries, books, document).get(document)


def item_histories(entries: Sequence[data.Directive], books: Books) -> list[ItemHistory]:
    """Every invoice and credit note, settled ones too, with its history (the feedback records
    a Kafka connector publishes: the aged balance at any pivot is computed from them)."""
    histories = _item_histories(entries, books)
    return [
        ItemHistory(item=item, movements=tuple(histories[key]))
        for item in open_items(entries, books)
        if (key := f"{item.journal}/{item.document_number}") in histories
    ]


# --------------------------------------------------------------------------- writing


def _posting(
    account: str,
    number: Decimal,
    currency: str,
    price: BeanAmount | None = None,
    **meta: object,
) -> data.Posting:
    clean = {key: value for key, value in meta.items() if value is not None}
    return data.Posting(
        account, BeanAmount(money(number), currency), None, price, None, clean or None
    )


PRICE_PRECISION = Decimal("1e-10")


def booking_transaction(
    booking: BookingToPost,
    books: Books,
    journal: Journal,
    document_number: str,
    counterparty: Counterparty,
    entered_on: date,
    booking_date: date,
) -> data.Transaction:
    """The ledger transaction of a validated purchase or sales booking.

    Purchase: detail lines and deductible VAT debited, the supplier credited with the total.
    Sales: detail lines and VAT credited, the customer debited. A credit note reverses the
    signs. Reverse charge and intra-EU purchases self-assess the VAT (recoverable and payable).
    Non-deductible VAT is added to the largest detail line of its VAT code. The transaction is
    not balanced here: Beancount checks it against the header's total.
    """
    header = booking.header
    currency = header.currency
    # A foreign-currency invoice stays in its currency; every posting carries the same EUR price
    # (1 / the rate of units per EUR), so Beancount balances it both in units and in EUR.
    price = (
        BeanAmount((1 / header.exchange_rate).quantize(PRICE_PRECISION), "EUR")
        if currency != "EUR" and header.exchange_rate
        else None
    )
    purchase = journal.type == "purchase"
    sign = Decimal(1 if purchase else -1) * (-1 if header.credit_note else 1)
    document = f"{journal.code}/{document_number}"

    vat_lines = booking.vat_lines or _vat_lines_from_detail(booking)
    extra_on_line: dict[int, Decimal] = defaultdict(Decimal)
    vat_postings: list[data.Posting] = []

    def vat(role: str, number: Decimal, code: str) -> None:
        vat_postings.append(
            _posting(books.role_account(role), number, currency, price, **{"vat-code": code})
        )

    for vat_line in vat_lines:
        vat_code = books.vat_codes.get(vat_line.vat_code)
        if vat_code is None:
            raise BookingRefused(f"VAT code {vat_line.vat_code} is unknown to the dossier")
        amount = vat_line.vat_amount
        if not purchase:
            vat("vat-payable", sign * amount, vat_code.code)
            continue
        deductible = money(amount * vat_code.deductible_share / 100)
        if amount - deductible:
            extra_on_line[_largest_line(booking, vat_code.code)] += amount - deductible
        if vat_code.regime in ("reverse_charge", "intra_eu"):
            # Self-assessed: payable and recoverable; the supplier is owed the base only.
            vat("vat-payable", -sign * amount, vat_code.code)
        vat("vat-recoverable", sign * deductible, vat_code.code)
    vat_postings = [p for p in vat_postings if p.units.number != 0]

    line_postings = [
        _posting(
            books.account_for(line.gl_account),
            sign * (line.amount_excl_vat + extra_on_line.get(index, Decimal(0))),
            currency,
            price,
            **{"vat-code": line.vat_code, "description": line.description},
        )
        for index, line in enumerate(booking.lines)
    ]
    collective = _posting(
        books.collective(counterparty.kind),
        -sign * header.total_incl_vat,
        currency,
        price,
        document=document,
        counterparty=counterparty.number,
        **{
            "invoice-number": header.invoice_number,
            "invoice-date": header.invoice_date,
            "due-date": header.due_date,
            "communication": header.structured_communication,
        },
    )
    meta: dict[str, object] = {
        "journal": journal.code,
        "document-number": document_number,
        "period": header.period,
        "counterparty": counterparty.number,
        "proposal-id": str(booking.proposal_id),
        "entered-on": entered_on,
    }
    if booking.document_id:
        meta["document-id"] = str(booking.document_id)
    if header.exchange_rate is not None:
        meta["exchange-rate"] = header.exchange_rate
    if booking.validated_by:
        meta["validated-by"] = booking.validated_by
    narration = header.description or (
        f"{'Credit note' if header.credit_note else 'Invoice'} {header.invoice_number or ''}".strip()
    )
    return data.Transaction(
        data.new_metadata("<ledgerline>", 0, meta),
        booking_date,
        "*",
        counterparty.name,
        narration,
        data.EMPTY_SET,
        data.EMPTY_SET,
        [*line_postings, *vat_postings, collective],
    )


def _vat_lines_from_detail(booking: BookingToPost) -> list[VatLine]:
    """Without a VAT breakdown, the detail lines' VAT per code is the breakdown."""
    totals: dict[str, tuple[Decimal, Decimal]] = {}
    for line in booking.lines:
        if line.vat_code is None:
            continue
        base, vat = totals.get(line.vat_code, (Decimal(0), Decimal(0)))
        totals[line.vat_code] = (base + line.amount_excl_vat, vat + line.vat_amount)
    return [
        VatLine(vat_code=code, base=base, vat_amount=vat) for code, (base, vat) in totals.items()
    ]


def _largest_line(booking: BookingToPost, vat_code: str) -> int:
    candidates = [i for i, line in enumerate(booking.lines) if line.vat_code == vat_code]
    if not candidates:
        candidates = list(range(len(booking.lines)))
    return max(candidates, key=lambda i: booking.lines[i].amount_excl_vat)


def payment_transaction(
    payment: PaymentToJournalise,
    books: Books,
    journal: Journal,
    bank_code: str,
    document_number: str,
    entered_on: date,
) -> data.Transaction:
    """Money out to a supplier (or in from a customer), settling the named open item."""
    collective = books.collective(payment.kind)
    out = payment.kind == "supplier"
    amount = payment.amount if out else -payment.amount
    document = (
        f"{payment.settles_journal}/{payment.settles_document_number}"
        if payment.settles_journal and payment.settles_document_number
        else None
    )
    counterparty = books.counterparties.get(payment.counterparty_number)
    meta: dict[str, object] = {
        "journal": journal.code,
        "document-number": document_number,
        "period": payment.paid_on.strftime("%Y-%m"),
        "counterparty": payment.counterparty_number,
        "payment-id": str(payment.payment_id),
        "entered-on": entered_on,
    }
    if payment.communication:
        meta["communication"] = payment.communication
    return data.Transaction(
        data.new_metadata("<ledgerline>", 0, meta),
        payment.paid_on,
        "*",
        counterparty.name if counterparty else payment.counterparty_number,
        payment.communication or "Payment",
        data.EMPTY_SET,
        data.EMPTY_SET,
        [
            _posting(
                collective,
                amount,
                payment.currency,
                document=document,
                counterparty=payment.counterparty_number,
            ),
            _posting(books.account_names[bank_code], -amount, payment.currency),
        ],
    )


def counterparty_directive(counterparty: Counterparty, day: date) -> data.Custom:
    meta: dict[str, object] = {"name": counterparty.name, "currency": counterparty.currency}
    if counterparty.vat_number:
        meta["vat"] = counterparty.vat_number
    if counterparty.ibans:
        meta["ibans"] = ",".join(counterparty.ibans)
    if counterparty.default_gl_account:
        meta["gl-account"] = counterparty.default_gl_account
    if counterparty.default_vat_code:
        meta["vat-code"] = counterparty.default_vat_code
    return data.Custom(
        data.new_metadata("<ledgerline>", 0, meta),
        day,
        COUNTERPARTY,
        [ValueType(counterparty.number, str), ValueType(counterparty.kind, str)],
    )
