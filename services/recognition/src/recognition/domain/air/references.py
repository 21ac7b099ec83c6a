"""References: the BIC and the payment reference (structured OGM / RF, or after a label)."""

import re
from typing import Final

from recognition.domain.air.core import (
    Candidate,
    Document,
    _best,
)
from recognition.domain.amounts_dates import (
    find_amounts,
    find_dates,
)
from recognition.domain.identifiers import (
    bic_of_iban,
    find_bics,
    find_ibans,
    find_payment_references,
)

_FREE_REFERENCE: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9/._-]*\d[A-Za-z0-9/._-]*")


def _free_reference(text: str) -> str | None:
    """The reference in the text after a payment-reference label: the whole text when it is
    a short code ("KD-4711 RE 2024/118"), else its first token with a digit."""
    stripped = text.strip(" :.;,")
    words = stripped.split()
    if not stripped or find_ibans(stripped) or find_dates(stripped):
        return None
    if any(amount.decimals == 2 for amount in find_amounts(stripped)):
        return None  # an amount, not a reference
    if len(stripped) <= 30 and len(words) <= 3 and any(ch.isdigit() for ch in stripped):
        return stripped
    match = _FREE_REFERENCE.search(stripped)
    return match[0].strip("._-") if match and len(match[0]) >= 4 else None


class ReferencesMixin:
    doc: Document

    def payment(
        self, supplier_iban: Candidate[str] | None
    ) -> tuple[Candidate[str] | None, Candidate[str] | None]:
        """BIC (printed next to a BIC/SWIFT label, else the IBAN's bank) and payment reference."""
        bic_candidates: list[Candidate[str]] = []
        for hit in self.doc.hits_for("bic"):
            for text, position, cell in self.doc.value_sources(hit, below=True):
                bics = find_bics(text)
                if bics:
                    bic_candidates.append(Candidate(bics[0].value, 0.6 + 0.3 * position, (cell,)))
                    break
        derived = bic_of_iban(supplier_iban.value) if supplier_iban else None
        for candidate in bic_candidates:
            if derived and candidate.value[:8] == derived[:8]:
                candidate.score = min(1.0, candidate.score + 0.1)
        bic = _best(bic_candidates)
        if bic is None and derived is not None:
            bic = Candidate(derived, 0.75)

        references: list[Candidate[str]] = []
        labelled = {hit.cell.index for hit in self.doc.hits_for("payment_ref", "reference")}
        for line in self.doc.lines:
            near_label = any(cell.index in labelled for cell in line.cells)
            text = line.text
            # A reference wrapped at the end of a sentence continues on the next line.
            following = self.doc.next_line_start(line.cells[-1])
            joined = f"{text} {following.text}" if following is not None else text
            for item in find_payment_references(joined, allow_bare_ogm=near_label):
                if item.start >= len(text):
                    continue
                references.append(
                    Candidate(item.value, 0.85 + (0.1 if near_label else 0), (line.cells[0],))
                )
        if not references:
            references = self._free_payment_references()
        return bic, _best(references)

    def _free_payment_references(self) -> list[Candidate[str]]:
        """A reference without check digits, printed after an explicit payment-reference
        label ("Zahlungsreferenz: 2024-118", "Verwendungszweck: KD 4711", "Mededeling:
        F26/118", "Référence de paiement : ..."): read as printed, at a lower confidence
        than a structured (OGM / RF) one."""
        found: list[Candidate[str]] = []
        for hit in self.doc.hits_for("payment_ref"):
            for text, position, cell in self.doc.value_sources(hit):
                value = _free_reference(text)
                if value is not None:
                    found.append(Candidate(value, 0.6 + 0.2 * position, (cell,)))
                    break
        return found
