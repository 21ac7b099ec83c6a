"""Feedback over the demo dossier's books, through sync's HTTP API, against figures computed
independently with Beancount's query language over the same ledger file; and the active clients
monitor fed by the platform's own events, office-scoped."""

import asyncio
import time
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from beancount import loader
from ledgerline.auth import Role
from ledgerline.demo import DEMO_DOSSIER_ID
from ledgerline.devstack.paths import given_testdata
from ledgerline.devstack.stack import Stack
from ledgerline.events import DocumentDeleted

from tests.e2e.helpers import publish

pytestmark = [pytest.mark.e2e]

DOSSIER_CODE = "PEETERS"
PIVOT = date(2026, 8, 31)


def auth(stack: Stack, role: Role = Role.ADMIN, **claims: Any) -> dict[str, str]:
    return {
        "Authorization": f"Bearer {stack.token(role=role, subject=f'{role.value}@x.example', **claims)}"
    }


def query(stack: Stack, text: str) -> list[tuple]:
    from beanquery.query import run_query

    entries, errors, options = loader.load_file(
        str(stack.ledger_root / DOSSIER_CODE / "main.beancount")
    )
    assert errors == []
    return run_query(entries, options, text)[1]


async def eventually(probe: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = await probe()
        if result is not None:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"nothing after {timeout} s")
        await asyncio.sleep(0.3)


async def test_open_items_at_a_pivot_equal_a_beanquery_and_page_and_export(stack: Stack) -> None:
    feedback = f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/feedback"
    async with httpx.AsyncClient(timeout=30) as http:
        every = await http.get(
            f"{feedback}/open-items",
            params={"kind": "customer", "pivot": PIVOT.isoformat(), "limit": 1000},
            headers=auth(stack),
        )
        assert every.status_code == 200, every.text
        report = every.json()
        first = await http.get(
            f"{feedback}/open-items",
            params={
                "kind": "customer",
                "pivot": PIVOT.isoformat(),
                "limit": 5,
                "offset": 0,
                "sort": "-open_amount",
            },
            headers=auth(stack, Role.CLIENT_FULL_FEEDBACK),
        )
        overdue = await http.get(
            f"{feedback}/open-items",
            params={
                "kind": "customer",
                "pivot": PIVOT.isoformat(),
                "status": "overdue",
                "limit": 1000,
            },
            headers=auth(stack),
        )
        as_csv = await http.get(
            f"{feedback}/open-items",
            params={"kind": "customer", "pivot": PIVOT.isoformat()},
            headers=auth(stack) | {"Accept": "text/csv"},
        )
        bad_sort = await http.get(
            f"{feedback}/open-items",
            params={"kind": "customer", "sort": "price"},
            headers=auth(stack),
        )
    rows = query(
        stack,
        f"""SELECT meta('document') AS document, meta('due-date') AS due,
                   meta('invoice-date') AS invoiced, sum(number) AS amount
            WHERE account = 'Assets:400000' AND date <= {PIVOT}
              AND meta('document') IS NOT NULL
            GROUP BY document, due, invoiced""",
    )
    open_amount: dict[str, Decimal] = {}
    due_of: dict[str, date] = {}
    for document, due, invoiced, amount in rows:
        open_amount[document] = open_amount.get(document, Decimal(0)) + amount
        if due is not None or invoiced is not None:
            due_of[document] = due or invoiced
    expected = {doc: amount for doc, amount in open_amount.items() if amount}
    computed = {
        f"{item['journal']}/{item['document_number']}": Decimal(item["open_amount"])
        for item in report["items"]
    }
    assert computed == expected and len(computed) >= 5
    assert report["page"]["total"] == len(expected)
    assert Decimal(report["totals"]["open"]) == sum(expected.values())
    late = {doc for doc in expected if due_of[doc] < PIVOT}
    assert {f"{i['journal']}/{i['document_number']}" for i in overdue.json()["items"]} == late
    assert all(i["overdue"] and i["days_overdue"] > 0 for i in overdue.json()["items"])
    assert Decimal(report["totals"]["due"]) == sum(
        expected[doc] for doc in expected if due_of[doc] <= PIVOT
    )

    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 5 and page["page"]["next_offset"] == 5
    assert [Decimal(i["open_amount"]) for i in page["items"]] == sorted(
        expected.values(), reverse=True
    )[:5]

    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert len(as_csv.text.splitlines()) - 1 == len(expected)  # every item, not one page
    assert bad_sort.status_code == 422 and "price" in bad_sort.json()["detail"]


async def test_the_history_of_an_open_item_equals_its_postings_in_the_ledger(stack: Stack) -> None:
    feedback = f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/feedback"
    partly_paid = query(
        stack,
        """SELECT meta('document') AS document, count(position) AS lines, sum(number) AS amount
           WHERE account = 'Liabilities:440000' AND meta('document') ~ '^CFAAN/'
           GROUP BY document HAVING count(position) > 1 AND sum(number) != 0
           ORDER BY document LIMIT 1""",
    )
    (document, lines, amount) = partly_paid[0]
    journal, number = document.split("/")
    async with httpx.AsyncClient(timeout=30) as http:
        response = await http.get(
            f"{feedback}/open-items/{journal}/{number}/history", headers=auth(stack)
        )
        missing = await http.get(
            f"{feedback}/open-items/CFAAN/99999999/history", headers=auth(stack)
        )
    assert response.status_code == 200, response.text
    history = response.json()
    assert len(history["lines"]) == lines
    assert history["lines"][0]["kind"] == "invoice"
    assert {line["kind"] for line in history["lines"][1:]} == {"payment"}
    # Supplier items read in the item's sign: what is still owed to the supplier.
    assert Decimal(history["open_amount"]) == -amount
    assert missing.status_code == 404 and "99999999" in missing.json()["detail"]


async def test_profit_and_loss_balance_sheet_and_key_figures_equal_beanqueries(
    stack: Stack,
) -> None:
    feedback = f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/feedback"
    async with httpx.AsyncClient(timeout=30) as http:
        pnl = await http.get(
            f"{feedback}/profit-and-loss",
            params={"from": "2026-01", "to": "2026-06"},
            headers=auth(stack, Role.CLIENT_ADMINISTRATOR),
        )
        sheet = await http.get(
            f"{feedback}/balance-sheet", params={"at": "2026-06"}, headers=auth(stack)
        )
        closed = await http.get(
            f"{feedback}/key-figures",
            params={"from": "2026-01", "to": "2026-12", "closed_periods_only": "true"},
            headers=auth(stack),
        )
        refused = await http.get(
            f"{feedback}/profit-and-loss", headers=auth(stack, Role.CLIENT_DOCUMENT_DELIVERY)
        )
    assert pnl.status_code == 200, pnl.text
    totals = dict(
        query(
            stack,
            """SELECT root(account, 1) AS root, sum(number(weight)) AS amount
               WHERE account ~ '^(Income|Expenses):' AND entry_meta('period') >= '2026-01'
                 AND entry_meta('period') <= '2026-06'
               GROUP BY root""",
        )
    )
    report = pnl.json()
    assert Decimal(report["revenue"]) == -totals["Income"]
    assert Decimal(report["costs"]) == totals["Expenses"]
    assert Decimal(report["result"]) == -totals["Income"] - totals["Expenses"]
    assert [block["pcmn_class"] for block in report["classes"]] == [6, 7]

    assert sheet.status_code == 200, sheet.text
    balances = dict(
        query(
            stack,
            """SELECT account, sum(number(weight)) AS amount
               WHERE account ~ '^(Assets|Liabilities|Equity):' AND entry_meta('period') <= '2026-06'
               GROUP BY account""",
        )
    )
    computed = {
        line["gl_account"]: Decimal(line["amount"])
        for block in sheet.json()["classes"]
        for group in block["groups"]
        for line in group["accounts"]
    }
    assert computed == {name.split(":")[1]: amount for name, amount in balances.items() if amount}
    body = sheet.json()
    assert Decimal(body["assets"]) == Decimal(body["liabilities_and_equity"]) + Decimal(
        body["result"]
    )

    assert closed.status_code == 200, closed.text
    figures = closed.json()
    # The periods counted are exactly the closed ones: each period's latest directive.
    entries, _, _ = loader.load_file(str(stack.ledger_root / DOSSIER_CODE / "main.beancount"))
    state: dict[str, tuple[date, str]] = {}
    for entry in entries:
        if getattr(entry, "type", None) == "ledgerline-period":
            code, status = entry.values[0].value, entry.values[3].value
            if code not in state or state[code][0] <= entry.date:
                state[code] = (entry.date, status)
    assert figures["closed_periods_only"] is True
    assert figures["periods"] == sorted(c for c, (_, status) in state.items() if status == "closed")
    periods = "', '".join(figures["periods"])
    revenue = query(
        stack,
        f"""SELECT sum(number(weight)) AS amount
            WHERE account ~ '^Income:' AND entry_meta('period') IN ('{periods}')""",
    )[0][0]
    assert Decimal(figures["revenue"]) == -revenue
    assert refused.status_code == 403


async def test_the_monitor_counts_a_document_from_its_events_and_is_office_scoped(
    stack: Stack,
) -> None:
    monitor = f"{stack.url('sync')}/monitor/dossiers"
    ingest = f"{stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}/documents"
    client = auth(stack, Role.CLIENT_ADMINISTRATOR)

    async def demo_line(http: httpx.AsyncClient) -> dict[str, Any]:
        response = await http.get(monitor, headers=auth(stack))
        assert response.status_code == 200, response.text
        return next(i for i in response.json()["items"] if i["dossier_id"] == str(DEMO_DOSSIER_ID))

    async with httpx.AsyncClient(timeout=30) as http:
        before = await demo_line(http)
        delivered = await http.post(
            ingest,
            params={"mailbox": "purchase", "filename": "base-example.xml"},
            content=(given_testdata() / "ubl" / "base-example.xml").read_bytes(),
            headers=client | {"Content-Type": "application/xml"},
        )
        assert delivered.status_code == 201, delivered.text
        document_id = delivered.json()["id"]

        async def in_portal() -> dict[str, Any] | None:
            line = await demo_line(http)
            return (
                line if line["documents_in_portal"] == before["documents_in_portal"] + 1 else None
            )

        line = await eventually(in_portal)
        assert line["last_document_at"] is not None
        submitted = await http.post(f"{ingest}/{document_id}/submit", headers=client)
        assert submitted.status_code == 200, submitted.text

        async def to_validate() -> dict[str, Any] | None:
            line = await demo_line(http)
            return line if line["to_validate"] == before["to_validate"] + 1 else None

        line = await eventually(to_validate)
        assert line["documents_in_portal"] == before["documents_in_portal"]

        as_csv = await http.get(monitor, headers=auth(stack) | {"Accept": "text/csv"})
        assert as_csv.status_code == 200
        assert as_csv.text.splitlines()[0].startswith("dossier_id,name,dossier_code")
        assert str(DEMO_DOSSIER_ID) in as_csv.text

        other_office = auth(stack, office_id=uuid.uuid4())
        theirs = await http.get(monitor, headers=other_office)
        assert theirs.status_code == 200 and theirs.json()["items"] == []
        reset_theirs = await http.post(
            f"{monitor}/{DEMO_DOSSIER_ID}/reset-bookings-counter", headers=other_office
        )
        assert reset_theirs.status_code == 404
        assert (await http.get(monitor, headers=client)).status_code == 403
        unassigned = await http.get(monitor, headers=auth(stack, Role.EMPLOYEE, dossiers=[]))
        assert unassigned.status_code == 200 and unassigned.json()["items"] == []

        reset = await http.post(
            f"{monitor}/{DEMO_DOSSIER_ID}/reset-bookings-counter",
            headers=auth(stack, Role.EMPLOYEE),
        )
        assert reset.status_code == 200, reset.text
        assert reset.json()["bookings_posted"] == 0


async def test_the_office_setting_keeps_open_periods_out_of_the_key_figures(stack: Stack) -> None:
    settings = f"{stack.url('sync')}/office/settings"
    key_figures = f"{stack.url('sync')}/dossiers/{DEMO_DOSSIER_ID}/feedback/key-figures"
    year = {"from": "2026-01", "to": "2026-12"}
    async with httpx.AsyncClient(timeout=30) as http:
        every_period = (await http.get(key_figures, params=year, headers=auth(stack))).json()
        saved = await http.put(
            settings, json={"key_figures_closed_periods_only": True}, headers=auth(stack)
        )
        assert saved.status_code == 200, saved.text
        try:
            asked_for_all = await http.get(
                key_figures, params=year, headers=auth(stack, Role.CLIENT_ADMINISTRATOR)
            )
            closed = await http.get(
                key_figures, params=year | {"closed_periods_only": "true"}, headers=auth(stack)
            )
        finally:
            await http.put(settings, json={}, headers=auth(stack))
    assert asked_for_all.status_code == 200, asked_for_all.text
    assert every_period["closed_periods_only"] is False
    assert "2026-12" in every_period["periods"]
    # The client asked for every period; the office's setting leaves the open ones out.
    assert asked_for_all.json()["periods"] == closed.json()["periods"]
    assert "2026-12" not in asked_for_all.json()["periods"]
    assert asked_for_all.json()["revenue"] == closed.json()["revenue"]


async def test_the_monitor_follows_the_worklist_as_a_proposal_is_checked_held_and_helped(
    stack: Stack,
) -> None:
    """The worklist's proposal.status-changed.v1 over Kafka: the monitor's checked, on hold and
    help asked move as the office works the proposal; a document deleted in its mailbox (as
    ingest tells it) takes the unsent proposal out of the worklist and of the counts."""
    monitor = f"{stack.url('sync')}/monitor/dossiers"
    ingest = f"{stack.url('ingest')}/dossiers/{DEMO_DOSSIER_ID}/documents"
    worklist = f"{stack.url('worklist')}/dossiers/{DEMO_DOSSIER_ID}/proposals"
    client = auth(stack, Role.CLIENT_ADMINISTRATOR)
    office = auth(stack, Role.EMPLOYEE)
    counted = ("to_validate", "checked", "on_hold", "help_asked")

    async def counts(http: httpx.AsyncClient) -> tuple[int, ...]:
        response = await http.get(monitor, headers=auth(stack))
        assert response.status_code == 200, response.text
        line = next(i for i in response.json()["items"] if i["dossier_id"] == str(DEMO_DOSSIER_ID))
        return tuple(line[name] for name in counted)

    async def counts_become(http: httpx.AsyncClient, expected: tuple[int, ...]) -> None:
        async def probe() -> bool | None:
            return True if await counts(http) == expected else None

        try:
            await eventually(probe)
        except AssertionError:
            raise AssertionError(
                f"monitor {counted}: {await counts(http)}, expected {expected}"
            ) from None

    async with httpx.AsyncClient(timeout=30) as http:
        delivered = await http.post(
            ingest,
            params={"mailbox": "purchase", "filename": "base-example.xml"},
            content=(given_testdata() / "ubl" / "base-example.xml").read_bytes(),
            headers=client | {"Content-Type": "application/xml"},
        )
        assert delivered.status_code == 201, delivered.text
        document_id = delivered.json()["id"]
        before = await counts(http)
        submitted = await http.post(f"{ingest}/{document_id}/submit", headers=client)
        assert submitted.status_code == 200, submitted.text

        async def proposal() -> dict[str, Any] | None:
            response = await http.get(worklist, headers=office)
            assert response.status_code == 200, response.text
            return next((p for p in response.json() if p["document_id"] == document_id), None)

        made = await eventually(proposal, timeout=60)
        assert made["lines_source"] in ("template", "model", "default", "suspense")
        to_validate, checked, on_hold, help_asked = before
        await counts_become(http, (to_validate + 1, checked, on_hold, help_asked))

        async def act(action: str, *statuses: str) -> None:
            response = await http.post(f"{worklist}/{made['id']}/{action}", headers=office)
            assert response.status_code == 200, response.text
            assert response.json()["status"] in statuses

        await act("check", "checked", "checked_suspense")
        await counts_become(http, (to_validate, checked + 1, on_hold, help_asked))
        await act("help", "help_asked")
        await counts_become(http, (to_validate, checked, on_hold, help_asked + 1))
        await act("hold", "on_hold")
        await counts_become(http, (to_validate, checked, on_hold + 1, help_asked))
        await act("release", "help_asked")
        await counts_become(http, (to_validate, checked, on_hold, help_asked + 1))

        # Deleted in its mailbox (ingest allows it for an invoice rejected in approval; told
        # here as ingest tells it): the unsent proposal leaves the worklist and the counts.
        await publish(
            stack,
            DocumentDeleted(
                document_id=uuid.UUID(document_id),
                deleted_by="client@peeters.example",
                deleted_at=datetime.now(UTC),
                reason="rejected in approval",
            ),
        )

        async def gone() -> bool | None:
            response = await http.get(f"{worklist}/{made['id']}", headers=office)
            return True if response.status_code == 404 else None

        await eventually(gone)
        await counts_become(http, before)
