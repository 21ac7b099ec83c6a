"""Tenancy matrix: every endpoint of every running service × the callers that must or must not
reach a dossier.

The endpoints come from each running service's /openapi.json, so an endpoint added later is
covered without touching this test. Path parameters: `dossier_id` is this test's own dossier (in
an office of its own, so nothing here disturbs the demo data), every other id a random uuid;
bodies are the smallest the request schema accepts. Expected:

- another office's token is answered 404 on every dossier path, even when it lists our dossier
  (never 2xx, never a 403 that would reveal the dossier exists);
- a caller of our office who may see the dossier (an admin; anyone else assigned to it) gets 403
  exactly when the route's `dossier_scope` does not admit the role, and never the dossier's 404;
- an employee of our office not assigned to the dossier gets 404;
- a route across the office (no dossier in its path, an `office_scope` declaring its roles, such
  as the office-wide worklist) answers 403 exactly when the role is not admitted, and never
  shows our dossier (it holds a proposal) to a caller who may not see it;
- nobody ever gets a 5xx.
"""

import asyncio
import importlib
import re
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi.routing import APIRoute
from ledgerline.auth import Role, allowed_roles
from ledgerline.devstack.stack import SERVICES, Stack

from tests.e2e.helpers import activate_dossier, bearer

pytestmark = [pytest.mark.e2e]

OUR_OFFICE = uuid.uuid4()
OTHER_OFFICE = uuid.uuid4()
METHODS = ("get", "put", "post", "patch", "delete")
# Platform routes answer everyone alike and have no tenant data.
PLATFORM_PATHS = {"/healthz", "/readyz", "/metrics"}


@dataclass(frozen=True)
class Caller:
    name: str
    office: str  # "ours" or "other"
    role: Role
    assigned: str  # "none", "dossier" (our dossier), "sibling" (another dossier of our office)


def _callers() -> list[Caller]:
    callers = [Caller("own-admin", "ours", Role.ADMIN, "none")]
    callers += [
        Caller(f"own-{role.value}", "ours", role, "dossier") for role in Role if role != Role.ADMIN
    ]
    callers.append(Caller("own-employee-not-assigned", "ours", Role.EMPLOYEE, "sibling"))
    callers.append(Caller("other-admin", "other", Role.ADMIN, "none"))
    callers += [
        Caller(f"other-{role.value}-listing-ours", "other", role, "dossier") for role in Role
    ]
    return callers


CALLERS = _callers()


@dataclass
class Tenancy:
    dossier: uuid.UUID
    sibling: uuid.UUID


_state: dict[str, Tenancy] = {}


async def _plant_proposal(stack: Stack, dossier: uuid.UUID) -> None:
    """A proposal in the worklist's own table, so that a route across the office that leaked
    the dossier would show it."""
    connection = await asyncpg.connect(stack.database_urls["worklist"])
    try:
        await connection.execute(
            """INSERT INTO proposals (id, office_id, dossier_id, document_id, source, status,
                   auto_status, recognition_status, journal, invoice_number, invoice_date,
                   counterparty_name, counterparty_known, currency, total_incl_vat)
               VALUES ($1, $2, $3, $4, 'ubl', 'ok', 'ok', 'ok', 'CFAAN', 'MATRIX-1',
                       '2026-11-30', 'Matrix NV', true, 'EUR', 121.00)""",
            uuid.uuid4(),
            OUR_OFFICE,
            dossier,
            uuid.uuid4(),
        )
    finally:
        await connection.close()


async def _activate(stack: Stack, name: str) -> uuid.UUID:
    admin = bearer(stack, office_id=OUR_OFFICE, subject="matrix.admin@office.example")
    # Validated by the client: the worklist then admits client validators to every action.
    dossier = await activate_dossier(stack, name, "MATRIX", admin, {"validation": "client"})
    await _plant_proposal(stack, dossier)
    return dossier


@pytest.fixture
async def tenancy(stack: Stack) -> AsyncIterator[Tenancy]:
    """Our office's dossiers, known to every service; a deactivated one is replaced."""
    if "ours" not in _state:
        _state["ours"] = Tenancy(
            await _activate(stack, "Matrix dossier"), await _activate(stack, "Matrix sibling")
        )
    async with httpx.AsyncClient(timeout=10) as http:
        still = await http.get(
            f"{stack.url('sync')}/dossiers/{_state['ours'].dossier}",
            headers=bearer(stack, office_id=OUR_OFFICE),
        )
    if still.status_code == 404:  # deactivated by the previous caller's test
        _state["ours"].dossier = await _activate(stack, "Matrix dossier")
    yield _state["ours"]


# --- what the services declare -------------------------------------------------------------


def _route_roles(service: str) -> dict[tuple[str, str], frozenset[Role] | None]:
    """(method, path) → the roles the route's dossier_scope admits, from the service's code."""
    definition = importlib.import_module(f"{service}.bootstrap").definition()
    roles: dict[tuple[str, str], frozenset[Role] | None] = {}
    for router in definition.routers:
        for route in router.routes:
            if isinstance(route, APIRoute):
                for method in route.methods:
                    roles[(method.lower(), route.path)] = allowed_roles(route.dependant)
    return roles


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = spec["components"]["schemas"][name]
    return schema


def minimal(spec: dict[str, Any], schema: dict[str, Any]) -> Any:
    """The smallest value the schema describes (required properties only)."""
    schema = _resolve(spec, schema)
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            options = [s for s in schema[combinator] if _resolve(spec, s).get("type") != "null"]
            return minimal(spec, options[0] if options else schema[combinator][0])
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        return {name: minimal(spec, properties[name]) for name in schema.get("required", [])}
    if kind == "array":
        return [minimal(spec, schema.get("items", {}))] * schema.get("minItems", 0)
    if kind == "string":
        formats = {
            "uuid": str(uuid.uuid4()),
            "date": "2026-01-01",
            "date-time": "2026-01-01T00:00:00Z",
            "email": "someone@example.com",
        }
        if schema.get("format") in formats:
            return formats[schema["format"]]
        return "1" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    roles: frozenset[Role] | None
    body: dict[str, Any]
    query: dict[str, Any]

    @property
    def scoped(self) -> bool:
        return "{dossier_id}" in self.path

    @property
    def office_wide(self) -> bool:
        """Across the caller's office: no dossier in the path, roles declared (office_scope)."""
        return not self.scoped and self.roles is not None


def _operations(service: str, spec: dict[str, Any]) -> list[Operation]:
    roles = _route_roles(service)
    operations = []
    for path, item in spec["paths"].items():
        # Platform routes name no dossier; their own tests cover who may call them.
        if path in PLATFORM_PATHS or path.startswith("/platform/"):
            continue
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            query = {
                parameter["name"]: minimal(spec, parameter.get("schema", {}))
                for parameter in operation.get("parameters", [])
                if parameter["in"] == "query" and parameter.get("required")
            }
            body: dict[str, Any] = {}
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content:
                body = {"json": minimal(spec, content["application/json"].get("schema", {}))}
            elif "multipart/form-data" in content:
                body = {"files": {"file": ("matrix.xml", b"<a/>", "application/xml")}}
            elif content:
                media_type = next(iter(content))
                body = {"content": b"<a/>", "headers": {"Content-Type": media_type}}
            assert (method, path) in roles, f"{service}: {method.upper()} {path} not in its routers"
            operations.append(Operation(service, method, path, roles[(method, path)], body, query))
    return operations


@pytest.fixture(scope="module")
async def operations(stack: Stack) -> list[Operation]:
    found: list[Operation] = []
    async with httpx.AsyncClient(timeout=10) as http:
        for service in SERVICES:
            spec = (await http.get(stack.url(service) + "/openapi.json")).json()
            found += _operations(service, spec)
    # Reads first; deactivating the dossier last, as every later request would only see a 404.
    return sorted(found, key=lambda op: ("deactivate" in op.path, op.method != "get"))


# --- the matrix ------------------------------------------------------------------------------


def _url(stack: Stack, operation: Operation, dossier: uuid.UUID) -> str:
    path = operation.path.replace("{dossier_id}", str(dossier))
    path = re.sub(r"\{[^}]+\}", lambda _: str(uuid.uuid4()), path)
    return stack.url(operation.service) + path


def _token(stack: Stack, caller: Caller, tenancy: Tenancy) -> str:
    dossiers = {"none": [], "dossier": [tenancy.dossier], "sibling": [tenancy.sibling]}
    return stack.token(
        subject=f"{caller.name}@matrix.example",
        role=caller.role,
        office_id=OUR_OFFICE if caller.office == "ours" else OTHER_OFFICE,
        dossiers=dossiers[caller.assigned],
    )


def _violation(
    caller: Caller, operation: Operation, response: httpx.Response, dossier: uuid.UUID
) -> str | None:
    status = response.status_code
    dossier_hidden = status == 404 and str(dossier) in response.text
    if status >= 500:
        return f"{status} (server error)"
    if operation.office_wide:
        return _office_wide_violation(caller, operation, response, dossier)
    if not operation.scoped:
        return None
    if caller.office == "other":
        return (
            None
            if dossier_hidden
            else f"{status}, expected the dossier's 404 (another office's dossier)"
        )
    if caller.assigned == "sibling":
        return (
            None if dossier_hidden else f"{status}, expected the dossier's 404 (not assigned to it)"
        )
    allowed = operation.roles is not None and caller.role in operation.roles
    if not allowed:
        return None if status == 403 else f"{status}, expected 403 (role not admitted)"
    if status == 403 or dossier_hidden:
        return f"{status}, expected the dossier to be reached (role admitted)"
    return None


def _office_wide_violation(
    caller: Caller, operation: Operation, response: httpx.Response, dossier: uuid.UUID
) -> str | None:
    status = response.status_code
    allowed = operation.roles is not None and caller.role in operation.roles
    if not allowed:
        return None if status == 403 else f"{status}, expected 403 (role not admitted)"
    if status == 403:
        return f"{status}, expected the role to be admitted"
    may_see = caller.office == "ours" and (
        caller.role == Role.ADMIN or caller.assigned == "dossier"
    )
    if not may_see and str(dossier) in response.text:
        return "shows a dossier the caller may not see"
    return None


@pytest.mark.parametrize("caller", CALLERS, ids=[caller.name for caller in CALLERS])
async def test_every_endpoint_keeps_dossiers_within_their_office(
    stack: Stack, tenancy: Tenancy, operations: list[Operation], caller: Caller
) -> None:
    headers = {"Authorization": f"Bearer {_token(stack, caller, tenancy)}"}
    violations = []
    async with httpx.AsyncClient(timeout=30) as http:
        for operation in operations:
            extra_headers = operation.body.get("headers", {})
            response = await http.request(
                operation.method.upper(),
                _url(stack, operation, tenancy.dossier),
                params=operation.query,
                headers=headers | extra_headers,
                **{k: v for k, v in operation.body.items() if k != "headers"},
            )
            problem = _violation(caller, operation, response, tenancy.dossier)
            if problem:
                violations.append(
                    f"{operation.service} {operation.method.upper()} {operation.path}: {problem}: "
                    f"{response.text[:200]}"
                )
    assert not violations, f"{caller.name}:\n" + "\n".join(violations)


async def test_the_matrix_covers_every_service(operations: list[Operation]) -> None:
    services = {operation.service for operation in operations}
    assert services == set(SERVICES)
    office_wide = {f"{op.service} {op.path}" for op in operations if op.office_wide}
    assert {"worklist /office/proposals", "worklist /office/proposals/counts"} <= office_wide
    scoped = [operation for operation in operations if operation.scoped]
    assert len(scoped) >= 25, [f"{op.method} {op.path}" for op in scoped]
    assert all(op.roles for op in scoped), "every dossier route declares its roles"


async def test_the_office_wide_worklist_shows_the_dossier_to_those_who_may_see_it(
    stack: Stack, tenancy: Tenancy
) -> None:
    """The other side of the matrix's check: the planted proposal is there for the admin and
    the employee assigned to the dossier (so its absence elsewhere means something)."""
    async with httpx.AsyncClient(timeout=10) as http:
        for caller in CALLERS:
            if caller.role not in (Role.ADMIN, Role.EMPLOYEE):
                continue
            headers = {"Authorization": f"Bearer {_token(stack, caller, tenancy)}"}
            listed = await http.get(stack.url("worklist") + "/office/proposals", headers=headers)
            assert listed.status_code == 200, listed.text
            dossiers = {proposal["dossier_id"] for proposal in listed.json()}
            sees = caller.office == "ours" and caller.assigned in ("none", "dossier")
            assert (str(tenancy.dossier) in dossiers) == sees, caller.name


# --- the directory follows sync ----------------------------------------------------------------


async def _eventually_named(stack: Stack, service: str, dossier: uuid.UUID, name: str) -> None:
    connection = await asyncpg.connect(stack.database_urls[service])
    try:
        for _ in range(150):
            if (
                await connection.fetchval("SELECT name FROM dossiers WHERE id = $1", dossier)
                == name
            ):
                return
            await asyncio.sleep(0.2)
    finally:
        await connection.close()
    raise AssertionError(f"{service} did not learn the new name from dossier.updated.v1")


async def test_an_admin_sees_a_dossier_as_soon_as_it_is_activated_and_not_after_deactivation(
    stack: Stack,
) -> None:
    office = uuid.uuid4()
    admin = bearer(stack, office_id=office)
    employee = bearer(stack, office_id=office, role=Role.EMPLOYEE, dossiers=[])
    dossier = uuid.uuid4()
    async with httpx.AsyncClient(timeout=10) as http:
        activated = await http.post(
            stack.url("sync") + "/dossiers",
            json={
                "id": str(dossier),
                "name": "Fresh BV",
                "accounting_package": "winbooks",
                "dossier_code": "FRESH",
            },
            headers=admin,
        )
        assert activated.status_code == 201, activated.text
        listed = await http.get(stack.url("sync") + "/dossiers", headers=admin)
        assert [d["id"] for d in listed.json()] == [str(dossier)]
        assert (await http.get(stack.url("sync") + "/dossiers", headers=employee)).json() == []

        await stack.wait_for_dossier(dossier)
        documents = f"{stack.url('ingest')}/dossiers/{dossier}/documents"
        rules = f"{stack.url('approvals')}/dossiers/{dossier}/invoice-approval-rules"
        # The same admin token, minted before the dossier existed, reaches it everywhere.
        assert (await http.get(documents, headers=admin)).status_code == 200
        assert (await http.get(rules, headers=admin)).status_code == 200
        assert (await http.get(documents, headers=employee)).status_code == 404

        renamed = await http.patch(
            f"{stack.url('sync')}/dossiers/{dossier}", json={"name": "Fresh NV"}, headers=admin
        )
        assert renamed.status_code == 200 and renamed.json()["name"] == "Fresh NV"
        await _eventually_named(stack, "payments", dossier, "Fresh NV")
        as_employee = await http.patch(
            f"{stack.url('sync')}/dossiers/{dossier}",
            json={"name": "x"},
            headers={
                "Authorization": "Bearer "
                + stack.token(office_id=office, role=Role.EMPLOYEE, dossiers=[dossier])
            },
        )
        assert as_employee.status_code == 403

        deactivated = await http.post(
            f"{stack.url('sync')}/dossiers/{dossier}/deactivate",
            json={"reason": "client left"},
            headers=admin,
        )
        assert deactivated.status_code == 200 and deactivated.json()["active"] is False
        await stack.wait_for_dossier(dossier, active=False)
        assert (await http.get(documents, headers=admin)).status_code == 404
        assert (await http.get(rules, headers=admin)).status_code == 404
        assert (await http.get(stack.url("sync") + "/dossiers", headers=admin)).json() == []
