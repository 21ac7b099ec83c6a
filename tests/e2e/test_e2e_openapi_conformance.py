"""Schemathesis over every service's OpenAPI, against the running services.

Requests are generated from each document (its examples, boundary values, then random valid
and invalid input), a few per operation, the same every run, and every answer is checked: never a
5xx, the status is documented, the body matches its schema, the content type is the declared
one. Every generated string may be swapped for a known-hostile one (NUL, control characters,
absurd amounts). The run works in a dossier of its own office, so what it writes never meets other tests.
"""

import asyncio
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from ledgerline.devstack.stack import SERVICES, Stack

from tests.e2e.helpers import bearer, eventually

pytestmark = [pytest.mark.e2e]

# Bounded so all six services take well under three minutes on two cores.
MAX_EXAMPLES = int(os.environ.get("LEDGERLINE_SCHEMATHESIS_EXAMPLES", "10"))
CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)


# Mixed into every generated string, valid or not for its field: the input that has broken
# services before (NUL and control characters, absurd or non-ASCII amounts, padding).
HOSTILE_STRINGS = [
    "\x00",
    "nul\x00inside",
    "bell\x07",
    "two\nlines",
    "9" * 40,
    "9" * 40 + ".99",
    "1e400",
    "\u0661\u0662\u0663.45",
    "\uff11\uff12.00",
    " 12.00 ",
    "-0.01",
    "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'a'>]><x>&a;</x>",
]


@dataclass(frozen=True)
class Sandbox:
    """A fresh office with one active dossier, and a few real resources in it to aim at."""

    token: str
    path_parameters: dict[str, str]


async def _eventually_ok(http: httpx.AsyncClient, url: str, token: str) -> None:
    # Each service keeps its own copy of the dossiers, from dossier.activated.v1.
    async def ok() -> bool | None:
        answer = await http.get(url, headers={"Authorization": f"Bearer {token}"})
        return True if answer.status_code == 200 else None

    await eventually(ok, 30, f"{url} answering 200")


@pytest.fixture(scope="module")
async def sandbox(stack: Stack) -> Sandbox:
    office, dossier = uuid.uuid4(), uuid.uuid4()
    async with httpx.AsyncClient(timeout=15) as http:
        activated = await http.post(
            f"{stack.url('sync')}/dossiers",
            json={
                "id": str(dossier),
                "name": "Schemathesis BV",
                "accounting_package": "exact",
                "dossier_code": "ST-1",
            },
            headers=bearer(stack, office_id=office, dossiers=[]),
        )
        assert activated.status_code == 201, activated.text
        token = stack.token(office_id=office, dossiers=[dossier])
        headers = {"Authorization": f"Bearer {token}"}
        payments = f"{stack.url('payments')}/dossiers/{dossier}"
        await _eventually_ok(http, f"{stack.url('ingest')}/dossiers/{dossier}/documents", token)
        await _eventually_ok(http, f"{payments}/bank-accounts", token)
        # A bank account, a QR payment and a SEPA file, so that generated requests reach past
        # "not found" into the payment logic.
        account = await http.post(
            f"{payments}/bank-accounts",
            json={
                "iban": "BE68 5390 0754 7034",
                "holder_name": "Schemathesis BV",
                "town": "Antwerpen",
                "country": "BE",
            },
            headers=headers,
        )
        assert account.status_code == 201, account.text
        payment = {
            "creditor_name": "Meelhandel Janssens NV",
            "amount": "12.50",
            "creditor_iban": "BE71 0961 2345 6769",
        }
        qr = await http.post(
            f"{payments}/payments", json=payment | {"method": "qr"}, headers=headers
        )
        assert qr.status_code == 201, qr.text
        basket = await http.post(f"{payments}/payments", json=payment, headers=headers)
        assert basket.status_code == 201, basket.text
        sepa_file = await http.post(
            f"{payments}/sepa-files", json={"payment_ids": [basket.json()["id"]]}, headers=headers
        )
        assert sepa_file.status_code == 201, sepa_file.text
    return Sandbox(
        token=token,
        path_parameters={
            "dossier_id": str(dossier),
            "payment_id": qr.json()["id"],
            "file_id": sepa_file.json()["id"],
        },
    )


def _config_file(sandbox: Sandbox, workdir: Path) -> Path:
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "schemathesis.toml"
    config.write_text(
        "[parameters]\n"
        + "".join(f'"path.{name}" = "{value}"\n' for name, value in sandbox.path_parameters.items())
        + "[dictionaries.hostile]\n"
        + f"values = [{', '.join(json.dumps(value) for value in HOSTILE_STRINGS)}]\n"
        + "[generation.dictionaries]\n"
        + 'string = { dictionary = "hostile", probability = 0.5 }\n'
    )
    return config


def _open_log(workdir: Path) -> IO[bytes]:
    return (workdir / "schemathesis.log").open("wb")


async def _schemathesis(url: str, sandbox: Sandbox, workdir: Path) -> tuple[int, str]:
    config = _config_file(sandbox, workdir)
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "--config-file",
        str(config),
        "run",
        f"{url}/openapi.json",
        "--header",
        f"Authorization: Bearer {sandbox.token}",
        "--checks",
        CHECKS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",  # the same requests every run: a fixed seed
        "--no-shrink",
        "--workers",
        "1",
        "--request-timeout",
        "30",
        "--continue-on-failure",
        "--no-color",
        "--output-sanitize",
        "false",
        "--warnings",
        "off",
    ]
    # The report goes to a file as it is written, to be read even after a timeout.
    with _open_log(workdir) as log:
        process = await asyncio.create_subprocess_exec(
            *command, cwd=workdir, stdout=log, stderr=asyncio.subprocess.STDOUT
        )
        returncode = await asyncio.wait_for(process.wait(), timeout=400)
    return returncode, await asyncio.to_thread((workdir / "schemathesis.log").read_text)


@pytest.mark.timeout(600)  # the stack's start included, on a busy machine
async def test_every_api_answers_as_its_openapi_says(
    stack: Stack, sandbox: Sandbox, tmp_path: Path
) -> None:
    # The six runs together: most of their time is waiting on answers.
    started = time.monotonic()
    results = await asyncio.gather(
        *(_schemathesis(stack.url(service), sandbox, tmp_path / service) for service in SERVICES)
    )
    print(f"schemathesis over {len(SERVICES)} services: {time.monotonic() - started:.0f} s")
    failed = []
    for service, (returncode, output) in zip(SERVICES, results, strict=True):
        print(f"===== {service}: exit {returncode}\n{output}")
        if returncode != 0:
            failed.append(service)
    assert not failed, f"schemathesis found problems in {failed}; see the output above"
