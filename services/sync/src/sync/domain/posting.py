"""A validated proposal (`proposal.validated.v1`) as the booking a connector posts.

Pure: what the proposal leaves open is taken from the dossier's ledger data (the connector's
snapshot), and what cannot be decided refuses the booking with a reason the worklist shows.

Decisions (docs/connectors.md, "Posting"):
- no journal: the dossier's purchase journal of the platform (its credit-note journal for a
  credit note); a journal code the dossier does not know is refused by the connector;
- no period: the booking period of the invoice date;
- no counterparty number: the counterparty of the journal's kind with the proposal's VAT number;
  none, and the proposal says the counterparty is new: created with the next number of its kind
  (`L0012` -> `L0013`), the proposal's name and VAT number, the first line's GL account and VAT
  code as its defaults;
- no detail lines: booked "without detail" on the dossier's suspense account (999999): one line
  for the total excluding VAT and, when there is VAT, one for the VAT, so that the counterparty
  is owed the invoice's total and the office completes the booking in the package;
- a credit note is sent with positive amounts and `credit_note` (the connector reverses them).
"""

import re
from decimal import Decimal

from ledgerline.events import ProposalValidated

from sync.connectors.contract import (
    BookingHeader,
    BookingLine,
    BookingToPost,
    Counterparty,
    Journal,
    LedgerSnapshot,
    NewCounterparty,
    VatLine,
)


class ProposalNotPostable(Exception):
    """The proposal lacks what the booking needs; `reason` says what."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _compact_vat(vat: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", vat.upper())


def choose_journal(proposal: ProposalValidated, snapshot: LedgerSnapshot) -> Journal:
    credit_note = proposal.document_type == "credit_note"
    journals = {journal.code: journal for journal in snapshot.journals}
    if proposal.journal:
        journal = journals.get(proposal.journal)
        if journal is None:
            raise ProposalNotPostable(f"journal {proposal.journal} is unknown to the dossier")
        return journal
    candidates = [
        journal
        for journal in snapshot.journals
        if journal.platform
        and journal.type == "purchase"
        and journal.credit_note_only == credit_note
    ]
    if not candidates:
        raise ProposalNotPostable("the dossier has no purchase journal of the platform")
    return candidates[0]


def find_counterparty(
    proposal: ProposalValidated, snapshot: LedgerSnapshot, journal: Journal
) -> Counterparty | None:
    """The dossier's counterparty of the proposal; None when the proposal says it is new and
    the books have none with its VAT number (the caller creates it)."""
    by_number = {party.number: party for party in snapshot.counterparties}
    if proposal.counterparty_number:
        party = by_number.get(proposal.counterparty_number)
        if party is None:
            raise ProposalNotPostable(
                f"counterparty {proposal.counterparty_number} is unknown to the dossier"
            )
        return party
    kind = counterparty_kind(journal)
    if proposal.counterparty_vat:
        wanted = _compact_vat(proposal.counterparty_vat)
        for party in snapshot.counterparties:
            if party.kind == kind and party.vat_number and _compact_vat(party.vat_number) == wanted:
                return party
    if proposal.new_counterparty and proposal.counterparty_name:
        return None
    raise ProposalNotPostable(
        f"no {kind} of the dossier has the VAT number {proposal.counterparty_vat or '(none)'}"
        + (f" ({proposal.counterparty_name})" if proposal.counterparty_name else "")
        + "; send the counterparty's number"
    )


def counterparty_kind(journal: Journal) -> str:
    return "customer" if journal.type == "sales" else "supplier"


def next_counterparty_number(snapshot: LedgerSnapshot, kind: str) -> str:
    """The number after the highest of the kind's numbers that end in digits, keeping their
    prefix and width (`L0012` -> `L0013`); `S0001` / `C0001` for the first of its kind."""
    numbered = [
        match
        for party in snapshot.counterparties
        if party.kind == kind and (match := re.fullmatch(r"(.*?)(\d+)", party.number))
    ]
    if not numbered:
        return ("S" if kind == "supplier" else "C") + "0001"
    prefix, digits = max(numbered, key=lambda match: int(match.group(2))).groups()
    taken = {party.number for party in snapshot.counterparties}
    candidate = int(digits) + 1
    while f"{prefix}{candidate:0{len(digits)}d}" in taken:
        candidate += 1
    return f"{prefix}{candidate:0{len(digits)}d}"


def suspense_account(snapshot: LedgerSnapshot) -> str:
    for account in snapshot.gl_accounts:
        if account.suspense and account.active:
            return account.code
    raise ProposalNotPostable("the dossier has no suspense account for a booking without detail")


def booking_from_proposal(proposal: ProposalValidated, snapshot: LedgerSnapshot) -> BookingToPost:
    if proposal.invoice_date is None:
        raise ProposalNotPostable("the proposal has no invoice date")
    journal = choose_journal(proposal, snapshot)
    counterparty = find_counterparty(proposal, snapshot, journal)
    new_counterparty = None
    if counterparty is None:
        assert proposal.counterparty_name is not None  # find_counterparty's condition
        first_line = proposal.lines[0] if proposal.lines else None
        new_counterparty = NewCounterparty(
            name=proposal.counterparty_name,
            vat_number=proposal.counterparty_vat,
            currency=proposal.currency,
            default_gl_account=first_line.gl_account if first_line else None,
            default_vat_code=first_line.vat_code if first_line else None,
        )
    counterparty_number = (
        counterparty.number
        if counterparty is not None
        else next_counterparty_number(snapshot, counterparty_kind(journal))
    )
    credit_note = proposal.document_type == "credit_note"

    def amount(value: Decimal) -> Decimal:
        # Credit notes may arrive with negative totals; the connector wants them positive.
        return abs(value) if credit_note else value

    if proposal.lines:
        lines = tuple(
            BookingLine(
                gl_account=line.gl_account,
                amount_excl_vat=amount(line.amount_excl_vat),
                vat_code=line.vat_code,
                vat_amount=amount(line.vat_amount),
                description=line.description,
            )
            for line in proposal.lines
        )
    else:
        suspense = suspense_account(snapshot)
        lines = (
            BookingLine(
                gl_account=suspense,
                amount_excl_vat=amount(proposal.total_excl_vat),
                description="without detail",
            ),
        )
        if proposal.total_vat:
            lines += (
                BookingLine(
                    gl_account=suspense,
                    amount_excl_vat=amount(proposal.total_vat),
                    description="VAT without detail",
                ),
            )
    return BookingToPost(
        proposal_id=proposal.proposal_id,
        document_id=proposal.document_id,
        header=BookingHeader(
            journal=journal.code,
            period=proposal.period or proposal.invoice_date.strftime("%Y-%m"),
            counterparty_number=counterparty_number,
            new_counterparty=new_counterparty,
            invoice_number=proposal.invoice_number,
            invoice_date=proposal.invoice_date,
            due_date=proposal.due_date,
            currency=proposal.currency,
            exchange_rate=proposal.exchange_rate,
            total_excl_vat=amount(proposal.total_excl_vat),
            total_vat=amount(proposal.total_vat),
            total_incl_vat=amount(proposal.total_incl_vat),
            structured_communication=proposal.structured_communication,
            credit_note=credit_note,
        ),
        lines=lines,
        vat_lines=tuple(
            VatLine(
                vat_code=line.vat_code, base=amount(line.base), vat_amount=amount(line.vat_amount)
            )
            for line in proposal.vat_lines
        ),
        validated_by=proposal.validated_by,
    )
