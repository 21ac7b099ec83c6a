"""Schemathesis over every service's OpenAPI, against the running services.

Requests are generated from each document (its examples, boundary values, then random valid
and invalid input), a few per operation with a fixed seed, and every answer is checked: never a
5xx, the status is documented, the body matches its schema, the content type is the declared
one. The run works in a dossier of its own office, so what it writes never meets other tests.
"""

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest
from ledgerline.devstack.stack import SERVICES, Stack

pytestmark = [pytest.mark.e2e]

# Bounded so all six services take well under three minutes on two cores.
MAX_EXAMPLES = int(os.environ.get("LEDGERLINE_SCHEMATHESIS_EXAMPLES", "4"))
SEED = 20261130
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


@pytest.fixture(scope="module")
async def conformance_dossier(stack: Stack) -> tuple[str, uuid.UUID]:
    """A token of a fresh office and one active dossier of it, known to every service."""
    office, dossier = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(timeout=10) as http:
        activated = await http.post(
            f"{stack.url('sync')}/dossiers",
            json={
                "id": str(dossier),
                "name": "Schemathesis BV",
                "accounting_package": "exact",
                "dossier_code": "ST-1",
            },
            headers={"Authorization": f"Bearer {stack.token(office_id=office, dossiers=[])}"},
        )
        assert activated.status_code == 201, activated.text
        token = stack.token(office_id=office, dossiers=[dossier])
        # Ingest keeps its own copy of the dossiers, from dossier.activated.v1.
        deadline = time.monotonic() + 30
        while True:
            listed = await http.get(
                f"{stack.url('ingest')}/dossiers/{dossier}/documents",
                headers={"Authorization": f"Bearer {token}"},
            )
            if listed.status_code == 200 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    return token, dossier


@pytest.mark.parametrize("service", SERVICES)
async def test_the_api_answers_as_its_openapi_says(
    stack: Stack, conformance_dossier: tuple[str, uuid.UUID], service: str, tmp_path: Path
) -> None:
    token, dossier = conformance_dossier
    config = tmp_path / "schemathesis.toml"
    # Most operations are scoped to a dossier: pin it so the requests reach past the 404.
    config.write_text(f'[parameters]\n"path.dossier_id" = "{dossier}"\n')
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{stack.url(service)}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--seed",
        str(SEED),
        "--generation-deterministic",
        "--no-shrink",
        "--workers",
        "1",
        "--request-timeout",
        "20",
        "--continue-on-failure",
        "--no-color",
        "--output-sanitize",
        "false",
    ]
    started = time.monotonic()
    run = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=240, cwd=tmp_path
    )
    elapsed = time.monotonic() - started
    report = f"schemathesis on {service} ({elapsed:.0f} s):\n{run.stdout}\n{run.stderr}"
    print(report)
    assert run.returncode == 0, report
