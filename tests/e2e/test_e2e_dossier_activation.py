"""Activating a dossier whose id or code is taken: own clashes are conflicts, another office's
id is refused without a word about that office's dossier; an activation option (the sales
number sequence check) reaches the worklist."""

import uuid

import asyncpg
import httpx
import pytest
from ledgerline.devstack.stack import Stack

from tests.e2e.helpers import activate_dossier, bearer, eventually

pytestmark = [pytest.mark.e2e]


async def test_an_id_of_another_office_is_refused_without_revealing_it(stack: Stack) -> None:
    office_a, office_b = uuid.uuid4(), uuid.uuid4()
    taken = uuid.uuid4()
    admin_a = bearer(stack, office_id=office_a, dossiers=[])
    admin_b = bearer(stack, office_id=office_b, dossiers=[])
    url = f"{stack.url('sync')}/dossiers"
    dossier = {"name": "Bakkerij Peeters BV", "accounting_package": "exact"}
    async with httpx.AsyncClient(timeout=10) as http:
        first = await http.post(
            url, json=dossier | {"id": str(taken), "dossier_code": "SECRET-A1"}, headers=admin_a
        )
        assert first.status_code == 201, first.text

        # Office B picks the same id: refused as an unusable id, naming nothing.
        clash = await http.post(
            url, json=dossier | {"id": str(taken), "dossier_code": "B-1"}, headers=admin_b
        )
        assert clash.status_code == 422, clash.text
        body = clash.json()
        assert body["problems"] == [body["detail"]]
        assert "id" in body["detail"]
        for secret in (str(taken), "SECRET-A1", str(office_a), "already", "B-1"):
            assert secret not in clash.text

        # The same request with a fresh id works; the same code again is office B's own conflict.
        own = await http.post(url, json=dossier | {"dossier_code": "B-1"}, headers=admin_b)
        assert own.status_code == 201, own.text
        again = await http.post(url, json=dossier | {"dossier_code": "B-1"}, headers=admin_b)
        assert again.status_code == 409
        assert again.json()["detail"] == "dossier B-1 of exact is already active"

        # Office A reusing its own id under another code: a conflict about its own dossier.
        reused = await http.post(
            url, json=dossier | {"id": str(taken), "dossier_code": "A-2"}, headers=admin_a
        )
        assert reused.status_code == 409
        assert reused.json()["detail"] == f"dossier {taken} is already active"


async def test_the_sales_sequence_check_option_reaches_the_worklist_both_ways(
    stack: Stack,
) -> None:
    """Activated with the "sales invoice number out of sequence" check switched off, then on:
    dossier.activated/updated.v1 carry it, and the worklist keeps it for its warning."""

    async def worklist_says(dossier: uuid.UUID, expected: bool) -> None:
        async def known() -> bool | None:
            connection = await asyncpg.connect(stack.database_urls["worklist"])
            try:
                found = await connection.fetchval(
                    "SELECT sales_sequence_check FROM dossier_settings WHERE dossier_id = $1",
                    dossier,
                )
            finally:
                await connection.close()
            return True if found is expected else None

        await eventually(known, what=f"the worklist to know the sequence check is {expected}")

    dossier = await activate_dossier(
        stack, "Drukkerij Claes", "CLAES", options={"sales_sequence_check": False}
    )
    await worklist_says(dossier, False)
    async with httpx.AsyncClient(timeout=10) as http:
        shown = await http.get(f"{stack.url('sync')}/dossiers/{dossier}", headers=bearer(stack))
        assert shown.status_code == 200 and shown.json()["sales_sequence_check"] is False
        changed = await http.patch(
            f"{stack.url('sync')}/dossiers/{dossier}",
            json={"sales_sequence_check": True},
            headers=bearer(stack),
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["sales_sequence_check"] is True
        emptied = await http.patch(
            f"{stack.url('sync')}/dossiers/{dossier}",
            json={"sales_sequence_check": None},
            headers=bearer(stack),
        )
        assert emptied.status_code == 422
        assert "sales_sequence_check cannot be emptied" in emptied.text
    await worklist_says(dossier, True)
