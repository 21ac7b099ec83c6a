"""Which arriving documents ingest and payments hold as awaiting approval."""

from ledgerline.invoice_approval_process import holds_on_arrival


def test_purchase_documents_are_held_while_the_process_is_on() -> None:
    assert holds_on_arrival(True, "purchase")
    assert holds_on_arrival(True, None)  # content first: held until the mailbox is known
    assert not holds_on_arrival(True, "sales")
    assert not holds_on_arrival(True, "misc")
    assert not holds_on_arrival(False, "purchase")
    assert not holds_on_arrival(False, None)
