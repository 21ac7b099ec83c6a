"""What the office reads from a dossier's Beancount ledger beside its books: open items and
their histories, turnover per counterparty and period, financial transactions, ledger
movements and account totals. Pure: entries in, contract models out; sums over postings,
nothing stored beside the ledger (see `books` for how the ledger is modelled)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from beancount.core import convert, data

from sync.connectors.beancount_ledger.books import Books, meta_text, transactions
from sync.connectors.contract import (
    AccountTotal,
    CounterpartyTurnover,
    FinancialTransaction,
    ItemHistory,
    LedgerMovement,
    OpenItem,
    OpenItemMovement,
)


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
                invoice_number=meta_text(meta, "invoice-number"),
                invoice_date=meta["invoice-date"],
                due_date=meta.get("due-date"),
                currency=posting.units.currency,
                amount=sign * posting.units.number,
                # Nothing paid is 0, never -0 (a customer's item negated).
                amount_paid=-sign * movements.get(document, Decimal(0)) or Decimal(0),
                structured_communication=meta_text(meta, "communication"),
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
                counterparty_number=meta_text(entry.meta, "counterparty"),
                amount=sum((p.units.number for p in bank_postings), Decimal(0)),
                currency=bank_postings[0].units.currency,
                communication=meta_text(entry.meta, "communication") or entry.narration or None,
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
