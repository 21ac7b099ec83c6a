"""The Beancount reference connector on a real ledger on disk (a copy of the demo dossier)."""

import os
import subprocess
import sys
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from beancount import loader
from beancount.core import data
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import (
    BookingHeader,
    BookingLine,
    BookingRefused,
    BookingToDelete,
    BookingToPost,
    Connector,
    ConnectorUnavailable,
    NewCounterparty,
    PaymentToJournalise,
    UnknownDossier,
    VatLine,
)
from sync.connectors.demo.generate import DOSSIER_CODE

D = Decimal


def booking(
    *,
    journal: str = "CFAAN",
    period: str = "2026-11",
    counterparty: str = "L0006",
    gl_account: str = "604000",
    vat_code: str = "A21",
    base: str = "1000.00",
    vat: str = "210.00",
    total: str | None = None,
    invoice_date: date = date(2026, 11, 10),
    credit_note: bool = False,
    proposal_id: uuid.UUID | None = None,
    new_counterparty: NewCounterparty | None = None,
) -> BookingToPost:
    total_incl = total or str(D(base) + D(vat))
    return BookingToPost(
        proposal_id=proposal_id or uuid.uuid4(),
        document_id=uuid.uuid4(),
        header=BookingHeader(
            journal=journal,
            period=period,
            counterparty_number=counterparty,
            new_counterparty=new_counterparty,
            invoice_number="F-2026-881",
            invoice_date=invoice_date,
            due_date=date(2026, 12, 10),
            total_excl_vat=D(base),
            total_vat=D(vat),
            total_incl_vat=D(total_incl),
            structured_communication="+++090/9337/55493+++",
            credit_note=credit_note,
        ),
        lines=(
            BookingLine(
                gl_account=gl_account, amount_excl_vat=D(base), vat_code=vat_code, vat_amount=D(vat)
            ),
        ),
        vat_lines=(VatLine(vat_code=vat_code, base=D(base), vat_amount=D(vat)),),
        validated_by="anna.admin@demo-office.example",
    )


def reloaded(root: Path) -> tuple[list[data.Directive], list]:
    entries, errors, _ = loader.load_file(str(root / DOSSIER_CODE / "main.beancount"))
    return entries, errors


def transaction_of(entries: list[data.Directive], proposal_id: uuid.UUID) -> list[data.Transaction]:
    return [
        entry
        for entry in entries
        if isinstance(entry, data.Transaction) and entry.meta.get("proposal-id") == str(proposal_id)
    ]


def postings(entry: data.Transaction) -> dict[str, Decimal]:
    return {posting.account: posting.units.number for posting in entry.postings}


def bookings_bytes(root: Path) -> bytes:
    return (root / DOSSIER_CODE / "bookings.beancount").read_bytes()


def test_the_reference_connector_implements_the_protocol(connector: BeancountConnector) -> None:
    assert isinstance(connector, Connector)


def test_a_balanced_purchase_is_in_the_reloaded_ledger_with_its_accounts_and_amounts(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking()
    posted = connector.post_booking(DOSSIER_CODE, proposal)

    assert (posted.journal, posted.document_number, posted.period) == (
        "CFAAN",
        "26000001",
        "2026-11",
    )
    assert posted.transaction_id == "CFAAN/26000001" and not posted.already_posted
    entries, errors = reloaded(empty_root)
    assert errors == []
    [entry] = transaction_of(entries, proposal.proposal_id)
    assert postings(entry) == {
        "Expenses:604000": D("1000.00"),
        "Assets:411000": D("210.00"),
        "Liabilities:440000": D("-1210.00"),
    }
    assert entry.date == date(2026, 11, 10)
    assert entry.meta["document-number"] == "26000001"
    assert entry.meta["entered-on"] == date(2026, 11, 30)
    supplier = entry.postings[-1].meta
    assert supplier["document"] == "CFAAN/26000001"
    assert supplier["invoice-number"] == "F-2026-881"
    assert supplier["due-date"] == date(2026, 12, 10)


def test_document_numbers_follow_the_journal_format_and_continue_the_ledger(
    demo_root: Path,
) -> None:
    connector = BeancountConnector(demo_root, today=lambda: date(2026, 11, 30))
    entries, _ = reloaded(demo_root)
    used = sorted(
        entry.meta["document-number"]
        for entry in entries
        if isinstance(entry, data.Transaction) and entry.meta.get("journal") == "CFVER"
    )
    posted = connector.post_booking(
        DOSSIER_CODE,
        booking(
            journal="CFVER", counterparty="K0001", gl_account="700000", vat_code="V06", vat="60.00"
        ),
    )
    assert posted.document_number == str(int(used[-1]) + 1)
    assert len(posted.document_number) == 8 and posted.document_number.startswith("26000")


def test_a_sales_invoice_credits_income_and_vat_and_debits_the_customer(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking(
        journal="CFVER", counterparty="K0002", gl_account="700000", vat_code="V06", vat="60.00"
    )
    connector.post_booking(DOSSIER_CODE, proposal)
    entries, errors = reloaded(empty_root)
    assert errors == []
    [entry] = transaction_of(entries, proposal.proposal_id)
    assert postings(entry) == {
        "Income:700000": D("-1000.00"),
        "Liabilities:451000": D("-60.00"),
        "Assets:400000": D("1060.00"),
    }


def test_a_purchase_credit_note_reverses_the_signs(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking(journal="CFCNAK", credit_note=True)
    posted = connector.post_booking(DOSSIER_CODE, proposal)
    entries, _ = reloaded(empty_root)
    [entry] = transaction_of(entries, proposal.proposal_id)
    assert posted.journal == "CFCNAK"
    assert postings(entry)["Liabilities:440000"] == D("1210.00")
    assert postings(entry)["Expenses:604000"] == D("-1000.00")


def test_reverse_charge_self_assesses_the_vat_and_owes_the_supplier_the_base(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking(vat_code="MC21", total="1000.00", gl_account="611000")
    connector.post_booking(DOSSIER_CODE, proposal)
    entries, errors = reloaded(empty_root)
    assert errors == []
    [entry] = transaction_of(entries, proposal.proposal_id)
    assert postings(entry) == {
        "Expenses:611000": D("1000.00"),
        "Liabilities:451000": D("-210.00"),
        "Assets:411000": D("210.00"),
        "Liabilities:440000": D("-1000.00"),
    }


def test_non_deductible_vat_goes_onto_the_cost(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking(vat_code="D21N50", gl_account="611000", base="200.00", vat="42.00")
    connector.post_booking(DOSSIER_CODE, proposal)
    entries, _ = reloaded(empty_root)
    [entry] = transaction_of(entries, proposal.proposal_id)
    assert postings(entry) == {
        "Expenses:611000": D("221.00"),
        "Assets:411000": D("21.00"),
        "Liabilities:440000": D("-242.00"),
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"total": "1220.00"}, "Transaction does not balance: (-10.00 EUR)"),
        ({"gl_account": "609999"}, "Invalid reference to unknown account 'Expenses:609999'"),
        ({"gl_account": "613500"}, "Invalid reference to inactive account 'Expenses:613500'"),
        (
            {"period": "2026-03", "invoice_date": date(2026, 3, 12)},
            "Booking period 2026-03 is closed (since 2026-04-15): "
            "transaction of 2026-03-12 entered on 2026-11-30 refused",
        ),
    ],
    ids=["unbalanced", "unknown-account", "closed-account", "closed-period"],
)
def test_beancount_refuses_the_booking_with_its_own_message_and_nothing_is_written(
    connector: BeancountConnector, empty_root: Path, changes: dict, message: str
) -> None:
    connector.post_booking(DOSSIER_CODE, booking())  # the file is not empty
    before = bookings_bytes(empty_root)
    listing = sorted(os.listdir(empty_root / DOSSIER_CODE))

    with pytest.raises(BookingRefused) as refused:
        connector.post_booking(DOSSIER_CODE, booking(**changes))

    assert message in refused.value.details
    assert message in refused.value.reason
    assert bookings_bytes(empty_root) == before
    assert sorted(os.listdir(empty_root / DOSSIER_CODE)) == listing
    assert reloaded(empty_root)[1] == []


def test_the_same_proposal_posted_twice_is_one_transaction(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking()
    first = connector.post_booking(DOSSIER_CODE, proposal)
    after_first = bookings_bytes(empty_root)
    second = connector.post_booking(DOSSIER_CODE, proposal)

    assert second.document_number == first.document_number
    assert second.already_posted
    assert bookings_bytes(empty_root) == after_first
    entries, _ = reloaded(empty_root)
    assert len(transaction_of(entries, proposal.proposal_id)) == 1


def test_a_new_counterparty_is_created_with_its_first_booking(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking(
        counterparty="L0100",
        new_counterparty=NewCounterparty(
            name="Nieuwe Leverancier BV", vat_number="BE0403170701", ibans=("BE71096123456769",)
        ),
    )
    connector.post_booking(DOSSIER_CODE, proposal)
    snapshot = connector.snapshot(DOSSIER_CODE)
    created = next(c for c in snapshot.counterparties if c.number == "L0100")
    assert (created.kind, created.name, created.vat_number) == (
        "supplier",
        "Nieuwe Leverancier BV",
        "BE0403170701",
    )
    item = next(i for i in snapshot.open_items if i.counterparty_number == "L0100")
    assert item.amount == D("1210.00") and item.amount_paid == 0


def test_refusals_that_are_not_beancount_s_to_make(connector: BeancountConnector) -> None:
    with pytest.raises(BookingRefused, match="counterparty L0999 is unknown"):
        connector.post_booking(DOSSIER_CODE, booking(counterparty="L0999"))
    with pytest.raises(BookingRefused, match="CFCNAK takes credit notes only"):
        connector.post_booking(DOSSIER_CODE, booking(journal="CFCNAK"))
    with pytest.raises(BookingRefused, match="counterparty K0001 is a customer"):
        connector.post_booking(DOSSIER_CODE, booking(counterparty="K0001"))
    with pytest.raises(BookingRefused, match="journal NOPE is unknown"):
        connector.post_booking(DOSSIER_CODE, booking(journal="NOPE"))
    with pytest.raises(BookingRefused, match="period 2027-01 is unknown"):
        connector.post_booking(DOSSIER_CODE, booking(period="2027-01"))
    with pytest.raises(UnknownDossier):
        connector.post_booking("NOBODY", booking())
    with pytest.raises(UnknownDossier):
        connector.post_booking("../PEETERS", booking())


def test_deleting_a_platform_booking_removes_it_and_keeps_the_ledger_valid(
    connector: BeancountConnector, empty_root: Path
) -> None:
    keep = booking()
    drop = booking(base="50.00", vat="10.50")
    connector.post_booking(DOSSIER_CODE, keep)
    posted = connector.post_booking(DOSSIER_CODE, drop)
    request = BookingToDelete(
        proposal_id=drop.proposal_id, journal="CFAAN", document_number=posted.document_number
    )

    deleted = connector.delete_booking(DOSSIER_CODE, request)

    assert (deleted.document_number, deleted.period, deleted.already_deleted) == (
        posted.document_number,
        "2026-11",
        False,
    )
    entries, errors = reloaded(empty_root)
    assert errors == []
    assert transaction_of(entries, drop.proposal_id) == []
    assert len(transaction_of(entries, keep.proposal_id)) == 1
    assert posted.document_number not in {
        item.document_number for item in connector.snapshot(DOSSIER_CODE).open_items
    }

    # The number is free again and a later booking takes it: the same request seen again
    # (redelivered, or retried after a crash) deletes nothing, it answers already_deleted.
    later = booking(base="70.00", vat="14.70")
    assert connector.post_booking(DOSSIER_CODE, later).document_number == posted.document_number
    before = bookings_bytes(empty_root)
    assert connector.delete_booking(DOSSIER_CODE, request).already_deleted is True
    assert bookings_bytes(empty_root) == before
    assert len(transaction_of(reloaded(empty_root)[0], later.proposal_id)) == 1


def _proposal_of(root: Path, journal: str, number: str) -> uuid.UUID:
    entries, _ = reloaded(root)
    [found] = [
        entry.meta["proposal-id"]
        for entry in entries
        if isinstance(entry, data.Transaction)
        and (entry.meta.get("journal"), str(entry.meta.get("document-number"))) == (journal, number)
    ]
    return uuid.UUID(found)


def test_only_open_unpaid_platform_bookings_may_be_deleted(demo_root: Path) -> None:
    connector = BeancountConnector(demo_root, today=lambda: date(2026, 11, 30))
    before = bookings_bytes(demo_root)

    def delete(journal: str, number: str, proposal_id: uuid.UUID | None = None) -> None:
        connector.delete_booking(
            DOSSIER_CODE,
            BookingToDelete(
                proposal_id=proposal_id or _proposal_of(demo_root, journal, number),
                journal=journal,
                document_number=number,
            ),
        )

    with pytest.raises(BookingRefused, match="not one of the platform's journals"):
        delete("DIV", "26000001", uuid.uuid4())
    with pytest.raises(BookingRefused, match="period 2026-01 is closed"):
        delete("CFAAN", "26000001")
    paid = next(
        item
        for item in connector.open_items(DOSSIER_CODE)
        if item.amount_paid and item.invoice_date >= date(2026, 10, 1) and item.journal == "CFAAN"
    )
    with pytest.raises(BookingRefused, match="has payments"):
        delete("CFAAN", paid.document_number)
    # A proposal's booking is deleted by its own number only.
    with pytest.raises(BookingRefused, match=r"is CFAAN/26000001, not CFAAN/26999999"):
        delete("CFAAN", "26999999", _proposal_of(demo_root, "CFAAN", "26000001"))
    assert bookings_bytes(demo_root) == before


def test_a_journalised_payment_settles_the_open_item_once(
    connector: BeancountConnector, empty_root: Path
) -> None:
    posted = connector.post_booking(DOSSIER_CODE, booking())
    snapshot = connector.snapshot(DOSSIER_CODE)
    kbc = next(bank for bank in snapshot.bank_accounts if bank.gl_account == "550000")
    payment = PaymentToJournalise(
        payment_id=uuid.uuid4(),
        paid_on=date(2026, 11, 28),
        bank_account_iban=kbc.iban,
        counterparty_number="L0006",
        amount=D("1000.00"),
        settles_journal="CFAAN",
        settles_document_number=posted.document_number,
    )
    [first] = connector.journalise_payments(DOSSIER_CODE, (payment,))
    [again] = connector.journalise_payments(DOSSIER_CODE, (payment,))

    assert (first.journal, first.document_number) == ("KBC", "26000001")
    assert again.already_journalised and again.document_number == first.document_number
    [item] = connector.snapshot(DOSSIER_CODE).open_items
    assert (item.amount, item.amount_paid, item.open_amount) == (
        D("1210.00"),
        D("1000.00"),
        D("210.00"),
    )
    entries, errors = reloaded(empty_root)
    assert errors == []
    assert (
        sum(
            1 for e in entries if isinstance(e, data.Transaction) and e.meta.get("journal") == "KBC"
        )
        == 1
    )


def test_a_failed_replace_leaves_the_old_file_and_no_temporary_file(
    connector: BeancountConnector, empty_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector.post_booking(DOSSIER_CODE, booking())
    before = bookings_bytes(empty_root)
    listing = sorted(os.listdir(empty_root / DOSSIER_CODE))

    def failing_replace(source: str, target: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(ConnectorUnavailable, match="could not be written: disk full") as failed:
        connector.post_booking(DOSSIER_CODE, booking())
    assert failed.value.retryable
    monkeypatch.undo()

    assert bookings_bytes(empty_root) == before
    assert sorted(os.listdir(empty_root / DOSSIER_CODE)) == listing


CRASHING_POSTER = """
import os, signal, sys, uuid
from datetime import date
from decimal import Decimal
from pathlib import Path
from sync.connectors.beancount_ledger.connector import BeancountConnector
from sync.connectors.contract import BookingHeader, BookingLine, BookingToPost

def die_before_replace(source, target):
    os.kill(os.getpid(), signal.SIGKILL)   # the temporary file is written and synced

os.replace = die_before_replace
BeancountConnector(Path(sys.argv[1]), today=lambda: date(2026, 11, 30)).post_booking(
    "PEETERS",
    BookingToPost(
        proposal_id=uuid.UUID(sys.argv[2]),
        header=BookingHeader(journal="CFAAN", period="2026-11", counterparty_number="L0006",
            invoice_date=date(2026, 11, 10), total_excl_vat=Decimal("1000.00"),
            total_vat=Decimal("210.00"), total_incl_vat=Decimal("1210.00")),
        lines=(BookingLine(gl_account="604000", amount_excl_vat=Decimal("1000.00"),
            vat_code="A21", vat_amount=Decimal("210.00")),),
    ),
)
"""


def test_a_process_killed_between_the_temporary_write_and_the_replace_leaves_the_old_ledger(
    connector: BeancountConnector, empty_root: Path
) -> None:
    before = bookings_bytes(empty_root)
    proposal_id = uuid.uuid4()
    child = subprocess.run(
        [sys.executable, "-c", CRASHING_POSTER, str(empty_root), str(proposal_id)],
        capture_output=True,
        timeout=120,
    )
    assert child.returncode == -9, child.stderr.decode()

    assert bookings_bytes(empty_root) == before
    leftovers = [name for name in os.listdir(empty_root / DOSSIER_CODE) if name.endswith(".tmp")]
    assert len(leftovers) == 1  # the synced temporary file: not included, harmless
    assert reloaded(empty_root)[1] == []
    # The retry posts the proposal exactly once.
    retried = connector.post_booking(DOSSIER_CODE, booking(proposal_id=proposal_id))
    entries, _ = reloaded(empty_root)
    assert len(transaction_of(entries, proposal_id)) == 1
    assert retried.document_number == "26000001"
    assert not [name for name in os.listdir(empty_root / DOSSIER_CODE) if name.endswith(".tmp")]


def test_bean_check_accepts_the_ledger_after_postings(
    connector: BeancountConnector, empty_root: Path
) -> None:
    connector.post_booking(DOSSIER_CODE, booking())
    connector.post_booking(
        DOSSIER_CODE,
        booking(
            journal="CFVER", counterparty="K0001", gl_account="700000", vat_code="V06", vat="60.00"
        ),
    )
    bean_check = Path(sys.executable).parent / "bean-check"
    result = subprocess.run(
        [str(bean_check), str(empty_root / DOSSIER_CODE / "main.beancount")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_the_demo_ledger_is_installed_once_and_never_overwritten(tmp_path: Path) -> None:
    from sync.connectors.demo.generate import install_demo_ledger

    target = install_demo_ledger(tmp_path / "ledgers")
    connector = BeancountConnector(tmp_path / "ledgers", today=lambda: date(2026, 11, 30))
    connector.post_booking(DOSSIER_CODE, booking())
    after_post = (target / "bookings.beancount").read_bytes()

    install_demo_ledger(tmp_path / "ledgers")
    assert (target / "bookings.beancount").read_bytes() == after_post


def test_a_foreign_currency_invoice_stays_in_its_currency_at_the_day_s_rate(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking()
    proposal = proposal.model_copy(
        update={
            "header": proposal.header.model_copy(
                update={"currency": "USD", "exchange_rate": D("1.25")}
            )
        }
    )
    connector.post_booking(DOSSIER_CODE, proposal)

    entries, errors = reloaded(empty_root)
    assert errors == []
    [entry] = transaction_of(entries, proposal.proposal_id)
    assert {p.account: (p.units.number, p.units.currency) for p in entry.postings} == {
        "Expenses:604000": (D("1000.00"), "USD"),
        "Assets:411000": (D("210.00"), "USD"),
        "Liabilities:440000": (D("-1210.00"), "USD"),
    }
    assert all(p.price.number == D("0.8") and p.price.currency == "EUR" for p in entry.postings)
    [item] = connector.snapshot(DOSSIER_CODE).open_items
    assert (item.currency, item.amount) == ("USD", D("1210.00"))

    unbalanced = booking(total="1220.00")
    unbalanced = unbalanced.model_copy(
        update={
            "header": unbalanced.header.model_copy(
                update={"currency": "USD", "exchange_rate": D("1.25")}
            )
        }
    )
    with pytest.raises(BookingRefused, match=r"does not balance: \(-8\.0+ EUR\)"):
        connector.post_booking(DOSSIER_CODE, unbalanced)


def test_a_journal_without_foreign_currency_refuses_it(connector: BeancountConnector) -> None:
    proposal = booking(journal="CFVER", counterparty="K0001", gl_account="700000", vat_code="V06")
    proposal = proposal.model_copy(
        update={
            "header": proposal.header.model_copy(
                update={"currency": "USD", "exchange_rate": D("1.25")}
            )
        }
    )
    with pytest.raises(BookingRefused, match="CFVER does not allow foreign currency"):
        connector.post_booking(DOSSIER_CODE, proposal)


def test_a_change_made_beside_the_connector_is_seen_at_once(
    connector: BeancountConnector, empty_root: Path
) -> None:
    first = booking()
    connector.post_booking(DOSSIER_CODE, first)
    connector.snapshot(DOSSIER_CODE)  # the connector now holds the loaded ledger
    path = empty_root / DOSSIER_CODE / "bookings.beancount"
    # Someone (the package, an editor) replaces the file, with another transaction's proposal id.
    other = uuid.uuid4()
    path.write_text(path.read_text().replace(str(first.proposal_id), str(other)))

    again = connector.post_booking(DOSSIER_CODE, booking(proposal_id=other))

    assert again.already_posted and again.document_number == "26000001"


def test_the_same_proposal_posted_concurrently_is_one_transaction(empty_root: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    proposal = booking()
    connectors = [
        BeancountConnector(empty_root, today=lambda: date(2026, 11, 30)) for _ in range(4)
    ]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: c.post_booking(DOSSIER_CODE, proposal), connectors))

    assert {result.document_number for result in results} == {"26000001"}
    assert sum(not result.already_posted for result in results) == 1
    entries, errors = reloaded(empty_root)
    assert errors == [] and len(transaction_of(entries, proposal.proposal_id)) == 1


def test_without_a_vat_breakdown_the_detail_lines_give_the_vat_per_code(
    connector: BeancountConnector, empty_root: Path
) -> None:
    proposal = booking(total="333.00").model_copy(
        update={
            "lines": (
                BookingLine(
                    gl_account="604000",
                    amount_excl_vat=D("100.00"),
                    vat_code="A21",
                    vat_amount=D("21.00"),
                ),
                BookingLine(
                    gl_account="600000",
                    amount_excl_vat=D("200.00"),
                    vat_code="A06",
                    vat_amount=D("12.00"),
                ),
            ),
            "vat_lines": (),
        }
    )
    connector.post_booking(DOSSIER_CODE, proposal)
    entries, errors = reloaded(empty_root)
    assert errors == []
    [entry] = transaction_of(entries, proposal.proposal_id)
    vat = [
        (p.units.number, p.meta["vat-code"]) for p in entry.postings if p.account == "Assets:411000"
    ]
    assert sorted(vat) == [(D("12.00"), "A06"), (D("21.00"), "A21")]
    assert postings(entry)["Liabilities:440000"] == D("-333.00")


def test_closing_periods_writes_closed_directives_that_beancount_enforces(
    connector: BeancountConnector, empty_root: Path
) -> None:
    """A manual sync's new active period 2026-11 closes 2026-10: bookings entered from the
    closing day on are refused by post_booking and by the ledger's own plugin."""
    assert connector.close_periods(DOSSIER_CODE, ("2026-10",)) == date(2026, 11, 30)
    periods = {p.code: p.status for p in connector.snapshot(DOSSIER_CODE).periods}
    assert (periods["2026-10"], periods["2026-11"]) == ("closed", "open")
    _, errors = reloaded(empty_root)
    assert errors == []
    with pytest.raises(
        BookingRefused, match=r"Booking period 2026-10 is closed \(since 2026-11-30\)"
    ):
        connector.post_booking(DOSSIER_CODE, booking(period="2026-10"))
    connector.post_booking(DOSSIER_CODE, booking(period="2026-11"))
    # Closing again changes nothing; an unknown period is refused and nothing is written.
    before = bookings_bytes(empty_root)
    assert connector.close_periods(DOSSIER_CODE, ("2026-10", "2026-09")) is None
    with pytest.raises(BookingRefused, match="unknown to the dossier: 2031-01"):
        connector.close_periods(DOSSIER_CODE, ("2031-01",))
    assert bookings_bytes(empty_root) == before


def test_a_period_with_a_booking_entered_today_closes_tomorrow_and_the_ledger_stays_valid(
    connector: BeancountConnector, empty_root: Path
) -> None:
    connector.post_booking(DOSSIER_CODE, booking(period="2026-10", invoice_date=date(2026, 10, 9)))
    assert connector.close_periods(DOSSIER_CODE, ("2026-10",)) == date(2026, 12, 1)
    _, errors = reloaded(empty_root)
    assert errors == []
    # Closed for the platform at once.
    with pytest.raises(BookingRefused, match="booking period 2026-10 is closed"):
        connector.post_booking(DOSSIER_CODE, booking(period="2026-10"))
