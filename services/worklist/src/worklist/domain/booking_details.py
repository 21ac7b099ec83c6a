"""Booking details: the journal and booking period a proposal is proposed in.

Journal: the dossier's journal of the mailbox's type (purchase, sales, misc); for a credit note
its credit-note-only journal where the dossier has one, for an invoice a journal that is not
credit-note-only; for an invoice in a foreign currency, a journal that allows foreign currency
first (the invoice stays in its currency, booked at the day's rate the office gives); journals
of the platform first. Without synced journals, the seeds' defaults.
A journal the client chose (mailed to the journal's own address, carried by the document's
events) comes before all that, where it is a journal of the dossier of the mailbox's type that
fits the document (not a credit-note-only journal for an invoice, not an invoice journal for a
credit note where the dossier has a credit-note journal of that type).

Period: among the journal's open periods (from its first period on), the one holding the invoice
date; else the open period nearest to it (the warnings then say the date is outside). Without
synced periods, the invoice date's month."""

from datetime import date

from ledgerline.events import BookingPeriod, Journal

from worklist.domain.ledger import LedgerData

# The seeds' default journals, for a dossier whose ledger was not synchronised yet.
DEFAULT_JOURNALS = {
    ("purchase", "invoice"): "CFAAN",
    ("purchase", "credit_note"): "CFCNAK",
    ("sales", "invoice"): "CFVER",
    ("sales", "credit_note"): "CFCNVK",
}
MISC_JOURNAL = "DIV"
JOURNAL_TYPE = {"purchase": "purchase", "sales": "sales", "misc": "misc"}


def choose_journal(
    ledger: LedgerData,
    mailbox: str,
    document_type: str | None,
    currency: str | None = None,
    preferred: str | None = None,
) -> str:
    credit_note = document_type == "credit_note"
    foreign = currency is not None and currency != "EUR"
    of_type = [j for j in ledger.journals if j.type == JOURNAL_TYPE.get(mailbox, "misc")]
    chosen = next((j for j in of_type if j.code == preferred), None)
    if chosen is not None and (
        chosen.credit_note_only == credit_note
        or (credit_note and not any(j.credit_note_only for j in of_type))
    ):
        return chosen.code
    if of_type:
        fitting = [j for j in of_type if j.credit_note_only == credit_note] or [
            j for j in of_type if not j.credit_note_only
        ]
        if fitting:
            return sorted(
                fitting,
                key=lambda j: (foreign and not j.foreign_currency_allowed, not j.platform, j.code),
            )[0].code
    return DEFAULT_JOURNALS.get((mailbox, document_type or "invoice"), MISC_JOURNAL)


def open_periods(ledger: LedgerData, journal: Journal | None) -> list[BookingPeriod]:
    first = journal.first_period if journal else None
    return sorted(
        (p for p in ledger.periods if p.status == "open" and (first is None or p.code >= first)),
        key=lambda p: p.start,
    )


def _distance(period: BookingPeriod, day: date) -> int:
    if day < period.start:
        return (period.start - day).days
    if day > period.end:
        return (day - period.end).days
    return 0


def choose_period(ledger: LedgerData, journal_code: str, invoice_date: date | None) -> str | None:
    if not ledger.periods:
        return invoice_date.strftime("%Y-%m") if invoice_date else None
    candidates = open_periods(ledger, ledger.journal(journal_code))
    if not candidates:
        return None
    if invoice_date is None:
        return candidates[-1].code
    return min(candidates, key=lambda p: (_distance(p, invoice_date), p.start)).code
