"""Only an approved invoice, or one that never needed approval, is paid."""

from uuid import uuid4

import pytest
from payments.domain.payment import NotApproved, check_invoice_approved


def test_an_invoice_that_waits_or_was_rejected_is_not_paid() -> None:
    document = uuid4()
    check_invoice_approved(document, None)
    check_invoice_approved(document, "approved")
    with pytest.raises(NotApproved, match=r"waits for approval by cfo@x\.example; only approved"):
        check_invoice_approved(document, "pending", ["cfo@x.example"])
    with pytest.raises(NotApproved, match="was rejected in approval"):
        check_invoice_approved(document, "rejected")
