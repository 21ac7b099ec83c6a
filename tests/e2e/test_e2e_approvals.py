"""Approvals over the running services: payment approval rules with maximum amounts deciding
payments that then land in payments' basket through payment.approved.v1; invoice approval rules
(seed 003's set) deciding purchase invoices; the audit trail of every step, which no endpoint
and no SQL of the service's role can change."""

import asyncio
import csv
import hashlib
import io
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.devstack.stack import Stack
from ledgerline.events import Counterparty, DocumentReceived, DocumentRecognized, LedgerSynced
from ledgerline.events.invoice import InvoiceData, InvoiceFields
from ledgerline.testing.ubl import base_example

from tests.e2e.helpers import (
    activate_dossier,
    add_dossier_users,
    bearer,
    events_where,
    eventually,
    publish,
)

pytestmark = [pytest.mark.e2e]

CLIENT_ADMIN = "ben.baker@approvals-test.example"
A = "anna.approver@approvals-test.example"
B = "bart.approver@approvals-test.example"
LEAD = "lead@approvals-test.example"
BUYER = "buyer@approvals-test.example"
CFO = "cfo@approvals-test.example"
PHILIPPE = "philippe.robert@approvals-test.example"
SUPPLIER_X = "BE0123456749"
JANSSENS_IBAN = "BE68539007547034"
STRANGER = "nobody@approvals-test.example"


class Caller:
    """One user of the dossier, calling every service with their own token."""

    def __init__(
        self, stack: Stack, http: httpx.AsyncClient, dossier: uuid.UUID, subject: str, role: Role
    ) -> None:
        self.stack = stack
        self.http = http
        self.subject = subject
        self.headers = bearer(stack, subject=subject, role=role, dossiers=[dossier])
        self.approvals = f"{stack.url('approvals')}/dossiers/{dossier}"
        self.payments = f"{stack.url('payments')}/dossiers/{dossier}"
        self.ingest = f"{stack.url('ingest')}/dossiers/{dossier}"

    async def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return await self.http.get(url, headers=self.headers | kwargs.pop("headers", {}), **kwargs)

    async def post(self, url: str, body: Any = None) -> httpx.Response:
        return await self.http.post(url, json=body, headers=self.headers)

    async def put(self, url: str, body: Any) -> httpx.Response:
        return await self.http.put(url, json=body, headers=self.headers)

    async def approval(self, kind: str, subject_id: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            response = await self.get(f"{self.approvals}/{kind}/{subject_id}/approval")
            return response.json() if response.status_code == 200 else None

        return await eventually(found)


# --- payments ----------------------------------------------------------------------------------


async def test_payment_approval_rules_with_maximum_amounts_decide_and_fill_the_basket(
    stack: Stack,
) -> None:
    dossier = await activate_dossier(stack, "Approvals payments BV", "APPR")
    async with httpx.AsyncClient(timeout=15) as http:
        admin = Caller(stack, http, dossier, CLIENT_ADMIN, Role.CLIENT_ADMINISTRATOR)
        a = Caller(stack, http, dossier, A, Role.CLIENT_FULL_ACCESS)
        b = Caller(stack, http, dossier, B, Role.CLIENT_FULL_ACCESS)
        delivery = Caller(stack, http, dossier, "post@x.example", Role.CLIENT_DOCUMENT_DELIVERY)
        await add_dossier_users(stack, dossier, A, B)

        assert stack.infrastructure is not None and stack.infrastructure.smtp is not None
        smtp = stack.infrastructure.smtp

        def mails_to(approver: str) -> list[Any]:
            return [mail for mail in smtp.messages() if mail["To"] == approver]

        async def mailed(approver: str) -> None:
            async def probe() -> list[Any] | None:
                return mails_to(approver) or None

            await eventually(probe, timeout=15)

        account = await admin.post(
            f"{admin.payments}/bank-accounts",
            {"iban": "BE68 5390 0754 7034", "holder_name": "Approvals BV", "town": "Gent",
             "country": "BE"},
        )  # fmt: skip
        assert account.status_code == 201, account.text
        switched = await admin.put(
            f"{admin.payments}/payment-settings", {"approval_required": True}
        )
        assert switched.status_code == 200, switched.text

        # bad rules are refused and write nothing
        rules_url = f"{admin.approvals}/payment-approval-rules"
        for body, reason in [
            ({"name": "nobody", "approvers": []}, "at least 1"),
            ({"name": "neg", "approvers": [{"approver": A, "max_amount": "-5.00"}]}, "amount"),
            ({"name": "who", "approvers": [{"approver": "Anna", "max_amount": "5.00"}]},
             "unknown approver"),
            ({"name": "stranger", "approvers": [{"approver": A}, {"approver": STRANGER}]},
             f"unknown approver {STRANGER}: an approver must be a user of the dossier"),
        ]:  # fmt: skip
            refused = await admin.post(rules_url, body)
            assert refused.status_code == 422, refused.text
            assert reason in refused.json()["detail"], refused.text
        assert (await admin.get(rules_url)).json() == []
        as_approver = await a.post(rules_url, {"name": "mine", "approvers": [{"approver": A}]})
        assert as_approver.status_code == 403
        assert (await delivery.get(rules_url)).status_code == 403

        rule_a = await admin.post(
            rules_url, {"name": "A", "approvers": [{"approver": A, "max_amount": "1000.00"}]}
        )
        rule_b = await admin.post(
            rules_url, {"name": "B", "approvers": [{"approver": B, "max_amount": "10000.00"}]}
        )
        assert rule_a.status_code == rule_b.status_code == 201, rule_b.text

        async def pay(amount: str) -> str:
            created = await admin.post(
                f"{admin.payments}/payments",
                {"creditor_name": "Drukkerij Van Damme", "creditor_iban": "BE71096123456769",
                 "amount": amount},
            )  # fmt: skip
            assert created.status_code == 201, created.text
            assert created.json()["status"] == "awaiting_approval"
            return created.json()["id"]  # type: ignore[no-any-return]

        async def payment_status(payment_id: str, wanted: str) -> dict[str, Any]:
            async def probe() -> dict[str, Any] | None:
                body = (await admin.get(f"{admin.payments}/payments/{payment_id}")).json()
                return body if body["status"] == wanted else None

            return await eventually(probe)

        # 1. A (max 1,000) and B (max 10,000): 5,000.00 is B's alone
        first = await pay("5000.00")
        approval = await a.approval("payments", first)
        assert approval["status"] == "pending"
        assert [option["approvers"] for option in approval["options"]] == [[B]]
        assert approval["my_status"] == "to_approve"
        assert (await b.approval("payments", first))["my_status"] == "to_approve_by_me"
        refused = await a.post(f"{a.approvals}/payments/{first}/approve")
        assert refused.status_code == 403
        assert (
            "5,000.00 is above the maximum you may approve (1,000.00)" in refused.json()["detail"]
        )
        mine = (await b.get(f"{stack.url('approvals')}/me/approvals")).json()
        assert first in [item["id"] for item in mine]
        assert first not in [
            item["id"] for item in (await a.get(f"{stack.url('approvals')}/me/approvals")).json()
        ]

        await mailed(B)
        approved = await b.post(f"{b.approvals}/payments/{first}/approve", {"reason": "ok"})
        assert approved.status_code == 200, approved.text
        assert approved.json()["status"] == "approved"
        assert approved.json()["approved_by"] == [B]
        twice = await b.post(f"{b.approvals}/payments/{first}/approve")
        assert twice.status_code == 409, twice.text
        first_trail = (await b.get(f"{b.approvals}/payments/{first}/audit-trail")).json()
        assert [(r["action"], r["actor"], r["reason"]) for r in first_trail] == [
            ("approval requested", "approvals", None),
            ("approved", B, "ok"),
        ]  # approving twice wrote nothing
        in_basket = await payment_status(first, "in_basket")
        assert in_basket["status_reason"] == f"approved by {B}"
        basket = (await admin.get(f"{admin.payments}/basket")).json()
        assert first in [item["id"] for item in basket]
        [published] = await events_where(stack, "payment.approved.v1", "payment_id", first)
        assert published["data"]["approved_by"] == [B]

        # 2. one rule "A and B both": it needs both
        off = await admin.put(
            f"{rules_url}/{rule_b.json()['id']}",
            {"name": "B", "approvers": [{"approver": B, "max_amount": "10000.00"}],
             "active": False},
        )  # fmt: skip
        assert off.status_code == 200 and off.json()["version"] == 2, off.text
        both = await admin.post(
            rules_url,
            {"name": "A and B both", "approvers": [
                {"approver": A, "max_amount": "10000.00"},
                {"approver": B, "max_amount": "10000.00"}]},
        )  # fmt: skip
        assert both.status_code == 201
        second = await pay("5000.00")
        approval = await a.approval("payments", second)
        assert approval["options"] == [
            {
                "approvers": sorted([A, B]),
                "rules": [{"rule_id": both.json()["id"], "version": 1, "name": "A and B both"}],
            }
        ]
        # a rule change now does not change what the pending payment needs
        changed = await admin.put(
            f"{rules_url}/{both.json()['id']}",
            {"name": "A alone now", "approvers": [{"approver": A, "max_amount": "10000.00"}]},
        )
        assert changed.status_code == 200 and changed.json()["version"] == 2
        await mailed(A)
        by_a = await a.post(f"{a.approvals}/payments/{second}/approve")
        assert by_a.status_code == 200, by_a.text
        assert (by_a.json()["status"], by_a.json()["waiting_for"]) == ("pending", [B])
        await asyncio.sleep(1)
        still = (await admin.get(f"{admin.payments}/payments/{second}")).json()
        assert still["status"] == "awaiting_approval"
        cannot_switch_off = await admin.put(
            f"{admin.payments}/payment-settings", {"approval_required": False}
        )
        assert cannot_switch_off.status_code == 409
        assert "1 payments are awaiting approval" in cannot_switch_off.json()["detail"]
        by_b = await b.post(f"{b.approvals}/payments/{second}/approve")
        assert by_b.status_code == 200 and by_b.json()["status"] == "approved", by_b.text
        assert by_b.json()["approved_by"] == [A, B]
        assert (await payment_status(second, "in_basket"))["status_reason"] == (
            f"approved by {A}, {B}"
        )

        # 3. above every approver's maximum: it cannot be approved, and says so; it is rejected
        third = await pay("20000.00")
        approval = await a.approval("payments", third)
        assert approval["status"] == "blocked"
        assert approval["my_status"] == "cannot_be_approved"
        assert approval["blocked_reason"] == (
            "the payment of 20,000.00 is above every approver's maximum (the highest is 10,000.00)"
        )
        refused = await a.post(f"{a.approvals}/payments/{third}/approve")
        assert refused.status_code == 403
        assert "cannot be approved: the payment of 20,000.00" in refused.json()["detail"]
        rejected = await admin.post(
            f"{admin.approvals}/payments/{third}/reject", {"reason": "too much at once"}
        )
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        assert (await payment_status(third, "rejected"))["status_reason"] == (
            f"rejected by {CLIENT_ADMIN}: too much at once"
        )
        switched_off = await admin.put(
            f"{admin.payments}/payment-settings", {"approval_required": False}
        )
        assert switched_off.status_code == 200

        # approvers were e-mailed what waited for them, at most once an hour each
        [to_b] = mails_to(B)
        assert to_b["Subject"] == "1 approval waiting for you"
        assert "payment from Drukkerij Van Damme EUR 5,000.00" in to_b.get_content()
        [to_a] = mails_to(A)
        assert "payment from Drukkerij Van Damme EUR 5,000.00" in to_a.get_content()

        # the audit trail of the second payment: every step, who and when
        trail = (await admin.get(f"{admin.approvals}/payments/{second}/audit-trail")).json()
        assert [(r["action"], r["actor"]) for r in trail] == [
            ("approval requested", "approvals"),
            ("approved (partly)", A),
            ("approved", B),
        ]
        assert all(datetime.fromisoformat(r["at"]) <= datetime.now(UTC) for r in trail)
        assert trail[1]["after"]["waiting_for"] == [B]
        exported = await admin.get(
            f"{admin.approvals}/payments/{second}/audit-trail", headers={"Accept": "text/csv"}
        )
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text)))
        assert [(row["action"], row["actor"]) for row in rows] == [
            (r["action"], r["actor"]) for r in trail
        ]
        dossier_trail = (await admin.get(f"{admin.approvals}/audit-trail")).json()
        changes = [r for r in dossier_trail if r["entity"] == "payment_rule"]
        assert [r["action"] for r in changes] == [
            "rule created", "rule created", "rule changed", "rule created", "rule changed"
        ]  # fmt: skip
        assert changes[-1]["before"]["name"] == "A and B both"
        assert changes[-1]["after"]["name"] == "A alone now"
        assert {r["actor"] for r in changes} == {CLIENT_ADMIN}
        assert (await delivery.get(f"{delivery.approvals}/audit-trail")).status_code == 403

        # no endpoint and no SQL of the service's role changes the audit trail
        for method in ("PUT", "PATCH", "DELETE", "POST"):
            attempt = await http.request(
                method, f"{admin.approvals}/payments/{second}/audit-trail", headers=admin.headers
            )
            assert attempt.status_code == 405, (method, attempt.text)
        connection = await asyncpg.connect(stack.database_urls["approvals"])
        try:
            for statement in (
                "UPDATE audit_trail SET actor = 'someone else' WHERE entity_id = $1::uuid",
                "DELETE FROM audit_trail WHERE entity_id = $1::uuid",
                "UPDATE rule_versions SET created_by = 'x' WHERE rule_id = $1::uuid",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await connection.execute(statement, second)
            with pytest.raises(asyncpg.InsufficientPrivilegeError):
                await connection.execute("TRUNCATE audit_trail")
            # Even when the role grants itself the privileges back, the trigger refuses.
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
                async with connection.transaction():
                    await connection.execute("GRANT UPDATE, DELETE ON audit_trail TO CURRENT_USER")
                    await connection.execute(
                        "UPDATE audit_trail SET actor = 'x' WHERE entity_id = $1::uuid", second
                    )
        finally:
            await connection.close()
        again = (await admin.get(f"{admin.approvals}/payments/{second}/audit-trail")).json()
        assert again == trail


# --- invoices ----------------------------------------------------------------------------------


def purchase_invoice(
    vat: str | None, name: str, total: str, mailbox: str = "purchase", iban: str | None = None
) -> tuple[uuid.UUID, DocumentReceived, DocumentRecognized]:
    document_id = uuid.uuid4()
    received = DocumentReceived(
        document_id=document_id,
        mailbox=mailbox,  # type: ignore[arg-type]
        channel="upload",
        filename=f"{name}.pdf",
        content_type="application/pdf",
        size_bytes=1000,
        sha256=hashlib.sha256(document_id.bytes).hexdigest(),
        received_at=datetime.now(UTC),
        content_url=f"http://127.0.0.1:1/documents/{document_id}/content",
    )
    recognized = DocumentRecognized(
        document_id=document_id,
        status="ok",
        source="air",
        confidence=0.9,
        invoice=InvoiceData(
            fields=InvoiceFields(
                document_type="invoice",
                supplier_name=name,
                supplier_vat=vat,
                iban=iban,
                invoice_number=f"INV-{document_id.hex[:6]}",
                currency="EUR",
                total_incl_vat=Decimal(total),
            )
        ),
    )
    return document_id, received, recognized


async def test_invoice_approval_rules_of_the_seed_decide_purchase_invoices(stack: Stack) -> None:
    dossier = await activate_dossier(stack, "Approvals invoices BV", "APPR")
    async with httpx.AsyncClient(timeout=15) as http:
        admin = Caller(stack, http, dossier, CLIENT_ADMIN, Role.CLIENT_ADMINISTRATOR)
        buyer = Caller(stack, http, dossier, BUYER, Role.CLIENT_FULL_ACCESS)
        cfo = Caller(stack, http, dossier, CFO, Role.CLIENT_FULL_ACCESS)
        philippe = Caller(stack, http, dossier, PHILIPPE, Role.CLIENT_FULL_ACCESS)
        employee = Caller(stack, http, dossier, "eva@office.example", Role.EMPLOYEE)
        rules_url = f"{admin.approvals}/invoice-approval-rules"
        await add_dossier_users(stack, dossier, LEAD, BUYER, CFO, PHILIPPE)
        # The dossier's books, as a connector synchronises them: approvals keeps the suppliers.
        books = [
            Counterparty(number="L0101", kind="supplier", name="Supplier X",
                         vat_number=SUPPLIER_X),
            Counterparty(number="L0102", kind="supplier", name="Other BV",
                         vat_number="BE0987654321"),
            Counterparty(number="L0103", kind="supplier", name="Janssens",
                         ibans=(JANSSENS_IBAN,)),
            Counterparty(number="K0101", kind="customer", name="A customer",
                         vat_number="BE0403170701"),
        ]  # fmt: skip
        await publish(
            stack,
            LedgerSynced(
                synced_at=datetime.now(UTC), sync_id=uuid.uuid4(), full=True,
                counterparties=len(books), counterparty_records=tuple(books),
            ),
            dossier=dossier,
        )  # fmt: skip

        async def suppliers_known() -> list[Any] | None:
            listed = (await employee.get(f"{admin.approvals}/suppliers")).json()
            return listed if len(listed) == 3 else None

        suppliers = await eventually(suppliers_known)
        assert [(s["number"], s["vat_number"], s["ibans"]) for s in suppliers] == [
            ("L0101", SUPPLIER_X, []),
            ("L0102", "BE0987654321", []),
            ("L0103", None, [JANSSENS_IBAN]),
        ]  # the customer is no supplier

        for body in [
            {"name": "Project 2", "labels": ["Project 2"], "amount_from": "10.00",
             "approvers": [LEAD]},
            {"name": "Supplier X", "supplier_vats": ["BE 0123.456.749"], "approvers": [BUYER]},
            {"name": "Large invoices", "amount_from": "1000.89", "approvers": [CFO]},
            {"name": "All other invoices", "is_fallback": True, "approvers": [PHILIPPE]},
        ]:  # fmt: skip
            created = await admin.post(rules_url, body)
            assert created.status_code == 201, created.text
        rules = (await employee.get(rules_url)).json()  # office roles read
        assert [rule["supplier_vats"] for rule in rules][1] == [SUPPLIER_X]
        second_fallback = await admin.post(
            rules_url, {"name": "fb2", "is_fallback": True, "approvers": [CFO]}
        )
        assert second_fallback.status_code == 409
        for body, reason in [
            ({"name": "none", "approvers": []}, "at least 1"),
            ({"name": "neg", "amount_from": "-1.00", "approvers": [CFO]}, "amount"),
            ({"name": "who", "approvers": ["Philippe Robert"]}, "unknown approver"),
            ({"name": "vat", "supplier_vats": ["Administration TVA"], "approvers": [CFO]},
             "unknown supplier"),
            ({"name": "id", "supplier_numbers": ["L0103", "L9999"], "approvers": [CFO]},
             "unknown supplier L9999: not a supplier of the dossier's books"),
            ({"name": "not in the books", "supplier_vats": ["BE0403170701"], "approvers": [CFO]},
             "unknown supplier BE0403170701: not a supplier"),  # a customer's
            ({"name": "stranger", "approvers": [CFO, STRANGER]},
             f"unknown approver {STRANGER}: an approver must be a user of the dossier"),
        ]:  # fmt: skip
            refused = await admin.post(rules_url, body)
            assert refused.status_code == 422, refused.text
            assert reason in refused.json()["detail"], refused.text
        assert len((await admin.get(rules_url)).json()) == 4
        process = f"{admin.approvals}/invoice-approval-process"
        assert (await employee.put(process, {"enabled": True})).status_code == 403
        assert (await admin.put(process, {"enabled": True})).json() == {"enabled": True}

        account = await admin.post(
            f"{admin.payments}/bank-accounts",
            {"iban": "BE68 5390 0754 7034", "holder_name": "Approvals BV", "town": "Gent",
             "country": "BE"},
        )  # fmt: skip
        assert account.status_code == 201, account.text

        # six purchase invoices: two delivered through ingest, four as recognition tells them
        async def deliver() -> str:
            delivered = await admin.http.post(
                f"{admin.ingest}/documents?mailbox=purchase",
                content=base_example(f"APV-{uuid.uuid4().hex[:8]}"),
                headers=admin.headers | {"Content-Type": "application/xml"},
            )
            assert delivered.status_code == 201, delivered.text
            return delivered.json()["id"]  # type: ignore[no-any-return]

        ubl, ubl_rejected = await deliver(), await deliver()
        small_x = purchase_invoice(SUPPLIER_X, "Supplier X", "5.00")
        large_x = purchase_invoice(SUPPLIER_X, "Supplier X", "2000.00")
        other = purchase_invoice("BE0987654321", "Other BV", "500.00")
        edge = purchase_invoice("BE0987654321", "Other BV", "1000.89")
        sales = purchase_invoice(SUPPLIER_X, "Customer", "9999.00", mailbox="sales")
        # recognized before received for one of them: the order of the topics does not matter
        await publish(stack, small_x[2], small_x[1], dossier=dossier)
        for _, received, recognized in (large_x, other, edge, sales):
            await publish(stack, received, recognized, dossier=dossier)

        expected = {
            ubl: [CFO],
            ubl_rejected: [CFO],
            small_x[0]: [BUYER],
            large_x[0]: sorted([BUYER, CFO]),
            other[0]: [PHILIPPE],
            edge[0]: [CFO],
        }
        for document_id, approvers in expected.items():
            approval = await admin.approval("invoices", str(document_id))
            assert [o["approvers"] for o in approval["options"]] == [approvers], approval
            assert approval["status"] == "pending"
        assert (await admin.approval("invoices", ubl))["amount"] == "1656.25"
        await asyncio.sleep(1)
        none = await admin.get(f"{admin.approvals}/invoices/{sales[0]}/approval")
        assert none.status_code == 404  # a sales document is not approved

        # the mailbox shows the status for each caller; an invoice that waits is not sent or paid
        async def mailbox(caller: Caller, document_id: str, wanted: str) -> dict[str, Any]:
            async def probe() -> dict[str, Any] | None:
                document = (await caller.get(f"{caller.ingest}/documents/{document_id}")).json()
                return document if document["approval_status"] == wanted else None

            return await eventually(probe)

        async def payments_knows(document_id: str, wanted: str) -> None:
            connection = await asyncpg.connect(stack.database_urls["payments"])
            try:

                async def probe() -> bool | None:
                    status = await connection.fetchval(
                        "SELECT status FROM invoice_approvals WHERE document_id = $1",
                        uuid.UUID(document_id),
                    )
                    return True if status == wanted else None

                await eventually(probe)
            finally:
                await connection.close()

        await mailbox(cfo, ubl, "to_approve_by_me")
        await mailbox(admin, ubl, "to_approve")
        listed = await cfo.get(
            f"{cfo.ingest}/documents",
            params={"approval": "to_approve_by_me", "mailbox": "purchase"},
        )
        assert sorted(d["id"] for d in listed.json()) == sorted([ubl, ubl_rejected])
        not_sent = await admin.post(f"{admin.ingest}/documents/{ubl}/submit")
        assert not_sent.status_code == 409
        assert f"waits for approval by {CFO}" in not_sent.json()["detail"]
        await payments_knows(ubl, "pending")
        not_paid = await admin.post(f"{admin.payments}/payments", {"document_id": ubl})
        assert not_paid.status_code == 409, not_paid.text
        assert "only approved invoices can be paid" in not_paid.json()["detail"]

        # switching off with pending approvals: 409 with the count
        refused = await admin.put(process, {"enabled": False})
        assert refused.status_code == 409
        assert "6 invoice approvals are pending" in refused.json()["detail"]

        # one of two approvers leaves it "to approve"; the second approves it
        large = str(large_x[0])
        by_buyer = await buyer.post(f"{buyer.approvals}/invoices/{large}/approve")
        assert by_buyer.status_code == 200, by_buyer.text
        assert (by_buyer.json()["status"], by_buyer.json()["my_status"]) == (
            "pending",
            "to_approve",
        )
        mine = await cfo.get(
            f"{cfo.approvals}/invoices/approvals", params={"status": "to_approve_by_me"}
        )
        assert sorted(item["id"] for item in mine.json()) == sorted(
            [ubl, ubl_rejected, large, str(edge[0])]
        )
        not_mine = await philippe.post(f"{philippe.approvals}/invoices/{large}/approve")
        assert not_mine.status_code == 403
        assert f"it waits for {CFO}" in not_mine.json()["detail"]
        by_cfo = await cfo.post(f"{cfo.approvals}/invoices/{large}/approve")
        assert by_cfo.json()["status"] == "approved"
        [approved] = await events_where(stack, "invoice.approved.v1", "document_id", large)
        assert approved["data"]["approved_by"] == [BUYER, CFO]

        # bulk is all or nothing: one invoice not waiting for the caller refuses them all
        bulk = f"{cfo.approvals}/invoices/approve"
        refused = await cfo.post(bulk, {"ids": [ubl, str(other[0])]})
        assert refused.status_code == 403, refused.text
        assert (await cfo.approval("invoices", ubl))["status"] == "pending"
        both = await cfo.post(bulk, {"ids": [ubl, str(edge[0])], "reason": "checked"})
        assert both.status_code == 200, both.text
        assert [item["status"] for item in both.json()] == ["approved", "approved"]
        await mailbox(admin, ubl, "approved")
        sent = await admin.post(f"{admin.ingest}/documents/{ubl}/submit")
        assert sent.status_code == 200 and sent.json()["status"] == "in_processing", sent.text

        turned_down = await cfo.post(f"{cfo.approvals}/invoices/{ubl_rejected}/reject")
        assert turned_down.status_code == 200 and turned_down.json()["rejected_by"] == CFO
        await mailbox(cfo, ubl_rejected, "rejected")
        not_sent = await admin.post(f"{admin.ingest}/documents/{ubl_rejected}/submit")
        assert not_sent.status_code == 409 and "rejected" in not_sent.json()["detail"]
        await payments_knows(ubl_rejected, "rejected")
        not_paid = await admin.post(f"{admin.payments}/payments", {"document_id": ubl_rejected})
        assert not_paid.status_code == 409 and "rejected" in not_paid.json()["detail"]
        await payments_knows(ubl, "approved")
        paid = await admin.post(
            f"{admin.payments}/payments",
            {"document_id": ubl, "creditor_iban": "BE71096123456769"},  # the sample's is no IBAN
        )
        assert paid.status_code == 201 and paid.json()["status"] == "in_basket", paid.text

        rejected = await philippe.post(
            f"{philippe.approvals}/invoices/{other[0]}/reject", {"reason": "not ours"}
        )
        assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
        [rejection] = await events_where(stack, "invoice.rejected.v1", "document_id", str(other[0]))
        assert rejection["data"] == {
            "document_id": str(other[0]),
            "rejected_by": PHILIPPE,
            "reason": "not ours",
        }
        late = await philippe.post(f"{philippe.approvals}/invoices/{other[0]}/approve")
        assert late.status_code == 409

        statuses = {
            item["id"]: item["my_status"]
            for item in (await buyer.get(f"{buyer.approvals}/invoices/approvals")).json()
        }
        assert statuses[str(small_x[0])] == "to_approve_by_me"
        assert statuses[large] == "approved"
        assert statuses[str(other[0])] == "rejected"
        assert (await buyer.post(f"{buyer.approvals}/invoices/reject", {"ids": [str(small_x[0])]})
                ).json()[0]["status"] == "rejected"  # fmt: skip

        # a rule change applies to invoices arriving after it
        x_rule = next(rule for rule in rules if rule["name"] == "Supplier X")
        changed = await admin.put(
            f"{rules_url}/{x_rule['id']}",
            {"name": "Supplier X", "supplier_vats": [SUPPLIER_X], "approvers": [CFO]},
        )
        assert changed.status_code == 200 and changed.json()["version"] == 2
        later = purchase_invoice(SUPPLIER_X, "Supplier X", "7.00")
        await publish(stack, later[1], later[2], dossier=dossier)
        later_approval = await admin.approval("invoices", str(later[0]))
        assert [o["approvers"] for o in later_approval["options"]] == [[CFO]]
        assert later_approval["options"][0]["rules"][0]["version"] == 2
        await cfo.post(f"{cfo.approvals}/invoices/{later[0]}/approve")

        # a rule naming a supplier by its counterparty number in the books: an invoice that shows
        # no VAT number, only that supplier's IBAN, is matched through approvals' copy
        by_number = await admin.post(
            rules_url, {"name": "Janssens", "supplier_numbers": ["L0103"], "approvers": [LEAD]}
        )
        assert by_number.status_code == 201, by_number.text
        assert by_number.json()["supplier_numbers"] == ["L0103"]
        janssens = purchase_invoice(None, "Janssens", "5.00", iban="BE68 5390 0754 7034")
        await publish(stack, janssens[1], janssens[2], dossier=dossier)
        janssens_approval = await admin.approval("invoices", str(janssens[0]))
        [option] = janssens_approval["options"]
        assert option["approvers"] == [LEAD]  # not the fallback's
        assert option["rules"][0]["rule_id"] == by_number.json()["id"]
        assert janssens_approval["details"]["supplier_numbers"] == ["L0103"]
        lead = Caller(stack, http, dossier, LEAD, Role.CLIENT_FULL_ACCESS)
        assert (await lead.post(f"{lead.approvals}/invoices/{janssens[0]}/approve")).json()[
            "status"
        ] == "approved"
        [by_lead] = await events_where(
            stack, "invoice.approved.v1", "document_id", str(janssens[0])
        )
        assert by_lead["data"]["rule_id"] == by_number.json()["id"]

        assert (await admin.put(process, {"enabled": False})).json() == {"enabled": False}

        trail = (await employee.get(f"{admin.approvals}/invoices/{large}/audit-trail")).json()
        assert [(r["action"], r["actor"]) for r in trail] == [
            ("approval requested", "approvals"),
            ("approved (partly)", BUYER),
            ("approved", CFO),
        ]
        dossier_trail = (await admin.get(f"{admin.approvals}/audit-trail")).json()
        switches = [(r["action"], r["before"], r["after"]) for r in dossier_trail
                    if r["entity"] == "invoice_process"]  # fmt: skip
        assert switches == [
            ("process switched on", {"enabled": False}, {"enabled": True}),
            ("process switched off", {"enabled": True}, {"enabled": False}),
        ]
