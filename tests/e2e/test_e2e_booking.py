"""The booking factory over the running stack: UBL and PDF invoices of the demo dossier's known
suppliers are delivered, recognised and submitted; the worklist proposes them enriched from the
books (supplier, journal, period, GL account and VAT code lines); they are checked and sent, and
booked in the Beancount ledger with their document number. A duplicate is flagged "! Ok", a
proposal whose lines do not add up cannot be sent, what the books refuse comes back, and a
booking the office deletes leaves the ledger and comes back to the worklist to be sent again."""

import dataclasses
import random
import re
import subprocess
import sys
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from beancount import loader
from beancount.core import data as bean_data
from ledgerline.auth import Role
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack
from ledgerline.testing.ubl import Line, Party, generated_invoice

from tests.e2e.helpers import eventually, recognition, recognition_corpus, submit, upload

pytestmark = [pytest.mark.e2e]

DOSSIER = DEMO_DOSSIER_ID
INVOICE_DATE = date(2026, 11, 20)  # in PEETERS's open period 2026-11


# The dossier's own party on its purchase invoices (Bakkerij Peeters, the demo dossier).
CUSTOMER = Party(name="Bakkerij Peeters BV", vat="BE0123456749", city="Antwerpen")


def ubl(number: str, supplier: str, vat_number: str, net: Decimal, rate: int = 21) -> bytes:
    """A one-line purchase invoice of the dossier from `supplier`, dated INVOICE_DATE."""
    return generated_invoice(
        number,
        [Line(f"Taartdozen, {number}", net)],
        supplier=Party(name=supplier, vat=vat_number, city="Gent"),
        customer=CUSTOMER,
        issue_date=INVOICE_DATE,
        due_date=INVOICE_DATE + timedelta(days=30),
        rate=Decimal(rate),
    ).xml


def pdf_of_molens_dedeyne(number: str) -> tuple[bytes, Any]:
    """A text PDF from PEETERS's supplier L0001 (Molens Dedeyne, VAT BE0299925087), all at 6 %."""
    corpus = recognition_corpus()
    spec = corpus.random_spec(
        random.Random(2026), 0, layout="classic", language="nl", credit=False, reference="ogm"
    )
    spec = dataclasses.replace(
        spec,
        supplier=dataclasses.replace(
            spec.supplier, name="Molens Dedeyne", vat="BE0299925087", vat_display="BE0299925087"
        ),
        number=number,
        issue=INVOICE_DATE,
        due=INVOICE_DATE + timedelta(days=30),
        currency="EUR",
        items=[dataclasses.replace(item, vat_rate=Decimal(6)) for item in spec.items[:2]],
    )
    return corpus.render_pdf(spec), spec


class Worklist:
    def __init__(self, stack: Stack, http: httpx.AsyncClient) -> None:
        self.stack, self.http = stack, http
        self.office = {
            "Authorization": f"Bearer {stack.token(role=Role.EMPLOYEE, subject='eva@office.example')}"
        }
        self.client = {
            "Authorization": "Bearer "
            + stack.token(role=Role.CLIENT_ADMINISTRATOR, subject="ben@bakkerij.example")
        }
        self.base = f"{stack.url('worklist')}/dossiers/{DOSSIER}/proposals"

    async def deliver(self, content: bytes, content_type: str) -> str:
        document = await upload(
            self.http,
            self.stack,
            DOSSIER,
            content,
            self.client,
            mailbox="purchase",
            content_type=content_type,
        )
        await recognition(self.http, self.stack, DOSSIER, document["id"], self.client)
        await submit(self.http, self.stack, DOSSIER, document["id"], self.client)
        document_id: str = document["id"]
        return document_id

    async def proposal_of(self, document_id: str) -> dict[str, Any]:
        async def found() -> dict[str, Any] | None:
            response = await self.http.get(self.base, headers=self.office)
            assert response.status_code == 200, response.text
            mine = [p for p in response.json() if p["document_id"] == document_id]
            return mine[0] if mine else None

        return await eventually(found, 60)  # type: ignore[no-any-return]

    async def get(self, proposal_id: str) -> dict[str, Any]:
        response = await self.http.get(f"{self.base}/{proposal_id}", headers=self.office)
        assert response.status_code == 200, response.text
        return response.json()  # type: ignore[no-any-return]

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.http.post(f"{self.base}/{path}", headers=self.office, **kwargs)

    async def patch(self, proposal_id: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.patch(f"{self.base}/{proposal_id}", json=body, headers=self.office)

    async def until_status(self, proposal_id: str, *statuses: str) -> dict[str, Any]:
        async def reached() -> dict[str, Any] | None:
            proposal = await self.get(proposal_id)
            return proposal if proposal["status"] in statuses else None

        return await eventually(reached, timeout=90)  # type: ignore[no-any-return]


async def books_synced(worklist: Worklist) -> None:
    async def known() -> bool | None:
        response = await worklist.http.get(
            f"{worklist.stack.url('worklist')}/dossiers/{DOSSIER}/ledger/counterparties",
            params={"vat_number": "BE0715231874"},
            headers=worklist.office,
        )
        return True if response.status_code == 200 and response.json() else None

    await eventually(known, 60)


@pytest.fixture(scope="module", autouse=True)
async def books_resynced_afterwards(stack: Stack) -> Any:
    """The bookings made here are in the demo ledger every e2e test shares: a full resync
    afterwards brings the copies (payments' open items, the worklist's) up to date with them,
    as the office's nightly synchronisation would."""
    yield
    employee = {
        "Authorization": f"Bearer {stack.token(role=Role.EMPLOYEE, subject='eva@office.example')}"
    }
    async with httpx.AsyncClient(timeout=60) as http:
        response = await http.post(f"{stack.url('sync')}/dossiers/{DOSSIER}/sync", headers=employee)
        assert response.status_code == 202, response.text
        run = response.json()

        async def replaced() -> bool | None:
            items = await http.get(
                f"{stack.url('payments')}/dossiers/{DOSSIER}/open-items", headers=employee
            )
            return True if len(items.json()) == run["open_items"] else None

        await eventually(replaced, 60)


def ledger_transactions_of(stack: Stack, proposal_id: str) -> list[bean_data.Transaction]:
    """The proposal's transactions in the demo ledger, loaded by Beancount without errors."""
    entries, errors, _ = loader.load_file(str(stack.ledger_root / "PEETERS" / "main.beancount"))
    assert errors == []
    return [
        entry
        for entry in entries
        if isinstance(entry, bean_data.Transaction) and entry.meta.get("proposal-id") == proposal_id
    ]


def transaction_of(stack: Stack, proposal_id: str) -> bean_data.Transaction:
    [transaction] = ledger_transactions_of(stack, proposal_id)
    return transaction


def by_account(transaction: bean_data.Transaction) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for posting in transaction.postings:
        totals[posting.account] = totals.get(posting.account, Decimal(0)) + posting.units.number
    return totals


async def test_invoices_are_enriched_checked_sent_and_booked(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    async with httpx.AsyncClient(timeout=20) as http:
        worklist = Worklist(stack, http)
        await books_synced(worklist)
        ubl_document = await worklist.deliver(
            ubl(f"VH-{tag}", "Van Hoorebeke Verpakkingen NV", "BE0715231874", Decimal("1000.00")),
            "application/xml",
        )
        pdf, spec = pdf_of_molens_dedeyne(f"MD-{tag}")
        pdf_document = await worklist.deliver(pdf, "application/pdf")

        from_ubl = await worklist.proposal_of(ubl_document)
        assert (from_ubl["status"], from_ubl["status_label"]) == ("ok", "Ok")
        assert (from_ubl["counterparty_number"], from_ubl["counterparty_match"]) == ("L0006", "vat")
        assert (from_ubl["journal"], from_ubl["period"], from_ubl["mailbox"]) == (
            "CFAAN",
            "2026-11",
            "purchase",
        )
        assert [
            (line["gl_account"], line["amount_excl_vat"], line["vat_code"], line["vat_amount"])
            for line in from_ubl["detail_lines"]
        ] == [("604000", "1000.00", "A21", "210.00")]
        assert (from_ubl["lines_total"], from_ubl["lines_total_matches"]) == ("1210.00", True)
        assert from_ubl["warnings"] == []
        assert from_ubl["confidence_level"] == "full"

        from_pdf = await worklist.proposal_of(pdf_document)
        assert from_pdf["source"] == "air"
        assert (from_pdf["status"], from_pdf["counterparty_number"]) == ("ok", "L0001")
        assert (from_pdf["journal"], from_pdf["period"]) == ("CFAAN", "2026-11")
        [pdf_line] = from_pdf["detail_lines"]
        assert (pdf_line["gl_account"], pdf_line["vat_code"]) == ("600000", "A06")
        assert Decimal(pdf_line["amount_excl_vat"]) == spec.total_excl
        assert Decimal(pdf_line["vat_amount"]) == spec.total_vat
        assert Decimal(from_pdf["lines_total"]) == spec.total_incl

        ids = [from_ubl["id"], from_pdf["id"]]
        for proposal_id in ids:
            checked = await worklist.post(f"{proposal_id}/check")
            assert checked.status_code == 200, checked.text
            assert (checked.json()["status"], checked.json()["status_label"]) == (
                "checked",
                "Checked",
            )
        sent = await worklist.post("bulk/send", json={"proposal_ids": ids})
        assert sent.status_code == 200, sent.text
        assert {p["status"] for p in sent.json()} == {"sent"}

        booked = [await worklist.until_status(proposal_id, "booked") for proposal_id in ids]
        for proposal in booked:
            assert re.fullmatch(r"26000\d{3}", proposal["document_number"]), proposal
            assert proposal["booking_error"] is None
        ubl_booking = transaction_of(stack, ids[0])
        assert ubl_booking.meta["document-number"] == booked[0]["document_number"]
        assert ubl_booking.meta["journal"] == "CFAAN"
        assert by_account(ubl_booking) == {
            "Expenses:604000": Decimal("1000.00"),
            "Assets:411000": Decimal("210.00"),
            "Liabilities:440000": Decimal("-1210.00"),
        }
        pdf_booking = transaction_of(stack, ids[1])
        assert pdf_booking.meta["document-number"] == booked[1]["document_number"]
        assert by_account(pdf_booking) == {
            "Expenses:600000": spec.total_excl,
            "Assets:411000": spec.total_vat,
            "Liabilities:440000": -spec.total_incl,
        }

        # Booked: no more changes.
        refused = await worklist.patch(ids[0], {"invoice_number": "X"})
        assert refused.status_code == 409, refused.text
        assert "booked" in refused.json()["detail"]

        # The same invoice delivered again: "! Ok", not sendable before it is checked.
        again = await worklist.proposal_of(
            await worklist.deliver(
                ubl(
                    f"VH-{tag}", "Van Hoorebeke Verpakkingen NV", "BE0715231874", Decimal("1000.00")
                ),
                "application/xml",
            )
        )
        assert (again["status"], again["status_label"]) == ("ok_duplicate", "! Ok")
        [warning] = again["warnings"]
        assert warning["code"] == "possible_duplicate"
        assert f"CFAAN/{booked[0]['document_number']}" in warning["message"]
        not_yet = await worklist.post(f"{again['id']}/send")
        assert not_yet.status_code == 409
        assert "! Ok" in not_yet.json()["detail"]
        duplicates = await http.get(
            worklist.base, params={"filter": "duplicates"}, headers=worklist.office
        )
        assert again["id"] in {p["id"] for p in duplicates.json()}


async def test_lines_that_do_not_add_up_cannot_be_sent_and_no_lines_books_on_suspense(
    stack: Stack,
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    async with httpx.AsyncClient(timeout=20) as http:
        worklist = Worklist(stack, http)
        await books_synced(worklist)
        document = await worklist.deliver(
            ubl(f"VHB-{tag}", "Van Hoorebeke Verpakkingen", "BE0715231874", Decimal("800.00")),
            "application/xml",
        )
        proposal = await worklist.proposal_of(document)
        proposal_id = proposal["id"]

        for body, message in [
            ({"total_incl_vat": "12+"}, "is not a calculation of amounts"),
            ({"total_incl_vat": "1/0"}, "divides by zero"),
            ({"total_incl_vat": "__import__('os')"}, "is not a calculation of amounts"),
            (
                {"lines": [{"gl_account": "123456", "amount_excl_vat": "800", "vat_code": "A21"}]},
                "GL account 123456 is unknown to the dossier",
            ),
            (
                {"lines": [{"gl_account": "604000", "amount_excl_vat": "800", "vat_code": "Z99"}]},
                "VAT code Z99 is unknown to the dossier",
            ),
            ({"journal": "NOPE"}, "journal NOPE is unknown to the dossier"),
            ({"period": "2026-02"}, "period 2026-02 is closed"),
        ]:
            refused = await worklist.patch(proposal_id, body)
            assert refused.status_code == 422, (body, refused.text)
            assert message in refused.json()["detail"], refused.json()
        assert (await worklist.get(proposal_id))["detail_lines"] == proposal["detail_lines"]

        edited = await worklist.patch(
            proposal_id,
            {"lines": [{"gl_account": "604000", "amount_excl_vat": "500+200", "vat_code": "A21"}]},
        )
        assert edited.status_code == 200, edited.text
        body = edited.json()
        assert (
            body["detail_lines"][0]["amount_excl_vat"],
            body["detail_lines"][0]["vat_amount"],
        ) == (
            "700.00",
            "147.00",
        )
        assert (body["lines_total"], body["lines_total_matches"]) == ("847.00", False)
        assert [w["code"] for w in body["warnings"]] == ["lines_total_differs"]
        assert (await worklist.post(f"{proposal_id}/check")).status_code == 200
        refused = await worklist.post(f"{proposal_id}/send")
        assert refused.status_code == 409
        assert refused.json()["detail"].endswith(
            "the detail lines add up to 847.00, the invoice total is 968.00"
        )
        assert (await worklist.get(proposal_id))["status"] == "checked"

        # Every line deleted: booked "without detail" on the suspense account.
        without = await worklist.patch(proposal_id, {"lines": []})
        assert without.status_code == 200, without.text
        assert without.json()["without_detail"] is True
        assert (without.json()["status"], without.json()["status_label"]) == (
            "checked_suspense",
            "Checked with suspense account",
        )
        assert (await worklist.post(f"{proposal_id}/send")).status_code == 200
        booked = await worklist.until_status(proposal_id, "booked")
        transaction = transaction_of(stack, proposal_id)
        assert transaction.meta["document-number"] == booked["document_number"]
        assert by_account(transaction) == {
            "Assets:999999": Decimal("968.00"),
            "Liabilities:440000": Decimal("-968.00"),
        }

        # Booked on suspense by mistake: the office deletes the booking (seed 003, "Boeking
        # verwijderen"); it leaves the ledger, which bean-check still accepts, and the
        # proposal is back in the worklist, editable, to be corrected and sent again.
        posting = f"{stack.url('sync')}/dossiers/{DOSSIER}/postings/{proposal_id}"
        reason = {"reason": "booked without detail by mistake"}
        refused = await http.delete(posting, params=reason, headers=worklist.client)
        assert refused.status_code == 403, refused.text
        deleted = await http.delete(posting, params=reason, headers=worklist.office)
        assert deleted.status_code == 200, deleted.text
        assert deleted.json()["status"] == "deleted"
        again = await http.delete(posting, params=reason, headers=worklist.office)
        assert (again.status_code, again.json()["status"]) == (200, "deleted")
        assert ledger_transactions_of(stack, proposal_id) == []
        checked = subprocess.run(
            [
                str(Path(sys.executable).parent / "bean-check"),
                str(stack.ledger_root / "PEETERS" / "main.beancount"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert checked.returncode == 0, checked.stdout + checked.stderr
        back = await worklist.until_status(proposal_id, "ok")
        assert back["document_number"] is None
        assert back["booking_error"] == (
            f"deleted in the books (CFAAN/{booked['document_number']}): "
            "booked without detail by mistake"
        )

        async def in_processing() -> bool | None:
            response = await http.get(
                f"{stack.url('ingest')}/dossiers/{DOSSIER}/documents/{document}",
                headers=worklist.client,
            )
            assert response.status_code == 200, response.text
            return True if response.json()["status"] == "in_processing" else None

        await eventually(in_processing, 60, "the document back in processing")
        corrected = await worklist.patch(
            proposal_id,
            {"lines": [{"gl_account": "604000", "amount_excl_vat": "800", "vat_code": "A21"}]},
        )
        assert corrected.status_code == 200, corrected.text
        assert (await worklist.post(f"{proposal_id}/check")).status_code == 200
        assert (await worklist.post(f"{proposal_id}/send")).status_code == 200
        await worklist.until_status(proposal_id, "booked")
        assert by_account(transaction_of(stack, proposal_id)) == {
            "Expenses:604000": Decimal("800.00"),
            "Assets:411000": Decimal("168.00"),
            "Liabilities:440000": Decimal("-968.00"),
        }


async def test_what_the_books_refuse_comes_back_with_the_reason(stack: Stack) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    async with httpx.AsyncClient(timeout=20) as http:
        worklist = Worklist(stack, http)
        await books_synced(worklist)
        document = await worklist.deliver(
            ubl(f"NEW-{tag}", "Brouwerij Nergens", "BE0404164418", Decimal("50.00")),
            "application/xml",
        )
        proposal = await worklist.proposal_of(document)
        assert (proposal["status"], proposal["status_label"]) == ("ok_new", "Ok-new")
        assert proposal["counterparty_number"] is None
        assert proposal["detail_lines"][0]["suspense"] is True
        assert proposal["confidence_level"] == "grey"
        assert (await worklist.post(f"{proposal['id']}/send")).status_code == 200
        # Ok-new: the counterparty is created in the books with the next supplier number.
        booked = await worklist.until_status(proposal["id"], "booked")
        transaction = transaction_of(stack, proposal["id"])
        assert transaction.meta["document-number"] == booked["document_number"]
        entries, _, _ = loader.load_file(str(stack.ledger_root / "PEETERS" / "main.beancount"))
        [created] = [
            entry
            for entry in entries
            if isinstance(entry, bean_data.Custom)
            and entry.type == "ledgerline-counterparty"
            and entry.meta.get("vat") == "BE0404164418"
        ]
        assert transaction.meta["counterparty"] == created.values[0].value
        assert created.meta["name"] == "Brouwerij Nergens"

        # What only the books know comes back with their reason: a customer on a purchase.
        refused = await worklist.proposal_of(
            await worklist.deliver(
                ubl(f"CUST-{tag}", "Van Hoorebeke Verpakkingen", "BE0715231874", Decimal("60")),
                "application/xml",
            )
        )
        edited = await worklist.patch(refused["id"], {"counterparty_number": "K0001"})
        assert edited.status_code == 200, edited.text
        assert (await worklist.post(f"{refused['id']}/check")).status_code == 200
        assert (await worklist.post(f"{refused['id']}/send")).status_code == 200
        back = await worklist.until_status(refused["id"], "checked", "ok")
        assert "K0001 is a customer" in back["booking_error"]

        # Another dossier of the office does not see this proposal.
        other = uuid.uuid4()
        created = await http.post(
            f"{stack.url('sync')}/dossiers",
            json={
                "id": str(other),
                "name": "Garage Elders",
                "accounting_package": "exact",
                "dossier_code": f"EL{tag}",
            },
            headers={"Authorization": f"Bearer {stack.token()}"},
        )
        assert created.status_code in (200, 201), created.text
        other_list = f"{stack.url('worklist')}/dossiers/{other}/proposals"

        async def visible() -> bool | None:
            response = await http.get(
                other_list, headers={"Authorization": f"Bearer {stack.token()}"}
            )
            return True if response.status_code == 200 else None

        await eventually(visible, 60)
        elsewhere = await http.get(
            f"{other_list}/{proposal['id']}", headers={"Authorization": f"Bearer {stack.token()}"}
        )
        assert elsewhere.status_code == 404
        assert elsewhere.json()["detail"] == f"proposal {proposal['id']} not found"


async def test_a_fourth_invoice_is_proposed_as_the_supplier_s_last_three_were_booked(
    stack: Stack,
) -> None:
    """The office books Boekhoudkantoor Demo (L0009, 613000 in the books) on 612000: after
    three such bookings the counterparty has a template and the next invoice is proposed on it."""
    tag = uuid.uuid4().hex[:6].upper()
    supplier, vat_number = "Boekhoudkantoor Demo", "BE0376349211"
    async with httpx.AsyncClient(timeout=20) as http:
        worklist = Worklist(stack, http)
        await books_synced(worklist)
        for index, net in enumerate((Decimal("300.00"), Decimal("320.00"), Decimal("310.00"))):
            document = await worklist.deliver(
                ubl(f"BD-{tag}-{index}", supplier, vat_number, net), "application/xml"
            )
            proposal = await worklist.proposal_of(document)
            assert proposal["counterparty_number"] == "L0009"
            edited = await worklist.patch(
                proposal["id"],
                {
                    "lines": [
                        {"gl_account": "612000", "amount_excl_vat": str(net), "vat_code": "D21"}
                    ]
                },
            )
            assert edited.status_code == 200, edited.text
            assert (await worklist.post(f"{proposal['id']}/check")).status_code == 200
            assert (await worklist.post(f"{proposal['id']}/send")).status_code == 200
            await worklist.until_status(proposal["id"], "booked")

        async def template() -> list[dict[str, Any]] | None:
            response = await http.get(
                f"{stack.url('worklist')}/dossiers/{DOSSIER}/counterparties/L0009/templates",
                headers=worklist.office,
            )
            assert response.status_code == 200, response.text
            return response.json() or None

        [learnt] = await eventually(template, 60)
        assert learnt["uses"] == 3
        assert [(line["gl_account"], line["vat_code"]) for line in learnt["lines"]] == [
            ("612000", "D21")
        ]

        fourth = await worklist.proposal_of(
            await worklist.deliver(
                ubl(f"BD-{tag}-4", supplier, vat_number, Decimal("330.00")), "application/xml"
            )
        )
        assert [
            (line["gl_account"], line["vat_code"], line["amount_excl_vat"], line["vat_amount"])
            for line in fourth["detail_lines"]
        ] == [("612000", "D21", "330.00", "69.30")]
        assert (fourth["status"], fourth["lines_total_matches"]) == ("ok", True)
