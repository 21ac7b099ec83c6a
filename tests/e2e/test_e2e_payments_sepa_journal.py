"""A SEPA file's payments journalised in the books (seed 001, "Betalen crediteuren": the office
journalises the payment run after the orders went to the bank), against the running services:
booked invoice -> basket -> SEPA file -> refused before it went to the bank -> downloaded ->
journalised -> payment.settled.v1 -> sync books it in the Beancount ledger's bank journal ->
the invoice's open item is settled; journalising twice gives one transaction. A payment the
bank rejects in its status report (pain.002) goes back to the basket and is not booked."""

import uuid
from decimal import Decimal

import httpx
import pytest
from beancount.core import data as bean_data
from ledgerline.devstack.stack import Stack
from ledgerline.testing.pain002 import Block, Reason, Report, Transaction, status_report

from tests.e2e.helpers import (
    Client,
    bearer,
    events_where,
    eventually,
    supplier_postings,
    transactions_where,
)

pytestmark = [pytest.mark.e2e]


async def test_a_sepa_file_sent_to_the_bank_is_journalised_once_in_the_beancount_ledger(
    stack: Stack,
) -> None:
    admin = bearer(stack)
    async with httpx.AsyncClient(timeout=15) as http:
        client = Client(stack, http)
        await client.payment_module_on()
        document_id = await client.deliver_invoice(f"SJ-{uuid.uuid4().hex[:8]}")
        document = await client.book(document_id, f"SEPA-{uuid.uuid4().hex[:6]}")
        assert supplier_postings(stack, document)[1] == Decimal("-1656.25")

        # Paid from the dossier's KBC account (a bank account of the books, with its journal).
        created = await client.pay(document_id, await client.kbc_account())
        assert created.status_code == 201, created.text
        payment = created.json()
        sepa_file = await client.sepa_file([payment["id"]])
        journalise = f"{client.base}/sepa-files/{sepa_file['id']}/journalise"

        early = await http.post(journalise, headers=admin)
        assert early.status_code == 409
        assert "has not been sent to the bank yet" in early.json()["detail"]

        download = await http.get(
            f"{client.base}/sepa-files/{sepa_file['id']}/content", headers=admin
        )
        assert download.status_code == 200
        done = await http.post(journalise, headers=admin)
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "journalised"
        [paid] = done.json()["payments"]
        assert (paid["id"], paid["status"]) == (payment["id"], "paid")
        assert paid["journalised_at"] is not None
        twice = await http.post(journalise, headers=admin)
        assert twice.status_code == 200 and twice.json() == done.json()

        booked = await eventually(
            lambda: client.journalising(payment["id"], "journalised"), timeout=60
        )
        assert (booked["journal"], booked["amount"]) == ("KBC", "1656.25")
        assert booked["paid_on"] == payment["execution_date"]

        entries, balance = supplier_postings(stack, document)
        assert balance == 0  # the supplier's account holds nothing more for this invoice
        [transaction] = transactions_where(entries, "payment-id", payment["id"])
        assert transaction.date.isoformat() == payment["execution_date"]
        assert transaction.meta["document-number"] == booked["document_number"]
        assert transaction.meta["communication"] == "+++010/8068/17183+++"
        # Money left the bank account (credited), the supplier's debt is paid (debited).
        assert {p.account: p.units.number for p in transaction.postings} == {
            "Liabilities:440000": Decimal("1656.25"),
            "Assets:550000": Decimal("-1656.25"),
        }
        events = await events_where(stack, "payment.settled.v1", "payment_id", payment["id"])
        assert [e["data"]["settled_by"] for e in events] == ["payment"]

        item = await client.settled_item(document)
        assert (item["status"], item["open_amount"]) == ("settled", "0.00")
        assert (await client.payment(payment["id"]))["status"] == "paid"


async def test_a_payment_the_bank_rejects_goes_back_to_the_basket_and_only_the_rest_is_booked(
    stack: Stack,
) -> None:
    """SEPA file of two payments -> e-mailed to the bank -> the bank's pain.002 rejects one (AC01)
    -> it is back in the basket with the reason -> journalising books only the other."""
    admin = bearer(stack)
    async with httpx.AsyncClient(timeout=15) as http:
        client = Client(stack, http)
        await client.payment_module_on()
        accepted_doc = await client.deliver_invoice(f"SJA-{uuid.uuid4().hex[:8]}")
        rejected_doc = await client.deliver_invoice(f"SJR-{uuid.uuid4().hex[:8]}")
        document = await client.book(accepted_doc, f"SEPA-{uuid.uuid4().hex[:6]}")
        kbc = await client.kbc_account()
        payments = []
        for document_id in (accepted_doc, rejected_doc):
            created = await client.pay(document_id, kbc)
            assert created.status_code == 201, created.text
            payments.append(created.json())
        sepa_file = await client.sepa_file([p["id"] for p in payments])
        emailed = await http.post(
            f"{client.base}/sepa-files/{sepa_file['id']}/email",
            json={"to": "payments@bank.example"},
            headers=admin,
        )
        assert emailed.status_code == 202, emailed.text
        accepted, rejected = [await client.payment(p["id"]) for p in payments]
        [block] = sepa_file["summary"]["payment_information"]
        report = status_report(
            Report(
                sepa_file["message_id"],
                [
                    Block(
                        block["payment_information_id"],
                        [
                            Transaction(accepted["end_to_end_id"], "ACCP"),
                            Transaction(
                                rejected["end_to_end_id"],
                                "RJCT",
                                Reason("AC01", "Creditor account number is invalid"),
                            ),
                        ],
                        "PART",
                    )
                ],
                group_status="PART",
                message_id="STS-E2E-1",
            )
        )
        imported = await http.post(
            f"{client.base}/sepa-files/{sepa_file['id']}/status-report",
            content=report,
            headers=admin | {"Content-Type": "application/xml"},
        )
        assert imported.status_code == 200, imported.text
        back = await client.payment(rejected["id"])
        assert (back["status"], back["sepa_file_id"]) == ("in_basket", None)
        assert back["status_reason"].startswith(
            "rejected by the bank (AC01 Creditor account number is invalid)"
        )

        done = await http.post(
            f"{client.base}/sepa-files/{sepa_file['id']}/journalise", headers=admin
        )
        assert done.status_code == 200, done.text
        assert [p["id"] for p in done.json()["payments"]] == [accepted["id"]]
        [settled] = await events_where(stack, "payment.settled.v1", "payment_id", accepted["id"])
        assert settled["data"]["settled_by"] == "payment"

        await eventually(lambda: client.journalising(accepted["id"], "journalised"), timeout=60)
        entries, balance = supplier_postings(stack, document)
        assert balance == 0
        paid_ids = {
            entry.meta.get("payment-id")
            for entry in entries
            if isinstance(entry, bean_data.Transaction)
        }
        assert accepted["id"] in paid_ids and rejected["id"] not in paid_ids
        assert (await client.payment(rejected["id"]))["status"] == "in_basket"
