"""Recognised invoice -> payment -> basket -> SEPA file -> sepa-file.generated.v1 -> download,
with approvals, e-mail to the bank and settlement by the books, against the running services."""

import asyncio
import hashlib
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.paths import given_testdata
from ledgerline.devstack.stack import Stack
from ledgerline.events import (
    LedgerBankAccount,
    LedgerSynced,
    PaymentApproved,
    SettledItem,
)
from lxml import etree

from tests.e2e.helpers import (
    Client,
    bearer,
    events_where,
    eventually,
    publish,
    supplier_postings,
    transactions_where,
)

pytestmark = [pytest.mark.e2e]

PAIN = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
OGM_DIGITS = "010806817183"


@pytest.fixture(scope="module")
async def account(stack: Stack) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{stack.url('payments')}/dossiers/{DEMO_DOSSIER_ID}/bank-accounts",
            json={
                "iban": "BE68 5390 0754 7034",
                "holder_name": "Bakkerij Peeters BV",
                "street": "Grote Markt",
                "building_number": "1",
                "postal_code": "2000",
                "town": "Antwerpen",
                "country": "BE",
            },
            headers=bearer(stack),
        )
        # Another module (test_e2e_inputs) may have registered the demo dossier's account.
        assert response.status_code in (201, 409), response.text
        accounts = await http.get(
            f"{stack.url('payments')}/dossiers/{DEMO_DOSSIER_ID}/bank-accounts",
            headers=bearer(stack),
        )
    [registered] = [a for a in accounts.json() if a["iban"] == "BE68539007547034"]
    return registered  # type: ignore[no-any-return]


async def test_invoice_is_paid_by_a_validated_sepa_file_and_never_twice(
    stack: Stack, account: dict[str, Any]
) -> None:
    today = datetime.now(UTC).date()
    async with httpx.AsyncClient(timeout=15) as http:
        client = Client(stack, http)
        invoice_number = f"PAY-{uuid.uuid4().hex[:8]}"
        document_id = await client.deliver_invoice(invoice_number)

        created = await client.pay(document_id, account["id"])
        assert created.status_code == 201, created.text
        payment = created.json()
        assert payment["status"] == "in_basket"
        assert payment["amount"] == "1656.25"
        assert payment["creditor_name"] == "SupplierOfficialName Ltd"
        assert payment["creditor_iban"] == "BE71096123456769"
        assert payment["creditor_bic"] == "GKCCBEBB"
        assert (payment["remittance_type"], payment["remittance_value"]) == (
            "structured",
            OGM_DIGITS,
        )
        assert payment["execution_date"] == today.isoformat()
        assert payment["bank_account_id"] == account["id"]

        twice = await client.pay(document_id, account["id"])
        assert twice.status_code == 409
        assert "already paid or being paid" in twice.json()["detail"]

        basket = await http.get(f"{client.base}/basket", headers=client.headers)
        assert payment["id"] in [item["id"] for item in basket.json()]

        sepa_file = await client.sepa_file([payment["id"]])
        assert sepa_file["number_of_transactions"] == 1
        assert Decimal(sepa_file["control_sum"]) == Decimal("1656.25")
        assert sepa_file["debtor_iban"] == "BE68539007547034"

        download = await http.get(
            f"{client.base}/sepa-files/{sepa_file['id']}/content", headers=client.headers
        )
        assert download.status_code == 200
        content = download.content
        assert (
            hashlib.sha256(content).hexdigest()
            == sepa_file["sha256"]
            == sepa_file["integrity_hash"]
        )
        schema = etree.XMLSchema(etree.parse(str(given_testdata() / "xsd" / "pain.001.001.09.xsd")))
        document = etree.fromstring(content)
        schema.assertValid(document)
        assert document.findtext(".//p:GrpHdr/p:NbOfTxs", namespaces=PAIN) == "1"
        assert document.findtext(".//p:GrpHdr/p:CtrlSum", namespaces=PAIN) == "1656.25"
        assert document.findtext(".//p:ReqdExctnDt/p:Dt", namespaces=PAIN) == today.isoformat()
        assert document.findtext(".//p:Strd/p:CdtrRefInf/p:Ref", namespaces=PAIN) == OGM_DIGITS
        assert document.findtext(".//p:Strd/p:CdtrRefInf/p:Tp/p:Issr", namespaces=PAIN) == "BBA"
        assert document.findtext(".//p:Dbtr/p:PstlAdr/p:TwnNm", namespaces=PAIN) == "Antwerpen"

        generated = (
            await events_where(stack, "sepa-file.generated.v1", "file_id", sepa_file["id"])
        )[0]
        assert generated["data"]["sha256"] == sepa_file["sha256"]
        assert generated["data"]["payment_ids"] == [payment["id"]]
        assert (await client.payment(payment["id"]))["status"] == "in_processing"
        queued = (await events_where(stack, "payment.queued.v1", "status", "in_processing"))[0]
        assert queued["data"]["message"] == "payment in processing"

        async def mailbox_shows_payment() -> dict[str, Any] | None:
            document = await http.get(
                f"{stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}/documents/{document_id}",
                headers=client.headers,
            )
            body = document.json()
            return body if body["payment_status"] == "in_processing" else None

        assert (await eventually(mailbox_shows_payment))["handled"] is True

        again = await http.post(
            f"{client.base}/sepa-files",
            json={"payment_ids": [payment["id"]]},
            headers=client.headers,
        )
        assert again.status_code == 409

        emailed = await http.post(
            f"{client.base}/sepa-files/{sepa_file['id']}/email",
            json={"to": "payments@bank.example"},
            headers=client.headers,
        )
        assert emailed.status_code == 202, emailed.text
        assert stack.infrastructure is not None and stack.infrastructure.smtp is not None
        mails = [
            m for m in stack.infrastructure.smtp.messages() if m["To"] == "payments@bank.example"
        ]
        attachments = [part.get_content() for mail in mails for part in mail.iter_attachments()]
        assert content in attachments

        await publish(
            stack,
            LedgerSynced(
                synced_at=datetime.now(UTC),
                bank_accounts=(
                    LedgerBankAccount(
                        iban="BE43 0689 9999 9501",
                        holder_name="Bakkerij Peeters BV",
                        town="Antwerpen",
                        country="BE",
                    ),
                ),
                settled_items=(
                    SettledItem(
                        counterparty_vat="GB1232434",
                        invoice_number=invoice_number,
                        amount=Decimal("1656.25"),
                        settled_on=date.today(),
                    ),
                ),
            ),
        )

        async def paid() -> dict[str, Any] | None:
            current = await client.payment(payment["id"])
            return current if current["status"] == "paid" else None

        assert (await eventually(paid))["status_reason"] == "settled in the books"
        accounts = (await http.get(f"{client.base}/bank-accounts", headers=client.headers)).json()
        from_books = [item for item in accounts if item["iban"] == "BE43068999999501"]
        assert from_books and from_books[0]["bic"] == "GKCCBEBB"


async def test_with_approval_on_a_payment_waits_for_payment_approved(
    stack: Stack, account: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        client = Client(stack, http)
        switched = await http.put(
            f"{client.base}/payment-settings",
            json={"approval_required": True},
            headers=client.headers,
        )
        assert switched.status_code == 200
        try:
            document_id = await client.deliver_invoice(f"APR-{uuid.uuid4().hex[:8]}")
            created = await client.pay(document_id, account["id"])
            assert created.status_code == 201, created.text
            payment = created.json()
            assert payment["status"] == "awaiting_approval"
            requested = (
                await events_where(
                    stack, "payment.approval-requested.v1", "payment_id", payment["id"]
                )
            )[0]
            assert requested["data"]["amount"] == "1656.25"

            cannot_switch_off = await http.put(
                f"{client.base}/payment-settings",
                json={"approval_required": False},
                headers=client.headers,
            )
            assert cannot_switch_off.status_code == 409

            await asyncio.sleep(1)
            assert (await client.payment(payment["id"]))["status"] == "awaiting_approval"
            await publish(
                stack, PaymentApproved(payment_id=uuid.UUID(payment["id"]), approved_by=("anna",))
            )

            async def in_basket() -> dict[str, Any] | None:
                current = await client.payment(payment["id"])
                return current if current["status"] == "in_basket" else None

            approved = await eventually(in_basket)
            assert approved["status_reason"] == "approved by anna"
        finally:
            await http.put(
                f"{client.base}/payment-settings",
                json={"approval_required": False},
                headers=client.headers,
            )


async def test_bad_payment_requests_are_refused_and_write_nothing(
    stack: Stack, account: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        client = Client(stack, http)
        before = (await http.get(f"{client.base}/payments", headers=client.headers)).json()
        manual = {
            "creditor_name": "Drukkerij Van Damme",
            "creditor_iban": "BE71096123456769",
            "amount": "10.00",
        }
        cases = [
            (manual | {"creditor_iban": "BE71096123456768"}, "IBAN"),
            (manual | {"amount": "-5.00"}, "amount"),
            (manual | {"amount": "10.005"}, "decimals"),
            (
                manual | {"remittance": {"type": "structured", "value": "+++010/8068/17184+++"}},
                "check digits",
            ),
            (manual | {"creditor_bic": "NOTABIC"}, "BIC"),
            ({"document_id": str(uuid.uuid4())}, "no recognised invoice"),
        ]
        for body, reason in cases:
            response = await http.post(f"{client.base}/payments", json=body, headers=client.headers)
            assert response.status_code in (404, 422), (body, response.text)
            assert reason.lower() in response.json()["detail"].lower(), (body, response.text)
        empty = await http.post(
            f"{client.base}/sepa-files", json={"payment_ids": []}, headers=client.headers
        )
        assert empty.status_code == 422
        other = await http.get(
            f"{stack.url('payments')}/dossiers/{uuid.uuid4()}/basket", headers=client.headers
        )
        assert other.status_code == 404
        assert (await http.get(f"{client.base}/payments", headers=client.headers)).json() == before


async def test_qr_payment_gives_an_epc_code_and_is_marked_paid(
    stack: Stack, account: dict[str, Any]
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        client = Client(stack, http)
        document_id = await client.deliver_invoice(f"QR-{uuid.uuid4().hex[:8]}")
        created = await http.post(
            f"{client.base}/payments",
            json={"document_id": document_id, "method": "qr"},
            headers=client.headers,
        )
        assert created.status_code == 201, created.text
        payment = created.json()
        assert payment["status"] == "qr_issued"
        image = await http.get(f"{client.base}/payments/{payment['id']}/qr", headers=client.headers)
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")
        payload = image.headers["X-EPC-Payload"].split("\\n")
        assert payload[:4] == ["BCD", "002", "1", "SCT"]
        assert payload[6:8] == ["BE71096123456769", "EUR1656.25"]
        assert payload[9] == OGM_DIGITS
        paid = await http.post(
            f"{client.base}/payments/{payment['id']}/mark-paid", headers=client.headers
        )
        assert paid.status_code == 200 and paid.json()["status"] == "paid"
        assert (await client.pay(document_id)).status_code == 409


async def test_a_qr_payment_of_a_booked_invoice_is_journalised_and_its_item_paid(
    stack: Stack,
) -> None:
    """Booked invoice -> QR payment marked paid -> payment.settled.v1 -> refused while the
    dossier's payment module is off (visible, with the reason) -> switched on and retried -> sync
    journalises it in the Beancount ledger's bank journal -> ledger.synced.v1 -> paid in
    payments' open items."""
    sync, admin = stack.url("sync"), bearer(stack)
    async with httpx.AsyncClient(timeout=15) as http:
        client = Client(stack, http)
        document_id = await client.deliver_invoice(f"JRN-{uuid.uuid4().hex[:8]}")
        document = await client.book(document_id, "JRN-1")
        assert supplier_postings(stack, document)[1] == Decimal("-1656.25")

        # Paid from the dossier's KBC account (a bank account of the books, with its journal).
        created = await http.post(
            f"{client.base}/payments",
            json={
                "document_id": document_id,
                "method": "qr",
                "bank_account_id": await client.kbc_account(),
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        payment = created.json()
        paid = await http.post(f"{client.base}/payments/{payment['id']}/mark-paid", headers=admin)
        assert paid.status_code == 200 and paid.json()["status"] == "paid"

        # The demo dossier has no payment module yet: not journalised, and the office sees why.
        refused = await eventually(lambda: client.journalising(payment["id"], "failed"), timeout=60)
        assert "payment module of dossier PEETERS is off" in refused["reason"]

        # The office has the payment module, the dossier switches it on and tries again.
        await client.payment_module_on()

        retry = f"{sync}/dossiers/{DEMO_DOSSIER_ID}/payment-journalisings/{payment['id']}/retry"
        retried = await http.post(retry, headers=admin)
        assert retried.status_code == 200, retried.text
        done = retried.json()
        assert (done["status"], done["journal"], done["amount"]) == (
            "journalised",
            "KBC",
            "1656.25",
        )
        assert (await http.post(retry, headers=admin)).status_code == 409
        assert await client.journalising(payment["id"], "journalised") == done

        entries, balance = supplier_postings(stack, document)
        assert balance == 0  # the supplier's account holds nothing more for this invoice
        [transaction] = transactions_where(entries, "payment-id", payment["id"])
        assert transaction.meta["document-number"] == done["document_number"]
        assert transaction.meta["communication"] == "+++010/8068/17183+++"
        assert {p.account: p.units.number for p in transaction.postings} == {
            "Liabilities:440000": Decimal("1656.25"),
            "Assets:550000": Decimal("-1656.25"),
        }

        item = await client.settled_item(document)
        assert (item["status"], item["amount"], item["amount_paid"], item["open_amount"]) == (
            "settled",
            "1656.25",
            "1656.25",
            "0.00",
        )
        still_open = (
            await http.get(
                f"{client.base}/open-items", params={"counterparty_number": "L0004"}, headers=admin
            )
        ).json()
        assert document not in {f"{i['journal']}/{i['document_number']}" for i in still_open}
        assert (await client.payment(payment["id"]))["status"] == "paid"
