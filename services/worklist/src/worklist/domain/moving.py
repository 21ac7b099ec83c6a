"""Whether a proposal may be moved to another dossier (the office's bulk move).

An accounting office corrects a document delivered to the wrong company by moving it, before
anything happened to it in that company. Once the company's approvers took it up (approval
asked, approved or rejected) or it went into payment (basket, SEPA file, paid), the approval
and the money are the first company's: moving it would carry them silently to the other one.
Such a move is refused (409), saying what happened and what to do instead."""

from uuid import UUID

APPROVAL_WORDS = {
    "pending": "awaits approval by this dossier's approvers",
    "approved": "was approved by this dossier's approvers",
    "rejected": "was rejected by this dossier's approvers",
}
PAYMENT_WORDS = {
    "awaiting_approval": "has a payment of this dossier awaiting approval",
    "in_basket": "is in this dossier's payment basket",
    "in_processing": "is in a payment file of this dossier",
    "paid": "was paid from this dossier",
}
# The further a payment got, the higher; events of two topics may come in either order.
PAYMENT_RANK = {None: 0, "awaiting_approval": 1, "in_basket": 1, "in_processing": 2, "paid": 3}
APPROVAL_RANK = {None: 0, "pending": 1, "approved": 2, "rejected": 2}


def move_refusal(proposal_id: UUID, approval: str | None, payment: str | None) -> str | None:
    """Why the proposal may not leave its dossier, or None."""
    if payment is not None:
        return (
            f"proposal {proposal_id} cannot be moved: its invoice {PAYMENT_WORDS[payment]}; "
            "settle that in this dossier first (the payment is this company's)"
        )
    if approval is not None:
        return (
            f"proposal {proposal_id} cannot be moved: its invoice {APPROVAL_WORDS[approval]}; "
            "delete it here and deliver the document to the other dossier, where its own "
            "approval process applies"
        )
    return None


def furthest_payment(known: str | None, new: str) -> str:
    return new if PAYMENT_RANK[new] > PAYMENT_RANK[known] else known  # type: ignore[return-value]


def furthest_approval(known: str | None, new: str) -> str:
    return new if APPROVAL_RANK[new] > APPROVAL_RANK[known] else known  # type: ignore[return-value]
