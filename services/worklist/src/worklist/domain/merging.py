"""Merging proposals of one dossier into one document (seed 003, "Samenvoegen"): which sets of
proposals may be merged. Pure; the caller (`proposal_merging`) locked the proposals."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from worklist.domain.editing import InvalidReference, NotEditable

MIN_MERGED = 2
# As ingest's merge of a mailbox's documents.
MAX_MERGED = 50
# An e-invoice (UBL XML) has no pages: ingest merges PDFs and images only.
UNMERGEABLE_SOURCES = frozenset({"ubl"})


@dataclass(frozen=True)
class Mergeable:
    """What the check needs of a proposal."""

    id: UUID
    document_id: UUID
    stage: str
    source: str | None


def check_count(ids: Sequence[UUID]) -> None:
    """2 to 50 proposals, each once (422 otherwise)."""
    if len(set(ids)) != len(ids):
        raise InvalidReference("a proposal is chosen more than once")
    if len(ids) < MIN_MERGED:
        raise InvalidReference(f"choose at least {MIN_MERGED} proposals to merge")
    if len(ids) > MAX_MERGED:
        raise InvalidReference(f"at most {MAX_MERGED} proposals can be merged at once")


def documents_to_merge(ids: Sequence[UUID], proposals: Sequence[Mergeable]) -> list[UUID]:
    """The documents of the proposals, in the order of `ids` (the order of their pages). Every
    proposal must still be open (not sent or booked: 409) and read from a PDF or an image
    (422)."""
    check_count(ids)
    by_id = {proposal.id: proposal for proposal in proposals}
    for proposal_id in ids:
        proposal = by_id[proposal_id]
        if proposal.stage != "open":
            raise NotEditable(
                f"proposal {proposal.id} is {proposal.stage}: only proposals not sent can be merged"
            )
    for proposal_id in ids:
        proposal = by_id[proposal_id]
        if proposal.source in UNMERGEABLE_SOURCES:
            raise InvalidReference(
                f"proposal {proposal.id} was read from an e-invoice (XML), which has no pages: "
                "only PDFs and images can be merged"
            )
    return [by_id[proposal_id].document_id for proposal_id in ids]


def merge_note(merge_id: UUID) -> str:
    """Why a merged proposal's document makes no proposal of its own (kept with it; a refused
    merge finds its documents by it)."""
    return f"merged into one document (merge {merge_id})"
