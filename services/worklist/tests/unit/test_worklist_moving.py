"""When a proposal may not leave its dossier (domain/moving.py)."""

import uuid

import pytest
from worklist.domain.moving import furthest_approval, furthest_payment, move_refusal

ID = uuid.uuid4()


def test_a_document_nobody_took_up_moves() -> None:
    assert move_refusal(ID, None, None) is None


@pytest.mark.parametrize(
    ("approval", "payment", "words"),
    [
        ("pending", None, "awaits approval by this dossier's approvers"),
        ("approved", None, "was approved by this dossier's approvers"),
        ("rejected", None, "was rejected by this dossier's approvers"),
        (None, "awaiting_approval", "has a payment of this dossier awaiting approval"),
        (None, "in_basket", "is in this dossier's payment basket"),
        ("approved", "in_processing", "is in a payment file of this dossier"),
        (None, "paid", "was paid from this dossier"),
    ],
)
def test_approval_or_payment_keeps_it_in_its_dossier(
    approval: str | None, payment: str | None, words: str
) -> None:
    reason = move_refusal(ID, approval, payment)
    assert reason is not None
    assert reason.startswith(f"proposal {ID} cannot be moved: its invoice {words}; ")


def test_events_in_either_order_keep_the_furthest_step() -> None:
    assert furthest_payment("paid", "in_basket") == "paid"
    assert furthest_payment("in_basket", "in_processing") == "in_processing"
    assert furthest_payment(None, "awaiting_approval") == "awaiting_approval"
    assert furthest_approval("approved", "pending") == "approved"
    assert furthest_approval("pending", "rejected") == "rejected"
    assert furthest_approval(None, "pending") == "pending"
