"""Every role (the client profiles of seed 003, "Een dossier configureren 4/5", and the office
and service roles) × every ingest endpoint: allowed, or 403.

The endpoints come from ingest's own OpenAPI document, so a route added later is covered without
touching this test: a GET counts as reading the mailboxes, any other method as editing, unless
`ACTIONS` below says otherwise (uploading, sending, the archive, the intake settings, Peppol).
The caller is always assigned to the dossier (visibility is the tenancy matrix's subject), so
the only reason for a 403 is the profile. Platform routes (health, metrics, /platform/*) are for
operators and not part of the client portal.

`PROFILES` is the table of the README: what each role may do.
"""

import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from ingest.bootstrap import definition
from ingest.config import IngestSettings
from ingest.domain.mailbox import Box
from ingest.domain.profiles import MAILBOX_READERS
from ledgerline.auth import Role
from ledgerline.service import create_app
from pypdf import PdfWriter

pytestmark = [pytest.mark.integration]

READ, UPLOAD, EDIT, SEND = "read", "upload", "edit", "send"
ARCHIVE = "archive"  # list booked documents (the archive box, or status=booked)
DOCUMENT = "document"  # open one mailbox document and its file
ARCHIVED_DOCUMENT = "archived document"  # open one booked document and its file
SETTINGS, PEPPOL = "settings", "peppol"
EVERYTHING = {READ, UPLOAD, EDIT, SEND, ARCHIVE, DOCUMENT, ARCHIVED_DOCUMENT}

PROFILES: dict[Role, set[str]] = {
    Role.ADMIN: EVERYTHING | {SETTINGS, PEPPOL},
    Role.EMPLOYEE: EVERYTHING | {SETTINGS, PEPPOL},
    # Works in the worklists only: no client portal, but it opens the documents shown there.
    Role.SUPPORT: {DOCUMENT, ARCHIVED_DOCUMENT},
    Role.CLIENT_ADMINISTRATOR: EVERYTHING | {SETTINGS},
    Role.CLIENT_FULL_ACCESS: EVERYTHING,
    Role.CLIENT_DOCUMENT_PROCESSING: {READ, UPLOAD, EDIT, SEND, DOCUMENT},
    Role.CLIENT_DOCUMENT_PROCESSING_ARCHIVE: {READ, UPLOAD, EDIT, SEND, DOCUMENT}
    | {ARCHIVE, ARCHIVED_DOCUMENT},
    Role.CLIENT_FULL_FEEDBACK: {READ, DOCUMENT, ARCHIVE, ARCHIVED_DOCUMENT},
    Role.CLIENT_DOCUMENT_DELIVERY: {READ, UPLOAD, DOCUMENT},
    Role.SERVICE: {DOCUMENT, ARCHIVED_DOCUMENT, PEPPOL},
    Role.OPERATOR: set(),
}

# (method, path) -> action, where the method's default (GET: read, else: edit) is not it.
ACTIONS: dict[tuple[str, str], str] = {
    ("POST", "/dossiers/{dossier_id}/documents"): UPLOAD,
    ("POST", "/dossiers/{dossier_id}/documents/batch"): UPLOAD,
    ("POST", "/dossiers/{dossier_id}/documents/bulk"): UPLOAD,
    ("POST", "/peppol/documents"): PEPPOL,
    ("POST", "/dossiers/{dossier_id}/documents/{document_id}/submit"): SEND,
    ("POST", "/dossiers/{dossier_id}/documents/submit"): SEND,
    ("PUT", "/dossiers/{dossier_id}/intake-settings"): SETTINGS,
    ("GET", "/dossiers/{dossier_id}/documents/{document_id}"): DOCUMENT,
    ("GET", "/dossiers/{dossier_id}/documents/{document_id}/content"): DOCUMENT,
}
NOT_PORTAL = ("/healthz", "/readyz", "/metrics", "/platform/")


@dataclass(frozen=True)
class Call:
    """One request: the operation, filled in for one action."""

    method: str
    path: str  # the template, as in the OpenAPI document
    action: str
    box: str | None = None
    query: tuple[tuple[str, str], ...] = ()
    document: str = "random"  # "mailbox", "booked" or "random" (a uuid no document has)

    @property
    def id(self) -> str:
        extra = f" box={self.box}" if self.box else ""
        extra += "".join(f" {key}={value}" for key, value in self.query)
        extra += f" ({self.document} document)" if "{document_id}" in self.path else ""
        return f"{self.method} {self.path}{extra}"


def _spec() -> dict[str, Any]:
    settings = IngestSettings(database_url="postgresql://nobody@127.0.0.1:1/unused")  # type: ignore[call-arg]
    return create_app(definition(), settings).openapi()


def calls() -> list[Call]:
    found: list[Call] = []
    for path, operations in _spec()["paths"].items():
        if path.startswith(NOT_PORTAL):
            continue
        for method in operations:
            method = method.upper()
            action = ACTIONS.get((method, path), READ if method == "GET" else EDIT)
            if "{box}" in path:
                for box in Box:
                    found.append(
                        Call(method, path, ARCHIVE if box is Box.ARCHIVE else action, box.value)
                    )
            elif action == DOCUMENT:
                found.append(Call(method, path, DOCUMENT, document="mailbox"))
                found.append(Call(method, path, ARCHIVED_DOCUMENT, document="booked"))
            elif method == "GET" and "{document_id}" in path:
                found.append(Call(method, path, action, document="mailbox"))
            else:
                found.append(Call(method, path, action))
            if (method, path) == ("GET", "/dossiers/{dossier_id}/documents"):
                found.append(Call(method, path, ARCHIVE, query=(("status", "booked"),)))
    return found


CALLS = calls()


def pdf(title: str) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": title})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@dataclass
class World:
    ingest: Any
    mailbox_document: str
    booked_document: str


@pytest.fixture(scope="module")
async def world(ingest_app: Any) -> AsyncIterator[World]:
    async with ingest_app() as ingest:
        ids = []
        for title in ("in the mailbox", "booked"):
            stored = await ingest.http.post(
                f"/dossiers/{ingest.dossier}/documents",
                files={"file": (f"{title}.pdf", pdf(title), "application/pdf")},
                headers=ingest.headers(Role.ADMIN),
            )
            assert stored.status_code == 201, stored.text
            ids.append(stored.json()["id"])
        await ingest.pool.execute(
            "UPDATE documents SET status = 'booked', document_number = 'AK-1' WHERE id = $1",
            uuid.UUID(ids[1]),
        )
        yield World(ingest, ids[0], ids[1])


def test_every_role_has_a_row_and_every_operation_an_action() -> None:
    assert set(PROFILES) == set(Role)
    assert {call.action for call in CALLS} <= EVERYTHING | {SETTINGS, PEPPOL}
    # The matrix did find the routes (an empty OpenAPI document would pass everything).
    assert len({(call.method, call.path) for call in CALLS}) >= 15


@pytest.mark.parametrize("role", list(Role), ids=[role.value for role in Role])
@pytest.mark.parametrize("call", CALLS, ids=[call.id for call in CALLS])
async def test_a_role_is_allowed_exactly_what_its_profile_allows(
    world: World, role: Role, call: Call
) -> None:
    ingest = world.ingest
    document = {
        "mailbox": world.mailbox_document,
        "booked": world.booked_document,
        "random": str(uuid.uuid4()),
    }[call.document]
    url = call.path.format(dossier_id=ingest.dossier, document_id=document, box=call.box, label="x")
    response = await ingest.http.request(
        call.method,
        url,
        params=dict(call.query),
        json={} if call.method in ("PUT", "PATCH") else None,
        headers=ingest.headers(role, subject=f"{role.value}@matrix.example"),
    )
    allowed = call.action in PROFILES[role]
    assert response.status_code < 500, response.text
    if allowed:
        assert response.status_code != 403, (
            f"{role.value} may {call.action}: {call.id} answered 403 {response.text}"
        )
    else:
        assert response.status_code == 403, (
            f"{role.value} may not {call.action}: {call.id} answered "
            f"{response.status_code} {response.text[:300]}"
        )
        assert "may not" in response.json()["detail"]


@pytest.mark.parametrize(
    "role",
    sorted(MAILBOX_READERS),
    ids=lambda role: role.value,
)
async def test_the_counters_count_what_the_role_s_lists_show(world: World, role: Role) -> None:
    """Every counter equals the length of its box's list for that caller; a profile that may
    not list the archive gets no archive counter (it would tell the archive's size)."""
    ingest = world.ingest
    headers = ingest.headers(role, subject=f"{role.value}@matrix.example")
    counters = await ingest.http.get(f"/dossiers/{ingest.dossier}/mailboxes", headers=headers)
    assert counters.status_code == 200, counters.text
    counted = {counter["box"]: counter["documents"] for counter in counters.json()}
    listed = {}
    for box in Box:
        page = await ingest.http.get(
            f"/dossiers/{ingest.dossier}/mailboxes/{box.value}/documents",
            params={"limit": 200},
            headers=headers,
        )
        if page.status_code == 403:
            continue
        assert page.status_code == 200, page.text
        listed[box.value] = len(page.json()["items"])
    assert counted == listed
    assert (Box.ARCHIVE.value in counted) == (ARCHIVE in PROFILES[role])
    assert counted[Box.PURCHASE.value] >= 1  # the world's mailbox document is counted
