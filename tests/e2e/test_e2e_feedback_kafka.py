"""Feedback of a dossier connected over Kafka, against the running stack and the reference
connector as a process of its own: two copies of the demo ledger, one activated in-process (in
sync's ledger folder), one with `connector: kafka` (in the connector's); once the connector's
ledger.synced.v1 run has reached sync over Kafka, every feedback report of the Kafka dossier,
JSON and CSV, equals the in-process dossier's."""

import shutil
import uuid
from typing import Any

import httpx
import pytest
from ledgerline.devstack.stack import Stack
from sync.connectors.demo.generate import DEMO_ROOT, DOSSIER_CODE

from tests.e2e.helpers import eventually
from tests.e2e.test_e2e_kafka_connector import Connector, connector  # noqa: F401 (fixture)

pytestmark = [pytest.mark.e2e]

REPORTS: tuple[tuple[str, dict[str, str]], ...] = (
    ("aged-balance", {"kind": "customer", "pivot": "2026-06-30"}),
    ("aged-balance", {"kind": "supplier", "pivot": "2026-11-30"}),
    ("open-items", {"kind": "customer", "pivot": "2026-11-30", "status": "due"}),
    ("open-items", {"kind": "supplier", "pivot": "2026-03-31"}),
    ("open-items/CFVER/26000001/history", {}),
    ("top", {"kind": "customer", "from": "2026-01", "to": "2026-12"}),
    ("top", {"kind": "supplier", "from": "2026-01", "to": "2026-12"}),
    ("profit-and-loss", {"from": "2026-01", "to": "2026-12"}),
    ("balance-sheet", {"at": "2026-09"}),
    ("key-figures", {"from": "2026-01", "to": "2026-12", "closed_periods_only": "true"}),
)


async def activate(
    http: httpx.AsyncClient, stack: Stack, headers: dict[str, str], code: str, way: str
) -> uuid.UUID:
    dossier = uuid.uuid4()
    activated = await http.post(
        f"{stack.url('sync')}/dossiers",
        json={
            "id": str(dossier),
            "name": f"Bakkerij Peeters ({way})",
            "accounting_package": "beancount",
            "dossier_code": code,
            "connector": way,
        },
        headers=headers,
    )
    assert activated.status_code == 201, activated.text
    await stack.wait_for_dossier(dossier)
    return dossier


async def test_the_feedback_of_a_kafka_dossier_equals_that_of_the_same_books_in_process(
    stack: Stack,
    connector: Connector,  # noqa: F811 (the fixture)
) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    kafka_code, in_process_code = f"KFB-{tag}", f"IFB-{tag}"
    shutil.copytree(DEMO_ROOT / DOSSIER_CODE, connector.ledger_root / kafka_code)
    shutil.copytree(DEMO_ROOT / DOSSIER_CODE, stack.ledger_root / in_process_code)
    admin = {"Authorization": f"Bearer {stack.token()}"}
    async with httpx.AsyncClient(timeout=30) as http:
        kafka = await activate(http, stack, admin, kafka_code, "kafka")
        in_process = await activate(http, stack, admin, in_process_code, "in_process")

        def url(dossier: uuid.UUID, path: str) -> str:
            return f"{stack.url('sync')}/dossiers/{dossier}/feedback/{path}"

        async def books_arrived() -> dict[str, Any] | None:
            response = await http.get(url(kafka, "key-figures"), headers=admin)
            return response.json() if response.status_code == 200 else None

        await eventually(books_arrived, timeout=90, what="the connector's books in sync")

        for path, params in REPORTS:
            live = await http.get(url(in_process, path), params=params, headers=admin)
            synced = await http.get(url(kafka, path), params=params, headers=admin)
            assert live.status_code == synced.status_code == 200, (path, synced.text)
            live_json, synced_json = live.json(), synced.json()
            assert live_json.pop("books_as_of") is None
            assert synced_json.pop("books_as_of") is not None
            assert synced_json == live_json, path
            if path != "key-figures":
                csv = admin | {"Accept": "text/csv"}
                live_csv = await http.get(url(in_process, path), params=params, headers=csv)
                synced_csv = await http.get(url(kafka, path), params=params, headers=csv)
                assert synced_csv.text == live_csv.text, path
        top = (await http.get(url(kafka, "top"), params=REPORTS[5][1], headers=admin)).json()
        assert len(top["rows"]) == 10
