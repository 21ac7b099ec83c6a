"""Detail lines proposed for a new invoice from the dossier's posted history.

`LineProposer` is what the worklist's enrichment calls; `None` means "nothing learnt", and the
enrichment keeps its own default (one line per VAT rate from the counterparty's defaults).
The history's proposal, in order of preference:
1. the invoice has its own lines (a UBL invoice): each gets the learnt GL account and VAT code
   (source "model");
2. the counterparty has templates (three posted bookings or more): the most used one fills the
   lines to the invoice's total (source "template"), the others are listed to choose from;
3. the dossier's history knows the counterparty: one line per VAT rate of the invoice, with the
   learnt GL account and VAT code (source "model")."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal, Protocol

from worklist.domain.suggestions.history import PastBooking
from worklist.domain.suggestions.model import Evidence, LineModel, LineQuery, LineSuggestion
from worklist.domain.suggestions.templates import Template, templates_for


@dataclass(frozen=True)
class InvoiceLine:
    description: str | None
    amount_excl_vat: Decimal
    vat_rate: Decimal | None = None


@dataclass(frozen=True)
class InvoiceHeader:
    """What the recognised invoice says that the history can use."""

    total_excl_vat: Decimal
    # (VAT rate in percent, base excluding VAT) per rate of the VAT breakdown
    vat_breakdown: tuple[tuple[Decimal, Decimal], ...] = ()
    lines: tuple[InvoiceLine, ...] = ()


@dataclass(frozen=True)
class ProposedLine:
    gl_account: str
    vat_code: str | None
    amount_excl_vat: Decimal
    description: str | None = None
    confidence: float = 0.0
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class ProposedLines:
    lines: tuple[ProposedLine, ...]
    source: Literal["template", "model"]
    confidence: float  # the least confident line's
    templates: tuple[Template, ...] = ()


class LineProposer(Protocol):
    def propose(
        self, counterparty_number: str | None, header: InvoiceHeader
    ) -> ProposedLines | None: ...


@dataclass
class DossierHistory:
    """One dossier's posted bookings, learnt one at a time: templates per counterparty and the
    learnt model. Implements `LineProposer`."""

    model: LineModel = field(default_factory=LineModel)
    by_counterparty: dict[str, list[PastBooking]] = field(default_factory=lambda: defaultdict(list))

    def learn(
        self, booking: PastBooking, suggestions: Sequence[LineSuggestion | None] | None = None
    ) -> None:
        self.model.learn(booking, suggestions)
        if booking.counterparty_number:
            self.by_counterparty[booking.counterparty_number].append(booking)

    def templates(self, counterparty_number: str | None) -> list[Template]:
        if not counterparty_number:
            return []
        return templates_for(self.by_counterparty.get(counterparty_number, ()))

    def propose(
        self, counterparty_number: str | None, header: InvoiceHeader
    ) -> ProposedLines | None:
        templates = tuple(self.templates(counterparty_number))
        if header.lines:
            proposed = self._from_model(counterparty_number, header.lines, templates)
            if proposed is not None:
                return proposed
        if templates:
            return from_template(templates[0], header.total_excl_vat, templates)
        if counterparty_number in self.by_counterparty:
            per_rate = [InvoiceLine(None, base, rate) for rate, base in header.vat_breakdown]
            return self._from_model(
                counterparty_number,
                per_rate or [InvoiceLine(None, header.total_excl_vat)],
                templates,
            )
        return None

    def _from_model(
        self,
        counterparty_number: str | None,
        lines: Sequence[InvoiceLine],
        templates: tuple[Template, ...],
    ) -> ProposedLines | None:
        suggestions = self.model.suggest_lines(
            counterparty_number,
            [LineQuery(line.description, line.amount_excl_vat, line.vat_rate) for line in lines],
        )
        if any(suggestion is None for suggestion in suggestions):
            return None
        proposed = tuple(
            ProposedLine(
                suggestion.gl_account,
                suggestion.vat_code,
                line.amount_excl_vat,
                line.description,
                suggestion.confidence,
                suggestion.evidence,
            )
            for line, suggestion in zip(lines, suggestions, strict=True)
            if suggestion is not None
        )
        return ProposedLines(
            proposed, "model", min(line.confidence for line in proposed), templates
        )


def from_template(
    template: Template, total_excl_vat: Decimal, templates: tuple[Template, ...]
) -> ProposedLines:
    """A template's lines for the total; its confidence is its share of the counterparty's
    templated bookings (a counterparty always booked one way: 1.0)."""
    uses = sum(candidate.uses for candidate in templates) or 1
    confidence = template.uses / uses
    lines = tuple(
        ProposedLine(line.gl_account, line.vat_code, line.amount_excl_vat, None, confidence)
        for line in template.fill(total_excl_vat)
    )
    return ProposedLines(lines, "template", confidence, templates)
