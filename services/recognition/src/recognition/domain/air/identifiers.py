"""Identifiers: document type, invoice number, VAT numbers, IBANs and currency."""

import re
from typing import Final

from ledgerline.events.invoice import (
    DocumentType,
)

from recognition.domain.air.core import (
    _VAT_LABEL_ROLES,
    EURO_COUNTRIES,
    Candidate,
    Document,
    _best,
    _unanimous,
)
from recognition.domain.amounts_dates import (
    CURRENCY_CODES,
    find_amounts,
    find_dates,
)
from recognition.domain.identifiers import (
    Found,
    find_ibans,
    find_vat_numbers,
)
from recognition.domain.labels import (
    is_credit_word,
)
from recognition.domain.layout import Cell

_SUBJECT: Final = re.compile(r"^\s*(?:betreft|objet|subject|concerne|betreff|re)\s*:\s*$")


_IBAN_START: Final = re.compile(r"^[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,}$")


class IdentifiersMixin:
    doc: Document

    # document type -------------------------------------------------------------------------

    def document_type(self) -> Candidate[DocumentType] | None:
        candidates: list[Candidate[DocumentType]] = []
        first_page_height = self.doc.pages[0].height if self.doc.pages else 842.0
        max_size = max((cell.size for cell in self.doc.cells if cell.page == 0), default=1.0)
        for hit in self.doc.hits_for("doc_title", "invoice_number", "issue_date", "subject"):
            label = hit.cell.folded[hit.start : hit.end]
            text = label if hit.role != "subject" else hit.cell.folded
            credit = is_credit_word(text)
            invoice = bool(re.search(r"factu|invoice|rechnung", text))
            if not (credit or invoice):
                continue
            prominence = 0.55 + 0.25 * (hit.cell.size / max_size)
            if hit.cell.page == 0 and hit.cell.top < 0.45 * first_page_height:
                prominence += 0.15
            candidates.append(
                Candidate("credit_note" if credit else "invoice", min(prominence, 1.0), (hit.cell,))
            )
        if not candidates:
            return None
        # A credit-note title anywhere prominent decides: invoices rarely say "credit note"
        # in their header, credit notes often also say "factuur" (e.g. "creditfactuur").
        credit = [c for c in candidates if c.value == "credit_note" and c.score >= 0.7]
        return _best(credit) if credit else _best(candidates)

    # invoice number ------------------------------------------------------------------------

    def _number_token(self, text: str) -> str | None:
        text = re.sub(r"^(?:n[o°º]|nr|no|#)\.?\s*[:.]?\s*", "", text.strip(), flags=re.I)
        tokens = text.split()
        if not tokens:
            return None
        # A sentence or OCR speck may end the number with a period: "... nr. 2026-17."
        token = tokens[0].strip(":;,").rstrip(".")
        if (
            len(tokens) > 1
            and token.isalpha()
            and len(token) <= 4
            and token.isupper()
            and any(ch.isdigit() for ch in tokens[1])
        ):
            token = f"{token} {tokens[1]}"
        if not any(ch.isdigit() for ch in token) or not 1 <= len(token) <= 30:
            return None
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9/._\- ]*", token):
            return None
        if find_dates(token) or find_vat_numbers(token) or find_ibans(token):
            return None
        amounts = find_amounts(token)
        if amounts and amounts[0].decimals == 2 and len(amounts[0].value.as_tuple().digits) > 2:
            return None
        return token

    def invoice_number(self) -> Candidate[str] | None:
        candidates: list[Candidate[str]] = []
        for hit in self.doc.hits_for("invoice_number", "doc_title"):
            if hit.cell.line_index in self.doc.table_lines or self.doc.names_other_document(hit):
                continue
            if hit.role == "invoice_number":
                sources = self.doc.value_sources(hit)
            elif hit.owns_cell and self._in_header_row(hit.cell):
                # "Klant | Order | Factuurdatum | Factuur | Vervaldatum" over their values:
                # a title word heading a column holds the number under it.
                under = self.doc.below(hit.cell)
                sources = [(under.text, 0.8, under)] if under is not None else []
            else:
                sources = [(hit.inline, 1.0, hit.cell)]
            for text, position, cell in sources:
                token = self._number_token(text)
                if token is None:
                    continue
                score = hit.weight * position * (1.0 if hit.at_start else 0.85)
                # An explicit number label, or a title with the number after it ("Facture
                # FA-2017-0010", "Rechnung # RE-1/2"), opening its cell.
                opens = hit.at_start or _SUBJECT.match(hit.cell.folded[: hit.start]) is not None
                strong = opens and (
                    (hit.role == "invoice_number" and hit.weight >= 1.0 and position >= 0.8)
                    # a bare "Nummer" / "No." label with its value beside it
                    or (hit.role == "invoice_number" and hit.weight >= 0.6 and position >= 0.95)
                    or (hit.role == "doc_title" and any(ch.isdigit() for ch in token))
                )
                candidates.append(Candidate(token, 0.55 * score + 0.35, (cell,), strong))
                break
        return _unanimous(_best(candidates), candidates)

    # identifiers ---------------------------------------------------------------------------

    def _vat_numbers(self) -> list[tuple[Found, Cell, bool]]:
        """Every valid VAT number, its cell and whether a VAT label stands next to it."""
        found: list[tuple[Found, Cell, bool]] = []
        labelled_cells: set[int] = set()
        for hit in self.doc.hits:
            if hit.role in _VAT_LABEL_ROLES:
                labelled_cells.add(hit.cell.index)
                right = self.doc.right_of(hit.cell, max_gap=120)
                if right is not None and hit.is_last:
                    labelled_cells.add(right.index)
        for cell in self.doc.cells:
            labelled = cell.index in labelled_cells
            for item in find_vat_numbers(cell.text, allow_bare_belgian=labelled):
                found.append((item, cell, labelled))
        return found

    def _customer_vat_labelled(self) -> list[Candidate[str]]:
        result = []
        for hit in self.doc.hits_for("customer_vat"):
            for text, position, cell in self.doc.value_sources(hit):
                numbers = find_vat_numbers(text, allow_bare_belgian=True)
                if numbers:
                    result.append(Candidate(numbers[0].value, 0.6 + 0.35 * position, (cell,)))
                    break
        return result

    def _labelled_cells(self, *roles: str) -> set[int]:
        """Cells carrying a label of one of `roles` and the value cells to their right."""
        cells: set[int] = set()
        for hit in self.doc.hits_for(*roles):
            cells.add(hit.cell.index)
            if hit.is_last and (right := self.doc.right_of(hit.cell)) is not None:
                cells.add(right.index)
        return cells

    def ibans(self) -> list[tuple[Found, Cell, bool]]:
        labelled = {hit.cell.index for hit in self.doc.hits_for("iban")}
        result = []
        for cell in self.doc.cells:
            for item in find_ibans(cell.text) or self._wrapped_iban(cell):
                left = self.doc.lines[cell.line_index].cells
                near_label = cell.index in labelled or any(
                    c.index in labelled and c.x1 <= cell.x0 for c in left
                )
                result.append((item, cell, near_label))
        return result

    def _in_header_row(self, cell: Cell) -> bool:
        """The cell is one of three or more labels side by side on one line."""
        line = self.doc.lines[cell.line_index]
        labelled = [
            c
            for c in line.cells
            if any(hit.owns_cell for hit in self.doc.hits_by_cell.get(c.index, []))
        ]
        return len(line.cells) >= 3 and len(labelled) >= 3 and cell in labelled

    def _wrapped_iban(self, cell: Cell) -> list[Found]:
        """An IBAN wrapped in a narrow table cell ("DE67 1004 8392 7221" over "8882 72"):
        the cell opens like an IBAN and the cell under it completes the checksum."""
        if not _IBAN_START.match(cell.text.strip()):
            return []
        under = self.doc.below(cell)
        if under is None or len(under.text) > 20:
            return []
        return [
            Found(item.value, item.start, item.end)
            for item in find_ibans(f"{cell.text.strip()} {under.text.strip()}")
            if item.start == 0
        ]

    # currency ------------------------------------------------------------------------------

    def currency(self, country_hints: list[str]) -> Candidate[str] | None:
        counts: dict[str, float] = {}
        for hit in self.doc.hits_for("currency"):
            for text, _, _ in self.doc.value_sources(hit):
                code = re.search(r"\b([A-Z]{3})\b", text.upper())
                if code and code[1] in CURRENCY_CODES:
                    counts[code[1]] = counts.get(code[1], 0) + 5
                    break
        for cell in self.doc.cells:
            for amount in find_amounts(cell.text):
                if amount.currency:
                    counts[amount.currency] = counts.get(amount.currency, 0) + 1
            for code in re.findall(r"(?<![A-Z])([A-Z]{3})(?![A-Z])", cell.text):
                if code in CURRENCY_CODES:
                    counts[code] = counts.get(code, 0) + 0.5
            if "€" in cell.text:
                counts["EUR"] = counts.get("EUR", 0) + 0.5
        if counts:
            code = max(counts, key=lambda k: counts[k])
            share = counts[code] / sum(counts.values())
            return Candidate(code, min(1.0, 0.6 + 0.4 * share))
        if any(country in EURO_COUNTRIES for country in country_hints):
            # Belgian invoices often print amounts without a currency: in the euro area the
            # amounts are euros unless stated otherwise.
            return Candidate("EUR", 0.6)
        return None
