"""Detail lines learnt from a dossier's posted bookings: templates per counterparty (seed 003)
and a nearest-neighbour suggestion of GL account and VAT code per line. Pure: the worklist's
adapter feeds it posted bookings and asks it for proposals."""

from worklist.domain.suggestions.history import PastBooking, PastLine
from worklist.domain.suggestions.model import Evidence, LineModel, LineQuery, LineSuggestion
from worklist.domain.suggestions.proposer import (
    DossierHistory,
    InvoiceHeader,
    InvoiceLine,
    LineProposer,
    ProposedLine,
    ProposedLines,
)
from worklist.domain.suggestions.templates import Template, TemplateLine, templates_for

__all__ = [
    "DossierHistory",
    "Evidence",
    "InvoiceHeader",
    "InvoiceLine",
    "LineModel",
    "LineProposer",
    "LineQuery",
    "LineSuggestion",
    "PastBooking",
    "PastLine",
    "ProposedLine",
    "ProposedLines",
    "Template",
    "TemplateLine",
    "templates_for",
]
