"""Hostile and odd input against the running services: an upload that never ends, NUL and control
characters, amounts in other scripts or out of range, and one invoice paid through two documents.
Every refusal is a 4xx with a message, and writes nothing."""

import asyncio
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from ingest.config import IngestSettings
from ledgerline.devstack.stack import Stack
from ledgerline.testing.ubl import base_example

from tests.e2e.helpers import add_dossier_users, bearer, eventually, upload

pytestmark = [pytest.mark.e2e]

MAX_DOCUMENT_BYTES: int = IngestSettings.model_fields["max_document_bytes"].default
BLOCK = 256 * 1024


@dataclass(frozen=True)
class Dossier:
    """A dossier of the demo office for this module alone, with a bank account to pay from, so
    that what these tests write (and check was not written) is theirs only."""

    id: uuid.UUID
    headers: dict[str, str]


@pytest.fixture(scope="module")
async def dossier(stack: Stack) -> Dossier:
    dossier_id = uuid.uuid4()
    own = Dossier(dossier_id, bearer(stack, dossiers=[dossier_id]))
    async with httpx.AsyncClient(timeout=10, headers=own.headers) as http:
        activated = await http.post(
            f"{stack.url('sync')}/dossiers",
            json={
                "id": str(dossier_id),
                "name": "Drukkerij Inputs BV",
                "accounting_package": "exact",
                "dossier_code": f"IN-{dossier_id.hex[:8]}",
            },
        )
        assert activated.status_code == 201, activated.text

        async def known_everywhere() -> bool | None:
            for service, path in [("ingest", "documents"), ("payments", "bank-accounts")]:
                response = await http.get(f"{stack.url(service)}/dossiers/{dossier_id}/{path}")
                if response.status_code != 200:
                    return None
            return True

        await eventually(known_everywhere)
        account = await http.post(
            f"{stack.url('payments')}/dossiers/{dossier_id}/bank-accounts",
            json={
                "iban": "BE68 5390 0754 7034",
                "holder_name": "Drukkerij Inputs BV",
                "town": "Antwerpen",
                "country": "BE",
            },
        )
        assert account.status_code == 201, account.text
    return own


def invoice_xml(number: str, *, variant: str = "") -> bytes:
    """The Peppol base example, payable to a Belgian account; `variant` makes other bytes of the
    same invoice (as a second document of it would be)."""
    xml = base_example(number, iban="BE71096123456769", bic="GKCCBEBB")
    return xml + (f"<!-- {variant} -->\n".encode() if variant else b"")


async def documents(http: httpx.AsyncClient, stack: Stack, dossier: Dossier) -> list[str]:
    response = await http.get(
        f"{stack.url('ingest')}/dossiers/{dossier.id}/documents", headers=dossier.headers
    )
    assert response.status_code == 200
    return [document["id"] for document in response.json()]


# --- defect 5: the size limit holds while the body streams ------------------------------------


async def upload_that_never_ends(
    stack: Stack, dossier: Dossier, content_type: str, preamble: bytes
) -> tuple[int, bytes, int]:
    """POSTs a chunked body (no Content-Length) that goes past the limit by 1 MiB and then stalls:
    the rest, and the terminating chunk, never come. A server that waits for the whole body
    before refusing never answers. Returns the status, the body and the bytes sent."""
    url = urlsplit(stack.url("ingest"))
    assert url.hostname is not None and url.port is not None
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(
        (
            f"POST /dossiers/{dossier.id}/documents HTTP/1.1\r\n"
            f"Host: {url.netloc}\r\n"
            f"Authorization: Bearer {stack.token(dossiers=[dossier.id])}\r\n"
            f"Content-Type: {content_type}\r\n"
            "Transfer-Encoding: chunked\r\n\r\n"
        ).encode()
    )
    sent = 0

    def chunk(data: bytes) -> bytes:
        return f"{len(data):x}\r\n".encode() + data + b"\r\n"

    async def send() -> None:
        nonlocal sent
        writer.write(chunk(preamble))
        sent = len(preamble)
        block = b"\x00" * BLOCK
        while sent <= MAX_DOCUMENT_BYTES + 1024 * 1024:
            writer.write(chunk(block))
            await writer.drain()
            sent += BLOCK
        await asyncio.Event().wait()  # stalled: the body never ends

    sender = asyncio.create_task(send())
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        body = await asyncio.wait_for(reader.readexactly(length), timeout=10)
    finally:
        sender.cancel()
        writer.close()
    return status, body, sent


async def test_a_chunked_multipart_upload_over_the_limit_is_refused_while_it_streams(
    stack: Stack, dossier: Dossier
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        before = await documents(http, stack, dossier)
        boundary = "ledgerline-e2e-boundary"
        status, body, sent = await upload_that_never_ends(
            stack,
            dossier,
            f"multipart/form-data; boundary={boundary}",
            (
                f"--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="huge.pdf"\r\n'
                "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
            ).encode(),
        )
        assert status == 413, body
        assert f"larger than {MAX_DOCUMENT_BYTES} bytes".encode() in body
        # The answer came while the body was still open, after at most the limit and a little:
        # the server never needed (nor waited for) the rest.
        assert sent <= MAX_DOCUMENT_BYTES + 1024 * 1024 + 2 * BLOCK
        assert await documents(http, stack, dossier) == before


async def test_a_multipart_upload_under_the_limit_is_kept_byte_for_byte(
    stack: Stack, dossier: Dossier
) -> None:
    url = f"{stack.url('ingest')}/dossiers/{dossier.id}/documents"
    content = invoice_xml(f"MULTI-{uuid.uuid4().hex[:8]}")
    async with httpx.AsyncClient(timeout=15) as http:
        uploaded = await http.post(
            url,
            files={"file": ("invoice.xml", content, "application/xml")},
            headers=dossier.headers,
        )
        assert uploaded.status_code == 201, uploaded.text
        document = uploaded.json()
        assert (document["channel"], document["filename"]) == ("upload", "invoice.xml")
        assert document["size_bytes"] == len(content)
        kept = await http.get(f"{url}/{document['id']}/content", headers=dossier.headers)
        assert kept.content == content

        before = await documents(http, stack, dossier)
        no_file = await http.post(url, data={"note": "no file"}, files={"other": ("x", b"x")})
        assert no_file.status_code == 401  # no token: refused before the body is read
        no_file = await http.post(
            url, data={"note": "no file"}, files={"other": ("x", b"x")}, headers=dossier.headers
        )
        assert no_file.status_code == 422
        # The shared multipart reader (ledgerline.uploads) names the misplaced field.
        assert no_file.json()["detail"] == "files go in 'file' fields, not 'other'"
        broken = await http.post(
            url,
            content=b"--x\r\nnot a part",
            headers=dossier.headers | {"Content-Type": "multipart/form-data"},
        )
        assert broken.status_code == 422
        assert broken.json()["detail"].startswith("malformed multipart body")
        assert await documents(http, stack, dossier) == before


async def test_a_chunked_raw_upload_over_the_limit_is_refused_while_it_streams(
    stack: Stack, dossier: Dossier
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        before = await documents(http, stack, dossier)
        status, body, _ = await upload_that_never_ends(
            stack, dossier, "application/pdf", b"%PDF-1.7\n"
        )
        assert status == 413, body
        assert f"larger than {MAX_DOCUMENT_BYTES} bytes".encode() in body
        assert await documents(http, stack, dossier) == before


# --- defect 6: NUL, control characters and odd amounts are 422s that write nothing ------------


def assert_refused(response: httpx.Response, reason: str, case: Any) -> None:
    assert response.status_code == 422, (case, response.status_code, response.text)
    assert reason.lower() in response.json()["detail"].lower(), (case, response.text)


async def test_nul_and_control_characters_in_queries_and_paths_are_422(
    stack: Stack, dossier: Dossier
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        before = await documents(http, stack, dossier)
        base = f"/dossiers/{dossier.id}"
        cases = [
            ("worklist", "GET", f"{base}/proposals?status=%00", "query: a NUL character"),
            ("worklist", "GET", f"{base}/proposals?status=ok%07", "control character (U+0007)"),
            ("payments", "GET", f"{base}/payments?status=%00", "query: a NUL character"),
            ("ingest", "POST", f"{base}/documents?filename=a%00.xml", "query: a NUL character"),
            ("ingest", "GET", f"{base}%00/documents", "path: a NUL character"),
        ]
        for service, method, path, reason in cases:
            response = await http.request(
                method,
                stack.url(service) + path,
                content=invoice_xml("NUL-1") if method == "POST" else None,
                headers=dossier.headers | {"Content-Type": "application/xml"},
            )
            assert_refused(response, reason, path)
        assert await documents(http, stack, dossier) == before


async def test_approval_rules_refuse_nul_and_amounts_out_of_range(
    stack: Stack, dossier: Dossier
) -> None:
    url = f"{stack.url('approvals')}/dossiers/{dossier.id}/invoice-approval-rules"
    rule = {
        "name": "Above 1000",
        "amount_from": "1000.00",
        "approvers": ["anna@bakkerij-peeters.example"],
    }
    async with httpx.AsyncClient(timeout=10) as http:
        before = (await http.get(url, headers=dossier.headers)).json()
        cases = [
            (rule | {"name": "Above\x001000"}, "name: Value error, a NUL character"),
            (rule | {"supplier_vats": ["BE0123\x00456749"]}, "supplier_vats.0: Value error, a NUL"),
            (rule | {"labels": ["rent\x1b"]}, "labels.0: Value error, a control character"),
            (rule | {"approvers": ["anna\x00@x.example"]}, "approvers.0: Value error, a NUL"),
            (rule | {"amount_from": "1e400"}, "amount_from: Value error, '1e400' is not an amount"),
            (rule | {"amount_from": "9" * 40}, "larger than the largest amount 999999999.99"),
            (rule | {"amount_from": "١٢٣.45"}, "is not an amount: use ASCII digits"),
            (rule | {"amount_from": "１２.00"}, "is not an amount: use ASCII digits"),
            (rule | {"amount_from": " 12.00 "}, "without spaces"),
            (rule | {"amount_from": "12.001"}, "more than two decimals"),
        ]
        for body, reason in cases:
            assert_refused(await http.post(url, json=body, headers=dossier.headers), reason, body)
        assert (await http.get(url, headers=dossier.headers)).json() == before
        await add_dossier_users(stack, dossier.id, "anna@bakkerij-peeters.example")
        accepted = await http.post(url, json=rule, headers=dossier.headers)
        assert accepted.status_code == 201 and accepted.json()["amount_from"] == "1000.00"


async def test_dossier_activation_refuses_nul(stack: Stack, dossier: Dossier) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        before = (await http.get(f"{stack.url('sync')}/dossiers", headers=dossier.headers)).json()
        activation = {"name": "Garage\x00Janssens", "accounting_package": "exact"}
        for body, reason in [
            (activation | {"dossier_code": "JANS"}, "name: Value error, a NUL character"),
            (activation | {"name": "Garage", "dossier_code": "JA\x00NS"}, "dossier_code: Value"),
        ]:
            response = await http.post(
                f"{stack.url('sync')}/dossiers", json=body, headers=dossier.headers
            )
            assert_refused(response, reason, body)
        after = (await http.get(f"{stack.url('sync')}/dossiers", headers=dossier.headers)).json()
        assert after == before


async def test_payments_refuse_nul_control_characters_and_odd_amounts(
    stack: Stack, dossier: Dossier
) -> None:
    base = f"{stack.url('payments')}/dossiers/{dossier.id}"
    async with httpx.AsyncClient(timeout=15) as http:
        accounts_before = (await http.get(f"{base}/bank-accounts", headers=dossier.headers)).json()
        account = {
            "iban": "BE43 0689 9999 9501",
            "holder_name": "Bakkerij Peeters BV",
            "town": "Antwerpen",
            "country": "BE",
        }
        for body, reason in [
            (account | {"holder_name": "Bakkerij\x00"}, "holder_name: Value error, a NUL"),
            (account | {"town": "Antwerpen\x00"}, "town: Value error, a NUL"),
            (account | {"street": "Grote\x01Markt"}, "street: Value error, a control character"),
            (account | {"iban": "BE43\x0006899999 9501"}, "iban: Value error, a NUL"),
            (account | {"bic": "GKCC\x00BEBB"}, "bic: Value error, a NUL"),
        ]:
            response = await http.post(f"{base}/bank-accounts", json=body, headers=dossier.headers)
            assert_refused(response, reason, body)
        accounts_after = (await http.get(f"{base}/bank-accounts", headers=dossier.headers)).json()
        assert accounts_after == accounts_before

        payments_before = (await http.get(f"{base}/payments", headers=dossier.headers)).json()
        manual = {
            "creditor_name": "Drukkerij Van Damme",
            "creditor_iban": "BE71096123456769",
            "amount": "12.00",
        }
        for body, reason in [
            (manual | {"creditor_name": "Drukkerij\x00"}, "creditor_name: Value error, a NUL"),
            (manual | {"creditor_name": "Druk\nkerij"}, "control character (U+000A)"),
            (
                manual | {"remittance": {"type": "unstructured", "value": "F1\x00"}},
                "remittance.value: Value error, a NUL",
            ),
            (manual | {"amount": "١٢٣.45"}, "is not an amount: use ASCII digits"),
            (manual | {"amount": "１２.00"}, "is not an amount: use ASCII digits"),
            (manual | {"amount": " 12.00 "}, "without spaces"),
            (manual | {"amount": "1e400"}, "is not an amount"),
            (manual | {"amount": "9" * 40}, "larger than the largest amount"),
            (manual | {"amount": 12}, "not a JSON number"),
        ]:
            response = await http.post(f"{base}/payments", json=body, headers=dossier.headers)
            assert_refused(response, reason, body)
        assert (await http.get(f"{base}/payments", headers=dossier.headers)).json() == (
            payments_before
        )

        # A SEPA file to e-mail: a manual payment through the basket.
        created = await http.post(f"{base}/payments", json=manual, headers=dossier.headers)
        assert created.status_code == 201, created.text
        made = await http.post(
            f"{base}/sepa-files",
            json={"payment_ids": [created.json()["id"]]},
            headers=dossier.headers,
        )
        assert made.status_code == 201, made.text
        email_url = f"{base}/sepa-files/{made.json()['id']}/email"
        assert stack.infrastructure is not None and stack.infrastructure.smtp is not None
        mails_before = len(stack.infrastructure.smtp.messages())
        for to, reason in [
            ("payments\x00@bank.example", "to: Value error, a NUL character"),
            ("pay\x01ments@bank.example", "to: Value error, a control character (U+0001)"),
            ("payments@bank.example\r\nBcc: all@evil.example", "control character (U+000D)"),
            ("paiements@banqué.example", "to: String should match pattern"),
        ]:
            response = await http.post(email_url, json={"to": to}, headers=dossier.headers)
            assert_refused(response, reason, to)
        assert len(stack.infrastructure.smtp.messages()) == mails_before
        sent = await http.post(
            email_url, json={"to": "payments@bank.example"}, headers=dossier.headers
        )
        assert sent.status_code == 202, sent.text
        assert len(stack.infrastructure.smtp.messages()) == mails_before + 1


# --- defect 7: never pay an invoice twice, whatever document it goes through ------------------


async def deliver(
    http: httpx.AsyncClient, stack: Stack, dossier: Dossier, content: bytes, mailbox: str
) -> str:
    document = await upload(http, stack, dossier.id, content, dossier.headers, mailbox=mailbox)
    document_id: str = document["id"]
    url = f"{stack.url('payments')}/dossiers/{dossier.id}/payable-invoices/{document_id}"

    async def payable() -> dict[str, Any] | None:
        found = await http.get(url, headers=dossier.headers)
        return found.json() if found.status_code == 200 else None

    await eventually(payable)
    return document_id


async def test_an_invoice_paid_through_one_document_cannot_be_paid_through_another(
    stack: Stack, dossier: Dossier
) -> None:
    base = f"{stack.url('payments')}/dossiers/{dossier.id}"
    number = f"TWICE-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=15) as http:
        # The PDF, and later its photo: another document, the number written differently.
        pdf = await deliver(http, stack, dossier, invoice_xml(number), "purchase")
        photo = await deliver(
            http,
            stack,
            dossier,
            invoice_xml(number.lower().replace("-", " "), variant="photo"),
            "purchase",
        )
        assert pdf != photo

        first = await http.post(
            f"{base}/payments", json={"document_id": pdf}, headers=dossier.headers
        )
        assert first.status_code == 201, first.text
        payment = first.json()
        assert payment["amount"] == "1656.25"
        made = await http.post(
            f"{base}/sepa-files", json={"payment_ids": [payment["id"]]}, headers=dossier.headers
        )
        assert made.status_code == 201, made.text

        before = (await http.get(f"{base}/payments", headers=dossier.headers)).json()
        for method in ("qr", "basket"):
            again = await http.post(
                f"{base}/payments",
                json={"document_id": photo, "method": method},
                headers=dossier.headers,
            )
            assert again.status_code == 409, again.text
            detail = again.json()["detail"]
            assert "is already paid or being paid (1656.25 of 1656.25)" in detail
            assert f"payment {payment['id']} (in_processing) of document {pdf}" in detail
        part = await http.post(
            f"{base}/payments",
            json={"document_id": photo, "method": "qr", "amount": "10.00"},
            headers=dossier.headers,
        )
        assert part.status_code == 409 and payment["id"] in part.json()["detail"]
        assert (await http.get(f"{base}/payments", headers=dossier.headers)).json() == before

        shown = (await http.get(f"{base}/payable-invoices/{photo}", headers=dossier.headers)).json()
        assert (shown["already_paid"], shown["open_amount"]) == ("1656.25", "0.00")


async def test_a_sales_mailbox_document_is_not_paid_as_a_supplier_invoice(
    stack: Stack, dossier: Dossier
) -> None:
    base = f"{stack.url('payments')}/dossiers/{dossier.id}"
    async with httpx.AsyncClient(timeout=15) as http:
        sale = await deliver(
            http, stack, dossier, invoice_xml(f"SALE-{uuid.uuid4().hex[:8]}"), mailbox="sales"
        )
        before = (await http.get(f"{base}/payments", headers=dossier.headers)).json()
        for method in ("basket", "qr"):
            refused = await http.post(
                f"{base}/payments",
                json={"document_id": sale, "method": method},
                headers=dossier.headers,
            )
            assert refused.status_code == 409, refused.text
            assert refused.json()["detail"] == (
                f"document {sale} was delivered to the sales mailbox: it is an invoice to a "
                "customer, not a supplier invoice to pay"
            )
        assert (await http.get(f"{base}/payments", headers=dossier.headers)).json() == before
