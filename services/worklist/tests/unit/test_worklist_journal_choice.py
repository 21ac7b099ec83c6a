"""The journal a proposal is made in when the client mailed the document to a journal's own
address (document.submitted.v1's `journal`): that journal where it fits, else the usual one."""

import pytest
from ledgerline.events import Journal
from worklist.domain.booking_details import choose_journal
from worklist.domain.ledger import LedgerData


def journal(code: str, type_: str, *, credit: bool = False, platform: bool = False) -> Journal:
    return Journal(
        code=code,
        name=code,
        type=type_,  # type: ignore[arg-type]
        number_format="yy000###",
        credit_note_only=credit,
        platform=platform,
    )


LEDGER = LedgerData(
    journals=(
        journal("CFAAN", "purchase", platform=True),
        journal("CFAAN2", "purchase"),
        journal("CFCNAK", "purchase", credit=True),
        journal("CFVER", "sales"),
        journal("CFVER2", "sales"),
    )
)


def test_without_a_chosen_journal_the_platform_journal_of_the_type_is_proposed() -> None:
    assert choose_journal(LEDGER, "purchase", "invoice") == "CFAAN"
    assert choose_journal(LEDGER, "sales", "invoice") == "CFVER"


def test_the_journal_mailed_to_is_preferred() -> None:
    # Before: the mailbox and document type alone decided, CFAAN for every purchase invoice.
    assert choose_journal(LEDGER, "purchase", "invoice", preferred="CFAAN2") == "CFAAN2"
    assert choose_journal(LEDGER, "sales", None, preferred="CFVER2") == "CFVER2"


@pytest.mark.parametrize(
    ("mailbox", "document_type", "preferred", "proposed"),
    [
        ("purchase", "credit_note", "CFAAN2", "CFCNAK"),  # a credit note: the credit-note journal
        ("purchase", "invoice", "GONE", "CFAAN"),  # not (or no longer) a journal of the dossier
        ("purchase", "invoice", "CFVER2", "CFAAN"),  # a sales journal for a purchase
        ("sales", "credit_note", "CFVER2", "CFVER2"),  # no sales credit-note journal: it fits
    ],
)
def test_a_chosen_journal_that_does_not_fit_gives_way(
    mailbox: str, document_type: str, preferred: str, proposed: str
) -> None:
    assert choose_journal(LEDGER, mailbox, document_type, preferred=preferred) == proposed
