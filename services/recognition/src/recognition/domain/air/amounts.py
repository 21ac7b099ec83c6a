"""Amounts and VAT: the totals (scored jointly), the VAT breakdown per rate, the item lines."""

from collections.abc import Callable
from decimal import Decimal
from itertools import product

from ledgerline.events.invoice import (
    InvoiceLine,
    VatBreakdown,
)

from recognition.domain.air.core import (
    _CENT,
    _DERIVED,
    _MAX_VAT_RATE,
    _TOTAL_ROLES,
    Candidate,
    Document,
)
from recognition.domain.amounts_dates import (
    find_amounts,
    find_percentages,
)
from recognition.domain.identifiers import (
    find_vat_numbers,
)
from recognition.domain.items import find_items
from recognition.domain.layout import Cell


class AmountsMixin:
    doc: Document

    # totals --------------------------------------------------------------------------------

    def vat_breakdown(self) -> list[tuple[VatBreakdown, Cell]]:
        """Lines that state a VAT rate, a base and the VAT on it (base x rate = VAT)."""
        rows: list[tuple[VatBreakdown, Cell]] = []
        seen: set[tuple[Decimal, Decimal, Decimal]] = set()
        for line in self.doc.lines:
            if line.index in self.doc.table_lines:
                continue
            percentages = find_percentages(line.text)
            if not percentages:
                continue
            rate = percentages[0].value
            amounts = [a.value for a in find_amounts(line.text[percentages[0].end :])]
            amounts += [a.value for a in find_amounts(line.text[: percentages[0].start])]
            match = None
            for base, vat in product(amounts, amounts):
                if base == vat and rate != 0:
                    continue
                if abs(base) < abs(vat):
                    continue
                expected = (base * rate / 100).quantize(_CENT)
                if abs(expected - vat) <= _CENT and (rate != 0 or vat == 0):
                    match = (base, vat)
                    break
            if match is None:
                continue
            key = (rate, match[0], match[1])
            if key in seen:
                continue
            seen.add(key)
            rows.append(
                (
                    VatBreakdown(
                        category="S" if rate else None,
                        rate=rate,
                        taxable_amount=match[0],
                        vat_amount=match[1],
                    ),
                    line.cells[0],
                )
            )
        return rows

    def totals(
        self, items: list[InvoiceLine], breakdown: list[VatBreakdown]
    ) -> dict[str, Candidate[Decimal] | None]:
        pools: dict[str, list[Candidate[Decimal]]] = {"excl": [], "vat": [], "incl": []}
        for hit in self.doc.hits_for(*_TOTAL_ROLES):
            if hit.cell.line_index in self.doc.table_lines:
                continue
            amounts = self.doc.segment_amounts(hit)
            if not amounts:
                continue
            amount, position, cell = amounts[-1]
            quality = hit.weight * position * (1.0 if amount.decimals == 2 else 0.7)
            quality *= 1.0 if hit.at_start else 0.8
            if hit.role == "vat" and find_vat_numbers(hit.cell.text):
                continue
            role = {"total_excl": "excl", "total_vat": "vat", "vat": "vat"}.get(hit.role, "incl")
            if hit.role == "amount_due":
                quality *= 0.95
            if hit.role == "vat":
                quality *= 0.9
            pools[role].append(Candidate(amount.value, quality, (cell,)))
        rate_lines = self._vat_rate_lines()
        if len(rate_lines) >= 2:
            # "BTW 21% ... 210,00" and "BTW 6% ... 12,00" without a total VAT line.
            pools["vat"].append(
                Candidate(sum((c.value for c in rate_lines.values()), Decimal(0)), 0.8)
            )
        if breakdown:
            pools["excl"].append(Candidate(sum(b.taxable_amount for b in breakdown), 0.6))
            pools["vat"].append(Candidate(sum(b.vat_amount for b in breakdown), 0.65))
        nets = [line.net_amount for line in items if line.net_amount is not None]
        if nets:
            pools["excl"].append(Candidate(sum(nets, Decimal(0)), 0.45))
        largest = self._largest_amount()
        if largest is not None:
            pools["incl"].append(Candidate(largest, 0.25))

        def top(pool: list[Candidate[Decimal]]) -> list[Candidate[Decimal] | None]:
            merged: dict[Decimal, Candidate[Decimal]] = {}
            for candidate in pool:
                key = abs(candidate.value)
                if key not in merged or merged[key].score < candidate.score:
                    merged[key] = Candidate(key, candidate.score, candidate.cells)
                else:
                    merged[key].score = min(1.0, merged[key].score + 0.05)
            ranked = sorted(merged.values(), key=lambda c: -c.score)[:6]
            return [*ranked, None]

        breakdown_vat = sum((b.vat_amount for b in breakdown), Decimal(0)) if breakdown else None
        nets_total = sum(nets, Decimal(0)) if nets else None
        expected_vat = self._expected_vat(items, set(rate_lines))
        best_score = -1.0
        best: tuple[Candidate[Decimal] | None, ...] = (None, None, None)
        for excl, vat, incl in product(top(pools["excl"]), top(pools["vat"]), top(pools["incl"])):
            # Two printed totals fix the third: a total that OCR misread ("§,224.03") or that
            # the document leaves out (no VAT line on a reverse-charge invoice) is computed.
            if incl is None and excl is not None and vat is not None:
                incl = Candidate(excl.value + vat.value, _DERIVED)
            elif vat is None and excl is not None and incl is not None and incl.value >= excl.value:
                vat = Candidate(incl.value - excl.value, _DERIVED)
            elif excl is None and vat is not None and incl is not None and incl.value > vat.value:
                excl = Candidate(incl.value - vat.value, _DERIVED)
            score = sum(c.score for c in (excl, vat, incl) if c is not None)
            if excl and vat and incl and excl.value + vat.value == incl.value:
                score += 1.5
            if excl and incl and excl.value > incl.value:
                score -= 1.0
            if vat and incl and vat.value >= incl.value and incl.value:
                score -= 1.0
            # Agreement with independent evidence counts only for values that were read
            # (candidates with cells), not for the sums that are that evidence.
            if vat and vat.cells and breakdown_vat is not None and vat.value == abs(breakdown_vat):
                score += 0.3
            if excl and excl.cells and nets_total is not None and excl.value == abs(nets_total):
                score += 0.3
            if excl and vat and excl.value > 0:
                if vat.value > excl.value * _MAX_VAT_RATE:
                    score -= 1.0  # no EU VAT rate is above 27 %
                if expected_vat is not None and abs(expected_vat(excl.value) - vat.value) <= _CENT:
                    score += 0.5
            if score > best_score:
                best_score, best = score, (excl, vat, incl)
        excl, vat, incl = best
        consistent = bool(excl and vat and incl and excl.value + vat.value == incl.value)
        result: dict[str, Candidate[Decimal] | None] = {}
        for name, candidate in (
            ("total_excl_vat", excl),
            ("total_vat", vat),
            ("total_incl_vat", incl),
        ):
            if candidate is None:
                result[name] = None
                continue
            confidence = 0.35 + 0.45 * min(candidate.score, 1.0)
            if consistent:
                confidence += 0.2
                if (
                    excl is not None
                    and incl is not None
                    and vat is not None
                    and excl.cells
                    and incl.cells
                    and (vat.cells or vat.score != _DERIVED)
                ):
                    # Three amounts read from the page (the VAT maybe as the sum of its
                    # per-rate lines) that add up: a wrong reading would have to be wrong
                    # in two places that still agree.
                    confidence = max(confidence, 0.96)
            result[name] = Candidate(candidate.value, min(confidence, 1.0), candidate.cells)
        return result

    @staticmethod
    def _expected_vat(
        items: list[InvoiceLine], rates: set[Decimal]
    ) -> Callable[[Decimal], Decimal] | None:
        """VAT = rate x base: with a single rate on the document, the VAT that a total
        excl. VAT implies; with lines that all carry a rate, the VAT the lines imply."""
        pairs = [
            (line.vat_rate, abs(line.net_amount))
            for line in items
            if line.vat_rate is not None and line.net_amount is not None
        ]
        if items and len(pairs) == len(items):
            bases: dict[Decimal, Decimal] = {}
            for rate, net in pairs:
                bases[rate] = bases.get(rate, Decimal(0)) + net
            implied = sum(
                ((base * rate / 100).quantize(_CENT) for rate, base in bases.items()), Decimal(0)
            )
            if len(bases) > 1:
                return lambda _excl: implied
            rates = set(bases)
        if len(rates) == 1:
            rate = next(iter(rates))
            return lambda excl: (excl * rate / 100).quantize(_CENT)
        return None

    def _vat_rate_lines(self) -> dict[Decimal, Candidate[Decimal]]:
        """The VAT amount printed per rate ("TVA 21 %    210,00"), one per rate."""
        by_rate: dict[Decimal, Candidate[Decimal]] = {}
        for hit in self.doc.hits_for("vat", "total_vat"):
            if hit.cell.line_index in self.doc.table_lines:
                continue
            # The rate after the label ("TVA 21 %") or just before it ("19% VAT").
            before = hit.cell.text[: hit.start]
            label = hit.cell.text[hit.start : hit.end]
            head = before + label if len(before.strip()) <= 8 else label
            percentages = find_percentages(head + " " + hit.inline)
            amounts = self.doc.segment_amounts(hit)
            if not percentages or not amounts:
                continue
            amount, position, cell = amounts[-1]
            rate = percentages[0].value
            if rate not in by_rate or by_rate[rate].score < position:
                by_rate[rate] = Candidate(abs(amount.value), position, (cell,))
        return by_rate

    def _single_rate_breakdown(
        self, totals: dict[str, Candidate[Decimal] | None]
    ) -> list[VatBreakdown]:
        """One rate printed with its VAT ("BTW 21 %  123,80") and no per-rate base: the base
        is the total excl. VAT when rate x that total gives the printed VAT (to the cent,
        allowing the line-by-line rounding of a few cents), so the worklist gets its row."""
        excl, vat = totals["total_excl_vat"], totals["total_vat"]
        rates = self._vat_rate_lines()
        if excl is None or vat is None or len(rates) != 1:
            return []
        ((rate, printed),) = rates.items()
        if rate <= 0 or printed.value != abs(vat.value):
            return []
        expected = (abs(excl.value) * rate / 100).quantize(_CENT)
        if abs(expected - abs(vat.value)) > Decimal("0.05"):
            return []
        return [
            VatBreakdown(category="S", rate=rate, taxable_amount=excl.value, vat_amount=vat.value)
        ]

    def _largest_amount(self) -> Decimal | None:
        values = [
            amount.value
            for cell in self.doc.cells
            if cell.line_index not in self.doc.table_lines
            for amount in find_amounts(cell.text)
            if amount.decimals == 2
        ]
        return max(values, key=abs) if values else None

    # lines ---------------------------------------------------------------------------------

    def items(self, credit: bool) -> list[InvoiceLine]:
        # The items end where the totals start. A bare "Totaal"/"Total" is also a column
        # title, so only an explicit totals label (or one opening its cell) ends the table.
        stop = {
            hit.cell.line_index
            for hit in self.doc.hits_for("total_excl", "total_vat", "total_incl", "amount_due")
            # A bare "Total" alone in its cell under the header is the table's sum row.
            if hit.weight >= 1.0 or (hit.at_start and hit.role != "total_incl") or hit.owns_cell
        }
        table = find_items(self.doc.lines, stop, [page.height for page in self.doc.pages])
        self.doc.table = table
        if table is None:
            return []
        self.doc.table_lines = set(table.row_line_indices) | set(table.header_line_indices)
        lines = []
        nets = [row.net_amount for row in table.rows if row.net_amount is not None]
        # A credit note printed with minus signs is reported like one printed without: its
        # amounts positive (a discount line on it then becomes negative).
        flip = credit and sum(1 for n in nets if n < 0) > len(nets) / 2
        for row in table.rows:

            def signed(value: Decimal | None) -> Decimal | None:
                return -value if (flip and value is not None) else value

            lines.append(
                InvoiceLine(
                    description=row.description,
                    quantity=signed(row.quantity),
                    unit_price=signed(row.unit_price),
                    net_amount=signed(row.net_amount),
                    vat_rate=row.vat_rate,
                    vat_category=None,
                )
            )
        return lines
