"""Invoice fields from positioned words, without per-supplier templates ("AIR").

The same code reads the text layer of a PDF and the words Tesseract found on a scan. It works
in three steps:

1. Structure: words become lines and cells (`layout`), labels are recognised in every cell
   (`labels`), cells that sit under each other with the same alignment form blocks (an
   address, a list of payment details), and the items table is located (`items`).
2. Candidates: every label proposes values from the text after it, the cell to its right or
   the cell under it; identifiers are also found by pattern anywhere (VAT numbers, IBANs,
   payment references carry check digits, so a pattern match is already strong evidence).
3. Decisions: each field takes its best candidate, scored by how it was found (an explicit
   "Factuurnummer" beats a generic "Nr", a value to the right beats one below), whether the
   value is well-formed, and whether it agrees with the others. For the totals the agreement
   is arithmetic: excl. + VAT = incl., VAT = sum of rate x base, the lines add up to the
   total excl. VAT; the combination that satisfies most of these wins.

Each field family finds and scores its candidates in its own module of `recognition.domain.air`
(parties, identifiers, dates, amounts and VAT, references) around a shared core; this module
assembles them (the supplier's VAT number and IBAN are the ones not in the customer's block)
and calibrates the confidences (`_calibrate`): a value reaches 0.92 only on strong evidence
that agrees with the other fields (an explicit label, unanimous candidates, totals that add
up, two kinds of supplier evidence naming the same name). Each confidence is lowered by the
OCR confidence of the words it was read from.
"""

from collections.abc import Collection
from typing import Any, Final

from ledgerline.events.invoice import (
    InvoiceData,
    InvoiceFields,
    Party,
    VatBreakdown,
)

from recognition.domain.air.amounts import AmountsMixin
from recognition.domain.air.core import (
    EURO_COUNTRIES,
    Candidate,
    Document,
    Extraction,
    _best,
    _ocr_factor,
)
from recognition.domain.air.dates import DatesMixin
from recognition.domain.air.identifiers import IdentifiersMixin
from recognition.domain.air.parties import PartiesMixin
from recognition.domain.air.references import ReferencesMixin
from recognition.domain.layout import Cell, Line, Page

__all__ = ["EURO_COUNTRIES", "Extraction", "extract_invoice"]


class _Extractor(PartiesMixin, IdentifiersMixin, DatesMixin, AmountsMixin, ReferencesMixin):
    """Every field family, assembled by `run`."""

    def __init__(self, document: Document, own_vat_numbers: frozenset[str] = frozenset()) -> None:
        self.doc = document
        self.confidence: dict[str, float] = {}
        self.own_vat_numbers = own_vat_numbers
        self.own_party_cells: set[int] = set()

    # assembly ------------------------------------------------------------------------------

    def run(self) -> Extraction:
        doc_type = self.document_type()
        credit = doc_type is not None and doc_type.value == "credit_note"
        self.doc.credit_note = credit
        items = self.items(credit)
        number = self.invoice_number()
        issue, due = self.dates()
        vat_numbers = self._vat_numbers()
        # The dossier's own VAT number printed on the page is the buyer's (the document was
        # received for the dossier): its block is the customer's, never the seller's.
        own = [
            (item, cell)
            for item, cell, _ in vat_numbers
            if _compact(item.value) in self.own_vat_numbers
        ]
        for _, cell in own:
            block = self.doc.blocks[self.doc.block_of[cell.index]]
            self.own_party_cells |= {member.index for member in block}
        supplier, customer, customer_ids = self.supplier_and_customer_names()
        customer_ids = self._region(customer_ids | self.own_party_cells)

        customer_vat = _best(
            [Candidate(item.value, 0.97, (cell,), strong=True) for item, cell in own]
            or [
                Candidate(item.value, 0.85, (cell,))
                for item, cell, _ in vat_numbers
                if cell.index in customer_ids
            ]
            + self._customer_vat_labelled()
        )
        supplier_vats = [
            Candidate(
                item.value,
                0.75 + (0.15 if labelled else 0) + (0.05 if cell.page == 0 else 0),
                (cell,),
            )
            for item, cell, labelled in vat_numbers
            if cell.index not in customer_ids
            and (customer_vat is None or item.value != customer_vat.value)
            and _compact(item.value) not in self.own_vat_numbers
        ]
        if supplier is not None and supplier.cells:
            supplier_block = self.doc.block_of[supplier.cells[0].index]
            for candidate in supplier_vats:
                if self.doc.block_of[candidate.cells[0].index] == supplier_block:
                    candidate.score = min(1.0, candidate.score + 0.1)
        supplier_vat = _best(supplier_vats)

        customer_accounts = self._labelled_cells("customer_iban")
        ibans = [
            Candidate(item.value, 0.8 + (0.15 if labelled else 0), (cell,))
            for item, cell, labelled in self.ibans()
            if cell.index not in customer_ids and cell.index not in customer_accounts
        ]
        iban = _best(ibans)
        bic, reference = self.payment(iban)

        breakdown_rows = self.vat_breakdown()
        breakdown = [row for row, _ in breakdown_rows]
        totals = self.totals(items, breakdown)
        if not breakdown:
            breakdown = self._single_rate_breakdown(totals)
        if credit:
            breakdown = [
                VatBreakdown(
                    category=b.category,
                    rate=b.rate,
                    taxable_amount=abs(b.taxable_amount),
                    vat_amount=abs(b.vat_amount),
                )
                for b in breakdown
            ]

        hints = [v.value[:2] for v in (supplier_vat, iban) if v is not None]
        currency = self.currency(hints)

        if doc_type is None and (number is not None or totals["total_incl_vat"] is not None):
            doc_type = Candidate("invoice", 0.5)

        chosen: dict[str, Candidate[Any] | None] = {
            "document_type": doc_type,
            "supplier_name": supplier,
            "supplier_vat": supplier_vat,
            "customer_name": customer,
            "customer_vat": customer_vat,
            "invoice_number": number,
            "issue_date": issue,
            "due_date": due,
            "currency": currency,
            "total_excl_vat": totals["total_excl_vat"],
            "total_vat": totals["total_vat"],
            "total_incl_vat": totals["total_incl_vat"],
            "iban": iban,
            "bic": bic,
            "payment_reference": reference,
        }
        _calibrate(chosen, hints)
        confidences = {
            name: (
                round(min(1.0, candidate.score) * _ocr_factor(candidate.cells), 3)
                if candidate is not None
                else 0.0
            )
            for name, candidate in chosen.items()
        }
        values = {name: (c.value if c is not None else None) for name, c in chosen.items()}
        fields = InvoiceFields(**values)
        supplier_party = (
            Party(name=fields.supplier_name, vat=fields.supplier_vat)
            if fields.supplier_name or fields.supplier_vat
            else None
        )
        customer_party = (
            Party(name=fields.customer_name, vat=fields.customer_vat)
            if fields.customer_name or fields.customer_vat
            else None
        )
        invoice = InvoiceData(
            fields=fields,
            supplier=supplier_party,
            customer=customer_party,
            lines=tuple(items),
            vat_breakdown=tuple(breakdown),
            amount_due=None,
        )
        return Extraction(invoice=invoice, confidences=confidences)


_STRONG: Final = 0.92
"""Confidence of a value backed by strong, consistent evidence (see `_calibrate`); on the
real development set such values were right in 98 % or more of cases."""


def _calibrate(chosen: dict[str, Candidate[Any] | None], country_hints: list[str]) -> None:
    """Raise to `_STRONG` the confidence of values whose evidence is strong and consistent
    with the other fields; everything else keeps its (lower) score and goes to review."""

    def lift(name: str) -> None:
        candidate = chosen[name]
        if candidate is not None:
            candidate.score = max(candidate.score, _STRONG)

    issue, due = chosen["issue_date"], chosen["due_date"]
    dates_agree = issue is None or due is None or due.value >= issue.value
    number = chosen["invoice_number"]
    if number is not None and number.strong:
        lift("invoice_number")
    if issue is not None and issue.strong and dates_agree:
        lift("issue_date")
    if due is not None and due.strong and issue is not None and dates_agree:
        lift("due_date")
    supplier = chosen["supplier_name"]
    if supplier is not None and supplier.strong:
        lift("supplier_name")
    currency = chosen["currency"]
    if (
        currency is not None
        and currency.value == "EUR"
        and len(country_hints) == 2
        and all(country in EURO_COUNTRIES for country in country_hints)
    ):
        lift("currency")  # a euro-area seller paid to a euro-area account


def _compact(vat_number: str) -> str:
    return "".join(ch for ch in vat_number if ch.isalnum()).upper()


def extract_invoice(
    pages: list[Page],
    lines: list[Line],
    cells: list[Cell],
    own_vat_numbers: Collection[str] = (),
) -> Extraction:
    """Invoice fields and per-field confidences from the page structure. `own_vat_numbers`
    are the VAT numbers of the dossier the document belongs to (the buyer's), if known."""
    own = frozenset(_compact(number) for number in own_vat_numbers)
    return _Extractor(Document(pages, lines, cells), own).run()
