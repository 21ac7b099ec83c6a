"""The one error body every service answers with, and how its OpenAPI documents say so.

Every 4xx/5xx is `ErrorResponse`: `detail` for people, `problems` (one line per invalid field)
for 422s. The OpenAPI document is completed here, once for every service, from what each route
depends on: bearer authentication can answer 401, a dossier in the path 403 and 404, any input
422. Statuses only one route can answer (409, 413, a 404 of a document, ...) are declared on the
route with `responses={409: error_response("...")}`.
"""

from typing import Any, TypeVar

from fastapi import FastAPI, HTTPException
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.security.base import SecurityBase
from pydantic import BaseModel, ConfigDict, Field


class ErrorResponse(BaseModel):
    """Why a request was refused (or failed)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"detail": "dossier d0551e00-0000-4000-8000-000000000001 not found"},
                {
                    "detail": "body.name: String should have at least 1 character",
                    "problems": ["body.name: String should have at least 1 character"],
                },
            ]
        }
    )

    detail: str = Field(description="What went wrong, for people")
    problems: list[str] | None = Field(
        default=None, description="For 422: one line per invalid field (`location: message`)"
    )


ERROR_SCHEMA_REF = "#/components/schemas/ErrorResponse"

# What each status means when a service answers it, with an example body.
STANDARD_ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    401: (
        "No bearer token, or one that is expired or not valid",
        {"detail": "a bearer token is required (Authorization: Bearer <token>)"},
    ),
    403: (
        "The caller's role may not do this",
        {"detail": "the role client_full_feedback may not do this; allowed: admin, employee"},
    ),
    404: (
        "Not found, or in a dossier the caller may not see (another office's included)",
        {"detail": "dossier d0551e00-0000-4000-8000-000000000001 not found"},
    ),
    409: ("Conflicts with the current state", {"detail": "the request conflicts"}),
    413: (
        "The body is larger than allowed",
        {"detail": "the document is larger than 20971520 bytes"},
    ),
    422: (
        "Invalid input: malformed JSON or XML, or invalid fields (one line each in `problems`)",
        {
            "detail": "body.name: Field required",
            "problems": ["body.name: Field required"],
        },
    ),
    502: ("A server this one relies on refused", {"detail": "the mail server refused the message"}),
}


T = TypeVar("T")


def found_or_404(found: T | None, what: str) -> T:
    """`found`, or the 404 every service answers for something it does not have (or that the
    caller may not see): "<what> not found", e.g. `found_or_404(row, f"document {id}")`."""
    if found is None:
        raise HTTPException(404, f"{what} not found")
    return found


def error_response(description: str, example: str | None = None) -> dict[str, Any]:
    """A route-specific error status for `responses=`: the shared model with what it means."""
    response: dict[str, Any] = {"model": ErrorResponse, "description": description}
    if example is not None:
        response["content"] = {"application/json": {"example": {"detail": example}}}
    return response


def _dependencies(dependant: Dependant) -> list[Dependant]:
    found = []
    for dependency in dependant.dependencies:
        found += [dependency, *_dependencies(dependency)]
    return found


def _has_input(dependant: Dependant) -> bool:
    return any(
        [
            dependant.path_params,
            dependant.query_params,
            dependant.header_params,
            dependant.cookie_params,
            dependant.body_params,
        ]
    ) or any(_has_input(dependency) for dependency in dependant.dependencies)


def error_statuses(route: RouteContext) -> set[int]:
    """The error statuses a route can answer because of what it depends on."""
    statuses: set[int] = set()
    dependencies = _dependencies(route.dependant)
    if any(isinstance(dependency.call, SecurityBase) for dependency in dependencies):
        statuses.add(401)
    # A dependency that reads the dossier from the path scopes the route to a dossier: unknown
    # or not the caller's → 404; the caller's role may not → 403.
    if any(
        any(param.name == "dossier_id" for param in dependency.path_params)
        for dependency in dependencies
    ):
        statuses |= {403, 404}
    if _has_input(route.dependant) or (route.openapi_extra or {}).get("requestBody"):
        statuses.add(422)
    return statuses


def _document_errors(operation: dict[str, Any], statuses: set[int]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(str(status), {"description": STANDARD_ERRORS[status][0]})
    for status, response in responses.items():
        if not status.isdigit() or int(status) < 400:
            continue
        media = response.get("content", {}).get("application/json", {})
        schema_ref = media.get("schema", {}).get("$ref")
        if (
            response.get("content")
            and schema_ref not in (None, ERROR_SCHEMA_REF)
            and not (schema_ref or "").endswith("/HTTPValidationError")
        ):
            continue  # a route that documents its own body on purpose (e.g. /readyz's 503)
        example = (
            media.get("example")
            or STANDARD_ERRORS.get(
                int(status), ("", {"detail": response.get("description", "refused")})
            )[1]
        )
        response["content"] = {
            "application/json": {"schema": {"$ref": ERROR_SCHEMA_REF}, "example": example}
        }
        if int(status) == 422 and response.get("description") == "Validation Error":
            response["description"] = STANDARD_ERRORS[422][0]  # FastAPI's default says less


def install_openapi(app: FastAPI) -> None:
    """Make the app's OpenAPI document its errors as they are answered (see the module doc)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        schemas = document.setdefault("components", {}).setdefault("schemas", {})
        # FastAPI's default 422 body is not what the services answer.
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        schemas["ErrorResponse"] = ErrorResponse.model_json_schema(
            ref_template="#/components/schemas/{model}"
        )
        # Route contexts: the routes as included, with their routers' dependencies.
        for route in iter_route_contexts(app.routes):
            if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
                continue
            statuses = error_statuses(route)
            for method in route.methods:
                operation = document["paths"][route.path_format].get(method.lower())
                if operation is not None:
                    _document_errors(operation, statuses)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
