"""The demo dossier's books (the Beancount reference connector) reach the platform, and
validated proposals reach the books, against the running services."""

import os
import re
import signal
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from ledgerline.auth import Role
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.stack import Stack
from ledgerline.events import Envelope, ProposalLine, ProposalValidated, ProposalVatLine
from sync.connectors.demo.generate import DEMO_ROOT

from tests.e2e.helpers import (
    beancount_ledger,
    bearer,
    bootstrap_of,
    envelope_of,
    events_where,
    eventually,
    one_line_purchase,
    publish_envelopes,
    read_topics,
    transactions_where,
)

pytestmark = [pytest.mark.e2e]

DOSSIER_CODE = "PEETERS"


def shipped_ledger() -> list[Any]:
    """The demo books as the project ships them: what activation synchronises, before the
    other e2e tests (which share the stack) book into them."""
    entries, errors, _ = beancount_ledger(DEMO_ROOT, DOSSIER_CODE)
    assert errors == []
    return entries


async def test_activation_synchronises_the_demo_ledger_into_sync_s_runs_and_kafka(
    stack: Stack,
) -> None:
    async with httpx.AsyncClient(timeout=15) as http:

        async def first_run() -> dict[str, Any] | None:
            response = await http.get(
                f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/syncs", headers=bearer(stack)
            )
            assert response.status_code == 200, response.text
            runs = [run for run in response.json() if run["trigger"] == "activation"]
            return runs[-1] if runs else None

        run = await eventually(first_run)
    assert run["status"] == "ok", run
    assert beancount_ledger(stack.ledger_root, DOSSIER_CODE)[1] == []
    counterparties = [
        e for e in shipped_ledger() if getattr(e, "type", None) == "ledgerline-counterparty"
    ]
    assert run["counterparties"] == len({e.values[0].value for e in counterparties}) >= 20
    chunks = [
        message.envelope
        for message in await read_topics(
            bootstrap_of(stack),
            "ledger.synced.v1",
            keep=lambda message: message.data.get("sync_id") == run["id"],
            quiet_polls=3,
        )
    ]
    assert len(chunks) == run["chunks"] >= 1
    assert chunks[-1]["data"]["last_chunk"] is True
    assert sum(len(c["data"]["counterparty_records"]) for c in chunks) == run["counterparties"]


def documents_in_ledger(entries: list[Any]) -> dict[str, tuple[Any, Any]]:
    """Per `journal/document number`: the invoice's amount on the collective account, and what
    the payments settling it add up to, read from the ledger's postings (not the connector)."""
    invoices: dict[str, Any] = {}
    paid: dict[str, Any] = {}
    for entry in entries:
        for posting in getattr(entry, "postings", None) or ():
            document = (posting.meta or {}).get("document")
            if document is None:
                continue
            if "invoice-date" in posting.meta:
                invoices[document] = posting.units.number
            else:
                paid[document] = paid.get(document, 0) + posting.units.number
    return {key: (amount, paid.get(key, 0)) for key, amount in invoices.items()}


async def test_worklist_and_payments_show_the_demo_books_after_activation(stack: Stack) -> None:
    entries = shipped_ledger()
    directives = [e for e in entries if getattr(e, "type", None) == "ledgerline-counterparty"]
    numbers = {e.values[0].value for e in directives}
    suppliers = {e.values[0].value for e in directives if e.values[1].value == "supplier"}
    worklist = f"{stack.url('worklist')}/dossiers/{DEMO_DOSSIER_ID}/ledger"
    async with httpx.AsyncClient(timeout=15) as http:

        async def counterparties() -> list[dict[str, Any]] | None:
            response = await http.get(f"{worklist}/counterparties", headers=bearer(stack))
            assert response.status_code == 200, response.text
            body = response.json()
            return body if len(body) >= len(numbers) else None

        listed = await eventually(counterparties)
        # Other tests may have created counterparties since (Ok-new bookings): the shipped
        # ones are all there.
        assert numbers <= {party["number"] for party in listed}
        supplier_list = (
            await http.get(
                f"{worklist}/counterparties", params={"kind": "supplier"}, headers=bearer(stack)
            )
        ).json()
        shipped = [party for party in supplier_list if party["number"] in suppliers]
        assert {party["number"] for party in shipped} == suppliers
        assert all(party["kind"] == "supplier" for party in supplier_list)
        assert all(party["vat_number"] and party["ibans"] for party in shipped)

        accounts = (await http.get(f"{worklist}/accounts", headers=bearer(stack))).json()
        by_code = {account["code"]: account for account in accounts}
        assert by_code["999999"]["suspense"] is True
        assert by_code["440000"]["pcmn_class"] == 4
        assert by_code["604000"]["type"] == "expense"
        vat_codes = (await http.get(f"{worklist}/vat-codes", headers=bearer(stack))).json()
        a21 = next(code for code in vat_codes if code["code"] == "A21")
        assert (Decimal(a21["rate"]), a21["direction"], a21["kind"]) == (21, "purchase", "goods")
        journals = (await http.get(f"{worklist}/journals", headers=bearer(stack))).json()
        cfaan = next(journal for journal in journals if journal["code"] == "CFAAN")
        assert (cfaan["type"], cfaan["number_format"]) == ("purchase", "yy000###")
        periods = (await http.get(f"{worklist}/periods", headers=bearer(stack))).json()
        assert [period["code"] for period in periods] == [f"2026-{m:02d}" for m in range(1, 13)]

        payments = f"{stack.url('payments')}/dossiers/{DEMO_DOSSIER_ID}"

        async def open_items() -> list[dict[str, Any]] | None:
            response = await http.get(f"{payments}/open-items", headers=bearer(stack))
            assert response.status_code == 200, response.text
            return response.json() or None

        items = await eventually(open_items)
        # Payments' copy follows the ledger as it is now (bookings of other tests included).
        documents = documents_in_ledger(beancount_ledger(stack.ledger_root, DOSSIER_CODE)[0])
        expected_open = {
            key
            for key, (amount, paid) in documents.items()
            if amount + paid != 0  # the collective posting and its payments net to the open part
        }
        assert {f"{i['journal']}/{i['document_number']}" for i in items} == expected_open
        partly_paid = [item for item in items if Decimal(item["amount_paid"]) != 0]
        assert partly_paid, "the demo has partly paid items"
        for item in (items[0], partly_paid[0]):
            posting, paid = documents[f"{item['journal']}/{item['document_number']}"]
            sign = -1 if item["kind"] == "supplier" else 1  # a supplier's invoice is a credit
            assert Decimal(item["amount"]) == sign * posting
            assert Decimal(item["amount_paid"]) == -sign * paid
            assert Decimal(item["open_amount"]) == sign * (posting + paid)

        bank_accounts = (await http.get(f"{payments}/bank-accounts", headers=bearer(stack))).json()
        chart_ibans = {
            e.meta["iban"].replace(" ", "")
            for e in entries
            if type(e).__name__ == "Open" and "iban" in (e.meta or {})
        }
        assert chart_ibans <= {account["iban"] for account in bank_accounts}


def validated(data: ProposalValidated) -> Envelope[ProposalValidated]:
    return envelope_of(data, source="/ledgerline/worklist")


async def event_for(stack: Stack, topic: str, proposal_id: uuid.UUID) -> list[dict[str, Any]]:
    return await events_where(stack, topic, "proposal_id", str(proposal_id), timeout=60)


async def open_period(stack: Stack) -> str:
    async with httpx.AsyncClient(timeout=15) as http:
        response = await http.get(
            f"{stack.url('worklist')}/dossiers/{DEMO_DOSSIER_ID}/ledger/periods",
            headers=bearer(stack),
        )
    open_periods = [period["code"] for period in response.json() if period["status"] == "open"]
    assert open_periods, response.text
    return open_periods[-1]


async def test_a_validated_proposal_is_one_balanced_transaction_in_the_books(stack: Stack) -> None:
    period = await open_period(stack)
    invoice_date = date(int(period[:4]), int(period[5:]), 10)
    proposal = ProposalValidated(
        proposal_id=uuid.uuid4(),
        document_id=uuid.uuid4(),
        journal="CFAAN",
        period=period,
        counterparty_name="Molens Dedeyne",
        counterparty_vat="BE0299925087",
        invoice_number=f"MD-{uuid.uuid4().hex[:6]}",
        invoice_date=invoice_date,
        due_date=invoice_date + timedelta(days=30),
        currency="EUR",
        total_excl_vat=Decimal("800.00"),
        total_vat=Decimal("78.00"),
        total_incl_vat=Decimal("878.00"),
        validated_by="eva@office.example",
        structured_communication="+++090/9337/55493+++",
        lines=(
            ProposalLine(
                gl_account="600000",
                amount_excl_vat=Decimal("600.00"),
                vat_code="A06",
                vat_amount=Decimal("36.00"),
            ),
            ProposalLine(
                gl_account="604000",
                amount_excl_vat=Decimal("200.00"),
                vat_code="A21",
                vat_amount=Decimal("42.00"),
            ),
        ),
        vat_lines=(
            ProposalVatLine(vat_code="A06", base=Decimal("600.00"), vat_amount=Decimal("36.00")),
            ProposalVatLine(vat_code="A21", base=Decimal("200.00"), vat_amount=Decimal("42.00")),
        ),
    )
    first = validated(proposal)
    await publish_envelopes(stack, first)
    await publish_envelopes(stack, first)  # the same event delivered twice
    [posted] = await event_for(stack, "booking.posted.v1", proposal.proposal_id)
    data = posted["data"]
    assert data["journal"] == "CFAAN" and data["period"] == period
    assert re.fullmatch(rf"{period[2:4]}000\d{{3}}", data["document_number"]), data
    assert data["transaction_id"] == f"CFAAN/{data['document_number']}"
    assert data["already_posted"] is False

    # The proposal validated again (a new event, the same proposal): still one transaction.
    await publish_envelopes(stack, validated(proposal))

    async def posted_twice() -> list[dict[str, Any]] | None:
        events = await event_for(stack, "booking.posted.v1", proposal.proposal_id)
        return events if len(events) == 2 else None

    again = (await eventually(posted_twice, timeout=60))[1]["data"]
    assert again["already_posted"] is True
    assert again["document_number"] == data["document_number"]

    entries, errors, _ = beancount_ledger(stack.ledger_root, DOSSIER_CODE)
    assert errors == []
    [transaction] = transactions_where(entries, "proposal-id", str(proposal.proposal_id))
    assert transaction.meta["document-number"] == data["document_number"]
    assert transaction.date == invoice_date
    by_account: dict[str, Decimal] = {}
    for posting in transaction.postings:
        by_account[posting.account] = by_account.get(posting.account, 0) + posting.units.number
    assert by_account == {
        "Expenses:600000": Decimal("600.00"),
        "Expenses:604000": Decimal("200.00"),
        "Assets:411000": Decimal("78.00"),
        "Liabilities:440000": Decimal("-878.00"),
    }
    assert sum(by_account.values()) == 0

    async with httpx.AsyncClient(timeout=15) as http:
        postings = (
            await http.get(
                f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/postings",
                params={"status": "posted"},
                headers=bearer(stack),
            )
        ).json()
    [row] = [p for p in postings if p["proposal_id"] == str(proposal.proposal_id)]
    assert (row["document_number"], row["attempts"]) == (data["document_number"], 2)


async def test_a_booking_beancount_refuses_is_booking_failed_with_its_message(
    stack: Stack,
) -> None:
    period = await open_period(stack)
    invoice_date = date(int(period[:4]), int(period[5:]), 11)
    before = (stack.ledger_root / DOSSIER_CODE / "bookings.beancount").read_bytes()
    proposal = one_line_purchase(
        "1000.00",
        "210.00",
        counterparty_vat="BE0299925087",
        invoice_number="MD-UNBALANCED",
        invoice_date=invoice_date,
        total_incl_vat=Decimal("1220.00"),  # 10.00 more than the lines: unbalanced
    )
    await publish_envelopes(stack, validated(proposal))
    [failed] = await event_for(stack, "booking.failed.v1", proposal.proposal_id)
    assert "Transaction does not balance: (-10.00 EUR)" in failed["data"]["reason"]
    assert failed["data"]["retryable"] is False
    assert (stack.ledger_root / DOSSIER_CODE / "bookings.beancount").read_bytes() == before


def age_bucket(due: date, pivot: date) -> str:
    days = (pivot - due).days
    if days < 0:
        return "not_due"
    for limit, name in ((30, "days_0_30"), (60, "days_31_60"), (90, "days_61_90")):
        if days <= limit:
            return name
    return "over_90"


@pytest.mark.parametrize(
    ("kind", "account", "sign"),
    [("supplier", "Liabilities:440000", -1), ("customer", "Assets:400000", 1)],
)
async def test_aged_balance_equals_a_beanquery_over_the_same_ledger(
    stack: Stack, kind: str, account: str, sign: int
) -> None:
    from beanquery.query import run_query

    feedback = f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/feedback"
    async with httpx.AsyncClient(timeout=30) as http:
        for pivot in (date(2026, 8, 31), date.today()):
            response = await http.get(
                f"{feedback}/aged-balance",
                params={"kind": kind, "pivot": pivot.isoformat()},
                headers=bearer(stack),
            )
            assert response.status_code == 200, response.text
            report = response.json()
            entries, errors, options = beancount_ledger(stack.ledger_root, DOSSIER_CODE)
            assert errors == []
            _, rows = run_query(
                entries,
                options,
                f"""SELECT meta('document') AS document, meta('counterparty') AS counterparty,
                           meta('due-date') AS due, meta('invoice-date') AS invoiced,
                           sum(number) AS amount
                    WHERE account = '{account}' AND date <= {pivot}
                      AND meta('document') IS NOT NULL
                    GROUP BY document, counterparty, due, invoiced""",
            )
            open_amount: dict[str, Decimal] = {}
            due_of: dict[str, date] = {}
            counterparty_of: dict[str, str] = {}
            for document, counterparty, due, invoiced, amount in rows:
                open_amount[document] = open_amount.get(document, Decimal(0)) + sign * amount
                counterparty_of[document] = counterparty
                if due is not None or invoiced is not None:
                    due_of[document] = due or invoiced
            expected: dict[tuple[str, str], Decimal] = {}
            for document, amount in open_amount.items():
                # A payment booked before its invoice's date (the payments e2e pays an invoice
                # dated later) is no open item at a pivot before that invoice: as in sync.
                if amount and document in due_of:
                    key = (counterparty_of[document], age_bucket(due_of[document], pivot))
                    expected[key] = expected.get(key, Decimal(0)) + amount
            computed = {
                (row["counterparty_number"], bucket): Decimal(row[bucket])
                for row in report["rows"]
                for bucket in ("not_due", "days_0_30", "days_31_60", "days_61_90", "over_90")
                if Decimal(row[bucket])
            }
            assert computed == {key: value for key, value in expected.items() if value}
            assert len(computed) >= 3
            assert Decimal(report["totals"]["total"]) == sum(expected.values())
            if pivot.month == 8:
                august_rows = report["rows"]

        as_csv = await http.get(
            f"{feedback}/aged-balance",
            params={"kind": kind, "pivot": "2026-08-31"},
            headers=bearer(stack) | {"Accept": "text/csv"},
        )
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    lines = as_csv.text.splitlines()
    assert lines[0] == (
        "counterparty_number,counterparty_name,not_due,days_0_30,days_31_60,days_61_90,"
        "over_90,total"
    )
    assert len(lines) - 1 == len(august_rows)
    assert lines[1].startswith(f"{august_rows[0]['counterparty_number']},")


async def test_top_10_suppliers_equal_a_beanquery_and_feedback_is_refused_to_delivery_profiles(
    stack: Stack,
) -> None:
    from beanquery.query import run_query

    feedback = f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/feedback"
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(
            f"{feedback}/top",
            params={"kind": "customer", "from": "2026-04", "to": "2026-06"},
            headers=auth(stack, Role.CLIENT_FULL_FEEDBACK),
        )
        assert response.status_code == 200, response.text
        top = response.json()
        entries, _, options = beancount_ledger(stack.ledger_root, DOSSIER_CODE)
        _, rows = run_query(
            entries,
            options,
            """SELECT entry_meta('counterparty') AS counterparty, sum(neg(number)) AS turnover
               WHERE account ~ '^Income:7' AND date >= 2026-04-01 AND date <= 2026-06-30
               GROUP BY counterparty ORDER BY turnover DESC, counterparty LIMIT 10""",
        )
        assert [(r["counterparty_number"], Decimal(r["amount_excl_vat"])) for r in top["rows"]] == [
            (counterparty, amount) for counterparty, amount in rows
        ]
        assert [row["rank"] for row in top["rows"]] == list(range(1, 11))

        for role in (Role.CLIENT_DOCUMENT_DELIVERY, Role.CLIENT_DOCUMENT_PROCESSING):
            refused = await http.get(
                f"{feedback}/aged-balance", params={"kind": "customer"}, headers=auth(stack, role)
            )
            assert refused.status_code == 403, refused.text
        csv_top = await http.get(
            f"{feedback}/top",
            params={"kind": "customer", "from": "2026-04", "to": "2026-06"},
            headers=auth(stack, Role.CLIENT_ADMINISTRATOR) | {"Accept": "text/csv"},
        )
        assert csv_top.status_code == 200
        header, first = csv_top.text.splitlines()[:2]
        assert header == "rank,counterparty_number,counterparty_name,amount_excl_vat"
        assert first.startswith(f"1,{rows[0][0]},") and first.endswith(str(rows[0][1]))


def auth(stack: Stack, role: Role) -> dict[str, str]:
    return bearer(stack, role=role, subject=f"{role.value}@x.example")


async def restart_sync(stack: Stack, **env: str) -> None:
    sync = stack.services["sync"]
    sync.stop()
    sync.env = {k: v for k, v in sync.env.items() if k != "SYNC_POSTING_HOLD_AFTER_WRITE_SECONDS"}
    sync.env |= env
    sync.start()
    await stack.wait_ready()


async def test_sync_killed_between_the_ledger_write_and_the_commit_still_posts_once(
    stack: Stack,
) -> None:
    period = await open_period(stack)
    invoice_date = date(int(period[:4]), int(period[5:]), 12)
    proposal = one_line_purchase(
        "100.00",
        "21.00",
        journal="CFAAN",
        counterparty_number="L0002",
        invoice_number=f"KILL-{uuid.uuid4().hex[:6]}",
        invoice_date=invoice_date,
    )
    bookings = stack.ledger_root / DOSSIER_CODE / "bookings.beancount"
    marker = f'proposal-id: "{proposal.proposal_id}"'
    sync = stack.services["sync"]
    try:
        await restart_sync(stack, SYNC_POSTING_HOLD_AFTER_WRITE_SECONDS="60")
        await publish_envelopes(stack, validated(proposal))

        async def written() -> bool | None:
            return True if marker in bookings.read_text() else None

        await eventually(written, timeout=60)
        assert sync.process is not None
        os.killpg(sync.process.pid, signal.SIGKILL)  # the ledger has it, the outbox does not
        sync.process.wait()
        assert (
            await read_topics(
                bootstrap_of(stack),
                "booking.posted.v1",
                keep=lambda message: message.data["proposal_id"] == str(proposal.proposal_id),
                quiet_polls=3,
                timeout=3,
            )
            == []
        )
    finally:
        await restart_sync(stack)

    [posted] = await event_for(stack, "booking.posted.v1", proposal.proposal_id)
    assert posted["data"]["already_posted"] is True  # found in the ledger by its proposal id
    assert bookings.read_text().count(marker) == 1
    entries, errors, _ = beancount_ledger(stack.ledger_root, DOSSIER_CODE)
    assert errors == []
    [transaction] = transactions_where(entries, "proposal-id", str(proposal.proposal_id))
    assert transaction.meta["document-number"] == posted["data"]["document_number"]


async def test_a_manual_full_resync_by_an_employee_republishes_the_books(stack: Stack) -> None:
    url = f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/sync"
    employee = bearer(stack, role=Role.EMPLOYEE, subject="eva@office.example")
    async with httpx.AsyncClient(timeout=30) as http:
        refused = await http.post(url, headers=auth(stack, Role.CLIENT_ADMINISTRATOR))
        assert refused.status_code == 403
        response = await http.post(url, headers=employee)
        assert response.status_code == 202, response.text
        run = response.json()
        assert (run["status"], run["trigger"], run["full_resync"]) == ("ok", "manual", True)
        assert run["requested_by"] == "eva@office.example"
        runs = (
            await http.get(
                f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/syncs", headers=employee
            )
        ).json()
        assert runs[0]["id"] == run["id"]

        # Payments replaced its copy with this run's open items: same count as the run.
        async def replaced() -> list[dict[str, Any]] | None:
            items = (
                await http.get(
                    f"{stack.url('payments')}/dossiers/{DEMO_DOSSIER_ID}/open-items",
                    headers=bearer(stack),
                )
            ).json()
            return items if len(items) == run["open_items"] else None

        assert len(await eventually(replaced)) == run["open_items"]


async def test_a_beancount_dossier_code_without_a_ledger_is_refused_and_nothing_is_activated(
    stack: Stack,
) -> None:
    dossier_id = uuid.uuid4()
    async with httpx.AsyncClient(timeout=15) as http:
        refused = await http.post(
            f"{stack.url('sync')}/dossiers",
            json={
                "id": str(dossier_id),
                "name": "Nergens BV",
                "accounting_package": "beancount",
                "dossier_code": "NOWHERE",
            },
            headers=bearer(stack),
        )
        assert refused.status_code == 422
        assert refused.json()["detail"] == (
            f"no Beancount ledger for dossier NOWHERE in {stack.ledger_root}"
        )
        listed = (await http.get(f"{stack.url('sync')}/dossiers", headers=bearer(stack))).json()
    assert str(dossier_id) not in {dossier["id"] for dossier in listed}
