"""Each service's OpenAPI document tells the truth about errors, built without any server.

The apps are created with settings pointing nowhere and their lifespan is never run: the
document is a property of the code alone.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from approvals.bootstrap import definition as approvals
from fastapi import FastAPI
from fastapi.testclient import TestClient
from ingest.bootstrap import definition as ingest
from jsonschema_rs import Draft202012Validator
from ledgerline.service import ServiceDefinition, create_app
from payments.bootstrap import definition as payments
from recognition.bootstrap import definition as recognition
from sync.bootstrap import definition as sync
from worklist.bootstrap import definition as worklist

DEFINITIONS = [sync, ingest, recognition, worklist, approvals, payments]
NOWHERE = "postgresql://nobody:nothing@127.0.0.1:1/nowhere"
ERROR_REF = "#/components/schemas/ErrorResponse"
# Readiness answers 503 with the same body as 200 (which check failed), for probes.
NOT_ERRORS = {("/readyz", "get", "503")}
METHODS = {"get", "put", "post", "patch", "delete"}


def build(make: Any) -> FastAPI:
    service: ServiceDefinition = make()
    return create_app(service, service.settings_type(database_url=NOWHERE))  # type: ignore[call-arg]


@pytest.fixture(scope="module", params=DEFINITIONS, ids=lambda make: make().name)
def document(request: pytest.FixtureRequest) -> dict[str, Any]:
    return build(request.param).openapi()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def test_every_authenticated_operation_documents_401(document: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(document)
        if operation.get("security") and "401" not in operation["responses"]
    ]
    assert not missing, f"no 401 documented: {missing}"


def test_every_dossier_operation_documents_403_and_404(document: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path} {status}"
        for path, method, operation in operations(document)
        if "{dossier_id}" in path
        for status in ("403", "404")
        if status not in operation["responses"]
    ]
    assert not missing, f"not documented: {missing}"


def test_every_error_status_uses_the_shared_error_model(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in document["components"]["schemas"]
    wrong = []
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) < 400 or (path, method, status) in NOT_ERRORS:
                continue
            content = response.get("content", {})
            schema = content.get("application/json", {}).get("schema", {})
            if list(content) != ["application/json"] or schema.get("$ref") != ERROR_REF:
                wrong.append(f"{method.upper()} {path} {status}: {content}")
    assert not wrong, "\n".join(wrong)


def test_operations_with_input_document_422(document: dict[str, Any]) -> None:
    missing = [
        f"{method.upper()} {path}"
        for path, method, operation in operations(document)
        if (operation.get("parameters") or operation.get("requestBody"))
        and "422" not in operation["responses"]
    ]
    assert not missing, f"no 422 documented: {missing}"


def test_every_operation_has_examples(document: dict[str, Any]) -> None:
    """Each success response and request body shows an example (inline or in its schema)."""
    schemas = document["components"]["schemas"]

    def has_example(media: dict[str, Any]) -> bool:
        if "example" in media or "examples" in media:
            return True
        schema = media.get("schema", {})
        if is_binary(schema):
            return True  # a PDF or an image cannot be shown inline
        schema = schema.get("items", schema)
        for option in [schema, *schema.get("anyOf", [])]:
            if "$ref" in option:
                option = schemas[option["$ref"].rsplit("/", 1)[1]]
            if "examples" in option or "example" in option:
                return True
        return False

    missing = []
    for path, method, operation in operations(document):
        bodies = [
            ("request", media)
            for media in operation.get("requestBody", {}).get("content", {}).values()
        ]
        for status, response in operation["responses"].items():
            bodies += [(status, media) for media in response.get("content", {}).values()]
        missing += [
            f"{method.upper()} {path} {where}" for where, media in bodies if not has_example(media)
        ]
    assert not missing, "no example: " + ", ".join(missing)


def is_binary(schema: dict[str, Any]) -> bool:
    return (
        schema.get("format") == "binary"
        or any(is_binary(item) for item in schema.get("properties", {}).values())
        or ("items" in schema and is_binary(schema["items"]))  # several files in one field
    )


def test_every_example_is_valid_for_its_schema(document: dict[str, Any]) -> None:
    """The examples are true: each validates against the schema it illustrates."""
    components = {"components": document["components"]}
    checked, wrong = 0, []

    def check(where: str, schema: dict[str, Any], example: Any) -> None:
        nonlocal checked
        checked += 1
        validator = Draft202012Validator(components | schema)
        wrong.extend(f"{where}: {error.message}" for error in validator.iter_errors(example))

    for name, schema in document["components"]["schemas"].items():
        for example in schema.get("examples", []):
            check(name, {"$ref": f"#/components/schemas/{name}"}, example)
    for path, method, operation in operations(document):
        media_types = [
            ("request", m) for m in operation.get("requestBody", {}).get("content", {}).values()
        ]
        for status, response in operation["responses"].items():
            media_types += [(status, m) for m in response.get("content", {}).values()]
        for where, media in media_types:
            if "example" in media:
                check(f"{method.upper()} {path} {where}", media.get("schema", {}), media["example"])
    assert checked
    assert not wrong, "\n".join(wrong)


def test_metrics_are_documented_as_prometheus_text() -> None:
    app = build(sync)
    content = app.openapi()["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain"]
    answer = TestClient(app).get("/metrics")
    assert answer.headers["content-type"].startswith("text/plain")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"name": "\xff"}', "application/json"),  # not UTF-8: FastAPI answered 400
    ],
)
def test_malformed_json_is_422_with_the_error_model(body: bytes, content_type: str) -> None:
    from ledgerline.auth import Role, issue_token
    from ledgerline.demo import DEMO_OFFICE_ID, JWT_ISSUER
    from ledgerline.settings import DEV_JWT_SECRET

    app = build(sync)
    token = issue_token(
        secret=DEV_JWT_SECRET,
        subject="admin",
        office_id=DEMO_OFFICE_ID,
        role=Role.ADMIN,
        dossiers=[],
        issuer=JWT_ISSUER,
    )
    answer = TestClient(app, raise_server_exceptions=False).post(
        "/dossiers",
        content=body,
        headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 422, answer.text
    assert isinstance(answer.json()["detail"], str)
    assert answer.json()["problems"]
