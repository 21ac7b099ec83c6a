"""Dates: the issue date and the due date (labels, payment sentences, terms, letters)."""

import re
from datetime import date, timedelta
from typing import Final

from recognition.domain.air.core import (
    _PAYMENT_TERMS,
    Candidate,
    Document,
    _best,
    _unanimous,
)
from recognition.domain.amounts_dates import (
    find_dates,
)
from recognition.domain.labels import LabelHit

_PLACE_DATE: Final = re.compile(r"^[a-z][a-z' .-]{1,40},\s*(?:le\s*|den\s*)?\d")


_NUMBER_THEN_DATE: Final = re.compile(
    r"^[\s:#.]*\S*\d\S*\s+(?:von|vom|du|dated|of|from|van|d\.d\.|issued\s+(?:at|on))\s+(.+)$"
)


class DatesMixin:
    doc: Document

    # dates ---------------------------------------------------------------------------------

    def _dates(self, role: str) -> list[Candidate[date]]:
        candidates: list[Candidate[date]] = []
        for hit in self.doc.hits_for(role):
            if hit.cell.line_index in self.doc.table_lines:
                continue
            for text, position, cell in self.doc.value_sources(hit):
                dates = find_dates(text, month_first=self.doc.month_first)
                if dates:
                    score = hit.weight * position * (1.0 if hit.at_start else 0.9)
                    # At the start of its cell, or right after the invoice's number in a
                    # title ("Invoice # RE-1/507 issued at 2019-06-10").
                    after_number = self._follows_number(hit)
                    strong = (
                        hit.weight >= 0.65 and (hit.at_start or after_number) and position >= 0.8
                    )
                    candidates.append(Candidate(dates[0].value, 0.5 * score + 0.4, (cell,), strong))
                    break
        return candidates

    def _follows_number(self, hit: LabelHit) -> bool:
        hits = self.doc.hits_by_cell.get(hit.cell.index, [])
        before = [other for other in hits if other.end <= hit.start]
        return bool(before) and before[-1].role in ("invoice_number", "doc_title")

    def _dated_titles(self) -> list[Candidate[date]]:
        """ "Rechnung # RE-2017/506 von 18.11.2017", "Facture n°562044387 du 02 Juillet 2015",
        "Invoice 2025-17 dated 3 March 2025": the date joined to the invoice's number."""
        found: list[Candidate[date]] = []
        for hit in self.doc.hits_for("invoice_number", "doc_title"):
            if hit.cell.line_index in self.doc.table_lines or self.doc.names_other_document(hit):
                continue
            match = _NUMBER_THEN_DATE.match(hit.cell.folded[hit.end :])
            if match is None:
                continue
            dates = find_dates(match[1], month_first=self.doc.month_first)
            if dates and dates[0].start == 0:
                found.append(Candidate(dates[0].value, 0.9, (hit.cell,), True))
        return found

    def dates(self) -> tuple[Candidate[date] | None, Candidate[date] | None]:
        issue, due = self._issue_and_due()
        if (
            issue is not None
            and due is not None
            and due.value < issue.value
            and self.doc.date_order_open
            and not self.doc.month_first
        ):
            # Every numeric date reads either way and day first puts the due date before
            # the issue date: the document writes them month first (03/04 then 04/03).
            self.doc.month_first = True
            flipped_issue, flipped_due = self._issue_and_due()
            if (
                flipped_issue is not None
                and flipped_due is not None
                and flipped_due.value >= flipped_issue.value
            ):
                # Inferred from the order of two dates, not read: never booked unchecked.
                for candidate in (flipped_issue, flipped_due):
                    candidate.score = min(candidate.score, 0.85)
                    candidate.strong = False
                return flipped_issue, flipped_due
            self.doc.month_first = False
        return issue, due

    def _issue_and_due(self) -> tuple[Candidate[date] | None, Candidate[date] | None]:
        issue = self._dates("issue_date") + self._dated_titles()
        due = self._dates("due_date")
        strong_issue = [c for c in issue if c.score >= 0.8]
        if not strong_issue:
            # No "invoice date" label: the first date of the first page that is not labelled
            # as something else ("Antwerpen, 14 maart 2026" letters).
            # Dates labelled as something else are skipped by their cell, not their value: a
            # delivery date is often the invoice date too.
            taken = {c.value for c in due}
            other_cells = self._other_date_cells()
            for cell in self.doc.cells:
                if cell.page != 0 or cell.line_index in self.doc.table_lines:
                    continue
                if cell.index in other_cells:
                    continue
                found = [
                    d.value
                    for d in find_dates(cell.text, month_first=self.doc.month_first)
                    if d.value not in taken
                ]
                if found:
                    # "Gent, 13-09-2026": a letter's place and date, a firm convention.
                    dated_letter = _PLACE_DATE.match(cell.folded) is not None
                    issue.append(Candidate(found[0], 0.55, (cell,), dated_letter))
                    break
        best_issue = _unanimous(_best(issue), issue)
        best_due = _unanimous(_best(due), due)
        if best_due is None and best_issue is not None:
            days = self._payment_term_days()
            if days is not None:
                best_due = Candidate(best_issue.value + timedelta(days=days), 0.6)
        if best_issue and best_due:
            if best_due.value >= best_issue.value:
                best_due.score = min(1.0, best_due.score + 0.1)
                best_issue.score = min(1.0, best_issue.score + 0.05)
            else:
                best_due.score *= 0.6
        return best_issue, best_due

    def _other_date_cells(self) -> set[int]:
        cells: set[int] = set()
        for hit in self.doc.hits_for("other_date"):
            cells.add(hit.cell.index)
            for _, _, cell in self.doc.value_sources(hit):
                cells.add(cell.index)
        return cells

    def _other_dates(self) -> set[date]:
        found: set[date] = set()
        for hit in self.doc.hits_for("other_date"):
            for text, _, _ in self.doc.value_sources(hit):
                found.update(d.value for d in find_dates(text, month_first=self.doc.month_first))
        return found

    def _payment_term_days(self) -> int | None:
        for line in self.doc.lines:
            if re.search(
                r"betal|paiement|payment|payable|zahl|terms|termijn|conditions", line.folded
            ):
                match = _PAYMENT_TERMS.search(line.folded)
                if match:
                    days = int(match[1] or match[2])
                    if 0 < days <= 120:
                        return days
        return None
