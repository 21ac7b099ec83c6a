"""Office administration through sync's API on the running stack: office settings, employees,
client groups, dossier users, what the identity provider is told, the activation options (with
their events on Kafka) and the manual sync's options on a real Beancount ledger."""

import asyncio
import json
import shutil
import time
import uuid
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from beancount import loader
from ledgerline.auth import Role
from ledgerline.devstack.stack import Stack
from sync.connectors.beancount_ledger import books

from tests.e2e.helpers import bootstrap_of, read_topics

pytestmark = [pytest.mark.e2e]


def headers(stack: Stack, office: uuid.UUID, role: Role = Role.ADMIN, **claims: Any) -> dict:
    token = stack.token(office_id=office, role=role, dossiers=claims.pop("dossiers", []), **claims)
    return {"Authorization": f"Bearer {token}"}


async def activate(
    http: httpx.AsyncClient, stack: Stack, office: uuid.UUID, code: str, **options: Any
) -> dict[str, Any]:
    response = await http.post(
        stack.url("sync") + "/dossiers",
        json={"name": f"Dossier {code}", "accounting_package": "exact", "dossier_code": code}
        | options,
        headers=headers(stack, office),
    )
    assert response.status_code == 201, response.text
    return response.json()


async def dossier_events(stack: Stack, topic: str, dossier_ids: set[str]) -> list[dict]:
    """The topic's events of these dossiers (waits up to 20 s for one of each)."""
    assert stack.infrastructure is not None
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=stack.infrastructure.bootstrap_servers,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    found: list[dict] = []
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            batch = await consumer.getmany(timeout_ms=500)
            for records in batch.values():
                for record in records:
                    envelope = json.loads(record.value)
                    if envelope.get("dossierid") in dossier_ids:
                        found.append(envelope)
            if {event["dossierid"] for event in found} == dossier_ids and not batch:
                break
    finally:
        await consumer.stop()
    return found


async def test_office_settings_are_the_office_admin_s_and_the_office_s_own(stack: Stack) -> None:
    office, other = uuid.uuid4(), uuid.uuid4()
    url = stack.url("sync") + "/office/settings"
    async with httpx.AsyncClient(timeout=10) as http:
        defaults = (await http.get(url, headers=headers(stack, office))).json()
        assert defaults | {"office_id": None} == {
            "office_id": None,
            "name": None,
            "payment_module_allowed": False,
            "key_figures_closed_periods_only": False,
            "dossier_activation": "admins",
            "updated_at": None,
        }
        saved = await http.put(
            url,
            json={"name": "Kantoor Janssens", "payment_module_allowed": True},
            headers=headers(stack, office),
        )
        assert saved.status_code == 200, saved.text
        assert saved.json()["payment_module_allowed"] is True
        assert (await http.get(url, headers=headers(stack, office))).json()["name"] == (
            "Kantoor Janssens"
        )
        # Another office sees its own defaults; employees and clients may not read settings.
        assert (await http.get(url, headers=headers(stack, other))).json()["name"] is None
        for role in (Role.EMPLOYEE, Role.SUPPORT, Role.CLIENT_ADMINISTRATOR):
            refused = await http.get(url, headers=headers(stack, office, role))
            assert refused.status_code == 403, refused.text
        bad = await http.put(
            url, json={"dossier_activation": "everyone"}, headers=headers(stack, office)
        )
        assert bad.status_code == 422

        # What GET returned goes back changed; saved by someone else since: 409, nothing saved.
        read = (await http.get(url, headers=headers(stack, office))).json()
        changed = await http.put(
            url, json=read | {"dossier_activation": "employees"}, headers=headers(stack, office)
        )
        assert changed.status_code == 200, changed.text
        assert changed.json()["dossier_activation"] == "employees"
        assert changed.json()["updated_at"] > read["updated_at"]
        stale = await http.put(
            url, json=read | {"name": "Oud kantoor"}, headers=headers(stack, office)
        )
        assert stale.status_code == 409
        assert "after you read them" in stale.json()["detail"]
        assert (await http.get(url, headers=headers(stack, office))).json() == changed.json()
        never_saved = (await http.get(url, headers=headers(stack, other))).json()
        first = await http.put(url, json=never_saved, headers=headers(stack, other))
        assert first.status_code == 200, first.text
        assert (
            await http.put(url, json=never_saved, headers=headers(stack, other))
        ).status_code == 409
        foreign = await http.put(url, json=read, headers=headers(stack, other))
        assert foreign.status_code == 422
        assert "not the office you are signed in to" in foreign.json()["detail"]


async def test_employees_groups_users_and_what_the_identity_provider_is_told(
    stack: Stack,
) -> None:
    office, other = uuid.uuid4(), uuid.uuid4()
    sync = stack.url("sync")
    admin = headers(stack, office)
    async with httpx.AsyncClient(timeout=10) as http:
        one, two, three = [
            (await activate(http, stack, office, f"OFFICE-{n}-{office.hex[:6]}"))["id"]
            for n in range(3)
        ]
        foreign = (await activate(http, stack, other, f"FOREIGN-{other.hex[:6]}"))["id"]

        group = await http.post(
            sync + "/office/client-groups",
            json={"name": "Bakkers", "dossiers": [two]},
            headers=admin,
        )
        assert group.status_code == 201, group.text
        group_id = group.json()["id"]
        again = await http.post(
            sync + "/office/client-groups", json={"name": "Bakkers"}, headers=admin
        )
        assert again.status_code == 409
        foreign_group = await http.post(
            sync + "/office/client-groups", json={"name": "X", "dossiers": [foreign]}, headers=admin
        )
        assert foreign_group.status_code == 404
        assert foreign_group.json()["detail"] == f"not dossiers of the office: {foreign}"

        anna = {"subject": "anna", "name": "Anna", "email": "anna@office.example", "role": "admin"}
        els = {
            "subject": "els",
            "name": "Els",
            "email": "els@office.example",
            "role": "employee",
            "dossiers": [one],
            "client_groups": [group_id],
        }
        for body in (anna, els):
            created = await http.post(sync + "/office/employees", json=body, headers=admin)
            assert created.status_code == 201, created.text
        assert created.json()["dossiers"] == [one] and created.json()["client_groups"] == [group_id]
        duplicate = await http.post(
            sync + "/office/employees", json=els | {"subject": "els2"}, headers=admin
        )
        assert duplicate.status_code == 409  # the same e-mail address
        assert (
            await http.post(
                sync + "/office/employees",
                json=els | {"subject": "x", "email": "x@office.example", "dossiers": [foreign]},
                headers=admin,
            )
        ).status_code == 404
        # The last admin can neither leave nor stop being admin.
        for attempt in (
            http.delete(sync + "/office/employees/anna", headers=admin),
            http.patch(sync + "/office/employees/anna", json={"role": "employee"}, headers=admin),
        ):
            refused = await attempt
            assert refused.status_code == 409, refused.text
            assert "last admin" in refused.json()["detail"]
        # An employee cannot manage employees; another office does not see ours.
        assert (
            await http.get(
                sync + "/office/employees", headers=headers(stack, office, Role.EMPLOYEE)
            )
        ).status_code == 403
        assert (
            await http.get(sync + "/office/employees", headers=headers(stack, other))
        ).json() == []
        assert (
            await http.get(sync + "/office/employees/els", headers=headers(stack, other))
        ).status_code == 404

        # Dossier users: the client side, with their profiles.
        user = {
            "subject": "jan",
            "name": "Jan",
            "email": "jan@client.example",
            "profile": "client_full_feedback",
        }
        users = f"{sync}/dossiers/{three}/users"
        assert (await http.post(users, json=user, headers=admin)).status_code == 201
        assert (await http.post(users, json=user, headers=admin)).status_code == 409
        bad_profile = await http.post(users, json=user | {"profile": "client_boss"}, headers=admin)
        assert bad_profile.status_code == 422
        changed = await http.patch(
            f"{users}/jan", json={"profile": "client_document_delivery"}, headers=admin
        )
        assert changed.json()["profile"] == "client_document_delivery"
        # every change publishes the dossier's users as they are now (approvals keeps them)
        users_changed = await read_topics(
            bootstrap_of(stack),
            "dossier.users-changed.v1",
            keep=lambda message: message.envelope["dossierid"] == three,
            enough=lambda found: len(found) >= 2,
        )
        assert [[(u["subject"], u["profile"]) for u in m.data["users"]] for m in users_changed] == [
            [("jan", "client_full_feedback")],
            [("jan", "client_document_delivery")],
        ]
        hidden = await http.get(users, headers=headers(stack, other, dossiers=[uuid.UUID(three)]))
        assert hidden.status_code == 404
        assert (await http.delete(f"{users}/nobody", headers=admin)).status_code == 404

        # What the identity provider is told, with a service token of the office.
        service = headers(stack, office, Role.SERVICE, subject="service:identity")
        access = sync + f"/access/offices/{office}/subjects"
        told = (await http.get(f"{access}/anna", headers=service)).json()
        assert (told["role"], told["dossiers"]) == ("admin", sorted([one, two, three]))
        told = (await http.get(f"{access}/els", headers=service)).json()
        assert (told["kind"], told["role"], told["dossiers"]) == (
            "office",
            "employee",
            sorted([one, two]),
        )
        told = (await http.get(f"{access}/jan", headers=service)).json()
        assert (told["kind"], told["role"], told["dossiers"]) == (
            "client",
            "client_document_delivery",
            [three],
        )
        operator = headers(stack, other, Role.OPERATOR)
        assert (await http.get(f"{access}/els", headers=operator)).json()["dossiers"] == sorted(
            [one, two]
        )
        # Nobody else may ask; a service of another office is told nothing.
        assert (await http.get(f"{access}/els", headers=admin)).status_code == 403
        other_service = headers(stack, other, Role.SERVICE)
        assert (await http.get(f"{access}/els", headers=other_service)).status_code == 404
        assert (await http.get(f"{access}/nobody", headers=service)).status_code == 404

        # A deactivated dossier leaves every list; a group removed takes its dossiers along.
        deactivated = await http.post(f"{sync}/dossiers/{one}/deactivate", headers=admin)
        assert deactivated.status_code == 200
        assert (await http.get(f"{access}/els", headers=service)).json()["dossiers"] == [two]
        removed = await http.delete(f"{sync}/office/client-groups/{group_id}", headers=admin)
        assert removed.status_code == 204
        assert (await http.get(f"{access}/els", headers=service)).json()["dossiers"] == []
        assert (await http.delete(sync + "/office/employees/els", headers=admin)).status_code == 204
        assert (await http.get(f"{access}/els", headers=service)).status_code == 404


async def test_activation_options_codes_and_who_may_activate(stack: Stack) -> None:
    office = uuid.uuid4()
    sync = stack.url("sync")
    admin = headers(stack, office)
    employee = headers(stack, office, Role.EMPLOYEE, subject="eva")
    # Two copies of the demo ledger: two dossier codes the reference connector knows.
    codes = [f"OFF{office.hex[:8]}{n}" for n in range(2)]
    for code in codes:
        shutil.copytree(stack.ledger_root / "PEETERS", stack.ledger_root / code)
    body = {
        "name": "Peeters",
        "accounting_package": "beancount",
        "installation": "local",
        "configuration": "B",
        "language": "fr",
        "validation": "hybrid",
        "financial_menu": False,
        "vat_exempt": True,
        "nightly_sync": False,
        "books_up_to_date_until": "2026-09-30",
    }
    async with httpx.AsyncClient(timeout=30) as http:
        # One unknown code: nothing is activated, and the reason names it.
        unknown = await http.post(
            sync + "/dossiers/activations",
            json=body | {"dossier_code": f"{codes[0]};NOPE{office.hex[:6]}"},
            headers=admin,
        )
        assert unknown.status_code == 422, unknown.text
        assert f"NOPE{office.hex[:6]}" in unknown.json()["detail"]
        assert (await http.get(sync + "/dossiers", headers=admin)).json() == []
        # The payment module only when the office allows it.
        refused = await http.post(
            sync + "/dossiers/activations",
            json=body | {"dossier_code": ";".join(codes), "payment_module": True},
            headers=admin,
        )
        assert refused.status_code == 409, refused.text
        # Employees may not activate until the office says so.
        assert (
            await http.post(
                sync + "/dossiers", json=body | {"dossier_code": codes[0]}, headers=employee
            )
        ).status_code == 403
        settings = {"payment_module_allowed": True, "dossier_activation": "employees"}
        await http.put(sync + "/office/settings", json=settings, headers=admin)
        eva = {"subject": "eva", "name": "Eva", "email": "eva@office.example"}
        assert (
            await http.post(sync + "/office/employees", json=eva, headers=admin)
        ).status_code == 201
        several = await http.post(
            sync + "/dossiers/activations",
            json=body | {"dossier_code": f" {codes[0]} ; {codes[1]}", "payment_module": True},
            headers=employee,
        )
        assert several.status_code == 201, several.text
        activated = several.json()
        assert [(d["dossier_code"], d["name"]) for d in activated] == [
            (codes[0], f"Peeters ({codes[0]})"),
            (codes[1], f"Peeters ({codes[1]})"),
        ]
        assert all(
            (d["validation"], d["payment_module"], d["financial_menu"], d["vat_exempt"])
            == ("hybrid", True, False, True)
            and (d["nightly_sync"], d["books_up_to_date_until"]) == (False, "2026-09-30")
            for d in activated
        )
        # Eva activated them: she is assigned to them (her next token lists them).
        eva_now = (await http.get(sync + "/office/employees/eva", headers=admin)).json()
        assert sorted(eva_now["dossiers"]) == sorted(d["id"] for d in activated)
        # The same code again: all or nothing, a conflict.
        twice = await http.post(
            sync + "/dossiers/activations", json=body | {"dossier_code": codes[0]}, headers=admin
        )
        assert twice.status_code == 409
        semicolon = await http.post(
            sync + "/dossiers", json=body | {"dossier_code": ";".join(codes)}, headers=admin
        )
        assert semicolon.status_code == 422
        assert "/dossiers/activations" in semicolon.json()["detail"]

        ids = {d["id"] for d in activated}
        for dossier in ids:
            await stack.wait_for_dossier(uuid.UUID(dossier))
        events = await dossier_events(stack, "dossier.activated.v1", ids)
        assert {e["dossierid"] for e in events} == ids
        data = events[0]["data"]
        assert (data["validation"], data["payment_module"], data["nightly_sync"]) == (
            "hybrid",
            True,
            False,
        )
        assert (data["configuration"], data["language"], data["installation"]) == (
            "B",
            "fr",
            "local",
        )

        # A change of options goes out in dossier.updated.v1; the payment module needs the office.
        first = activated[0]["id"]
        changed = await http.patch(
            f"{sync}/dossiers/{first}", json={"nightly_sync": True}, headers=admin
        )
        assert changed.status_code == 200 and changed.json()["nightly_sync"] is True
        updated = await dossier_events(stack, "dossier.updated.v1", {first})
        assert updated[-1]["data"]["nightly_sync"] is True
        await http.put(sync + "/office/settings", json={}, headers=admin)
        off = await http.patch(
            f"{sync}/dossiers/{first}", json={"payment_module": True}, headers=admin
        )
        assert off.status_code == 409


async def test_manual_sync_options_on_the_reference_ledger(stack: Stack) -> None:
    office = uuid.uuid4()
    sync = stack.url("sync")
    admin = headers(stack, office)
    code = f"MAN{office.hex[:8]}"
    shutil.copytree(stack.ledger_root / "PEETERS", stack.ledger_root / code)
    assert stack.infrastructure is not None and stack.infrastructure.smtp is not None
    smtp = stack.infrastructure.smtp
    async with httpx.AsyncClient(timeout=60) as http:
        created = await http.post(
            sync + "/dossiers",
            json={
                "name": "Peeters Manual",
                "accounting_package": "beancount",
                "dossier_code": code,
            },
            headers=admin,
        )
        assert created.status_code == 201, created.text
        dossier = created.json()["id"]
        user = {
            "subject": "an",
            "name": "An",
            "email": f"an-{code}@client.example",
            "profile": "client_full_access",
        }
        assert (
            await http.post(f"{sync}/dossiers/{dossier}/users", json=user, headers=admin)
        ).status_code == 201

        # A closed period cannot become active; nothing was synchronised for it.
        refused = await http.post(
            f"{sync}/dossiers/{dossier}/sync", json={"new_active_period": "2026-03"}, headers=admin
        )
        assert refused.status_code == 409, refused.text

        synced = await http.post(
            f"{sync}/dossiers/{dossier}/sync",
            json={
                "up_to_date_until": "2026-10-31",
                "reset_proposal_counter": True,
                "new_active_period": "2026-11",
                "notify_client": True,
                "full": False,
            },
            headers=admin,
        )
        assert synced.status_code == 202, synced.text
        run = synced.json()
        assert run["closed_periods"] == ["2026-10"]
        assert run["full_resync"] is False and run["status"] == "ok"
        assert run["notified"] == [user["email"]] and run["notification_error"] is None

        # The ledger: Beancount loads it without errors and 2026-10 is closed.
        entries, errors, _ = loader.load_file(str(stack.ledger_root / code / "main.beancount"))
        assert errors == []
        assert books.read_books(entries).periods["2026-10"].status == "closed"

        shown = (await http.get(f"{sync}/dossiers/{dossier}", headers=admin)).json()
        assert shown["books_up_to_date_until"] == "2026-10-31"
        assert shown["active_period"] == "2026-11"
        assert shown["proposal_counter_reset_at"] is not None
        updated = await dossier_events(stack, "dossier.updated.v1", {dossier})
        assert updated[-1]["data"]["active_period"] == "2026-11"
        assert updated[-1]["data"]["books_up_to_date_until"] == "2026-10-31"

        async def mail() -> Any:
            for _ in range(50):
                found = [m for m in smtp.messages() if m["To"] == user["email"]]
                if found:
                    return found[0]
                await asyncio.sleep(0.2)
            raise AssertionError("no e-mail to the client")

        message = await mail()
        assert message["Subject"] == "Uw boekhouding is bijgewerkt: Peeters Manual"
        assert "31/10/2026" in message.get_payload(decode=True).decode()

        # A delta right after a sync: nothing changed, one chunk without records.
        second = (
            await http.post(f"{sync}/dossiers/{dossier}/sync", json={"full": False}, headers=admin)
        ).json()
        assert (second["chunks"], second["full_resync"]) == (1, False)
        ledger_events = await dossier_events(stack, "ledger.synced.v1", {dossier})
        last = [e["data"] for e in ledger_events if e["data"].get("sync_id") == second["id"]]
        assert len(last) == 1 and last[0]["open_item_records"] == []
        assert last[0]["open_items"] > 0  # the dossier's count, not the delta's
        # Without options the sync is a full resync as before.
        plain = await http.post(f"{sync}/dossiers/{dossier}/sync", headers=admin)
        assert plain.status_code == 202 and plain.json()["full_resync"] is True
