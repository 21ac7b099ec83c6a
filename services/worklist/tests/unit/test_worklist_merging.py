"""Which proposals may be merged into one document (domain/merging.py)."""

import uuid

import pytest
from worklist.domain.editing import InvalidReference, NotEditable
from worklist.domain.merging import Mergeable, documents_to_merge


def proposal(stage: str = "open", source: str = "ocr") -> Mergeable:
    return Mergeable(uuid.uuid4(), uuid.uuid4(), stage, source)


def test_the_documents_come_in_the_order_asked() -> None:
    a, b, c = proposal(), proposal(source="air"), proposal(source="facturx")
    assert documents_to_merge([c.id, a.id, b.id], [a, b, c]) == [
        c.document_id,
        a.document_id,
        b.document_id,
    ]


@pytest.mark.parametrize(
    ("count", "message"),
    [(0, "choose at least 2 proposals to merge"), (1, "choose at least 2 proposals to merge"),
     (51, "at most 50 proposals can be merged at once")],
)  # fmt: skip
def test_two_to_fifty_proposals(count: int, message: str) -> None:
    proposals = [proposal() for _ in range(count)]
    with pytest.raises(InvalidReference, match=message):
        documents_to_merge([p.id for p in proposals], proposals)


def test_a_proposal_chosen_twice_is_refused() -> None:
    a = proposal()
    with pytest.raises(InvalidReference, match="chosen more than once"):
        documents_to_merge([a.id, a.id], [a])


@pytest.mark.parametrize("stage", ["sent", "booked"])
def test_a_sent_or_booked_proposal_is_not_merged(stage: str) -> None:
    a, done = proposal(), proposal(stage)
    with pytest.raises(NotEditable, match=f"proposal {done.id} is {stage}"):
        documents_to_merge([a.id, done.id], [a, done])


def test_an_e_invoice_has_no_pages_to_merge() -> None:
    a, xml = proposal(), proposal(source="ubl")
    with pytest.raises(InvalidReference, match=r"e-invoice \(XML\)"):
        documents_to_merge([a.id, xml.id], [a, xml])
