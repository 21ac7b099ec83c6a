"""What every service's HTTP app has: health, readiness, metrics, correlation ids, clear errors."""

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Literal

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledgerline.errors import ErrorResponse
from ledgerline.observability import enter_flow
from ledgerline.text import RefuseControlCharacters

log = logging.getLogger(__name__)

CORRELATION_HEADER = "X-Correlation-ID"

REQUESTS = Counter(
    "ledgerline_http_requests_total", "HTTP requests", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "ledgerline_http_request_seconds", "HTTP request latency", ["service", "method", "route"]
)

ReadinessCheck = Callable[[], Awaitable[None]]


class CorrelationAndMetrics:
    """ASGI middleware: each request joins the flow its `X-Correlation-ID` names (or a new
    one), answers with that id, and is counted and timed per route."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        flow = enter_flow(Headers(scope=scope).get(CORRELATION_HEADER))
        started = time.perf_counter()
        status_code = 500

        async def send_with_correlation(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                MutableHeaders(scope=message)[CORRELATION_HEADER] = flow.correlation_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_correlation)
        finally:
            path = getattr(scope.get("route"), "path", "unmatched")
            method = scope["method"]
            REQUESTS.labels(self.service, method, path, str(status_code)).inc()
            LATENCY.labels(self.service, method, path).observe(time.perf_counter() - started)


def install_platform_routes(app: FastAPI, service: str, checks: dict[str, ReadinessCheck]) -> None:
    # Added first, so it runs inside the correlation middleware: its 422s are counted and logged.
    app.add_middleware(RefuseControlCharacters)

    app.add_middleware(CorrelationAndMetrics, service=service)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _error(422, *_problems(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI and Starlette answer 400 to a body they cannot parse (JSON that is not
            # UTF-8, a broken multipart form); like any other malformed input, that is a 422.
            cause = f": {exc.__cause__}" if exc.__cause__ else ""
            problem = f"body: {exc.detail}{cause}"
            return _error(422, problem, [problem])
        detail = str(exc.detail)
        # A 422 always lists its problems, whether pydantic or the service found them.
        problems = [detail] if exc.status_code == 422 else None
        return _error(exc.status_code, detail, problems, headers=exc.headers)

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return _error(500, "internal error; see the logs")

    @app.get("/healthz", tags=["platform"], summary="Alive", response_model=Health)
    async def healthz() -> Health:
        return Health(status="alive", service=service)

    @app.get(
        "/readyz",
        tags=["platform"],
        summary="Database and broker reachable",
        response_model=Readiness,
        responses={503: {"model": Readiness, "description": "A dependency is unreachable"}},
    )
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                await check()
                results[name] = "ok"
            except Exception as exc:
                results[name] = f"unreachable: {exc}"
        ready = all(value == "ok" for value in results.values())
        return JSONResponse(
            status_code=200 if ready else 503,
            content={"status": "ready" if ready else "not ready", "checks": results},
        )

    @app.get(
        "/metrics",
        tags=["platform"],
        summary="Prometheus metrics (text exposition format)",
        response_class=PlainTextResponse,
        responses={
            200: {
                "description": "The metrics in Prometheus' text format",
                "content": {
                    "text/plain": {
                        "schema": {"type": "string"},
                        "example": "# TYPE ledgerline_http_requests_total counter\n"
                        'ledgerline_http_requests_total{method="GET",route="/healthz",'
                        'service="ingest",status="200"} 3.0\n',
                    }
                },
            }
        },
    )
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class Health(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "alive", "service": "ingest"}]}
    )

    status: Literal["alive"]
    service: str


class Readiness(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"status": "ready", "checks": {"database": "ok", "kafka": "ok"}},
                {
                    "status": "not ready",
                    "checks": {"database": "ok", "kafka": "unreachable: Kafka did not answer"},
                },
            ]
        }
    )

    status: Literal["ready", "not ready"]
    checks: dict[str, str] = Field(description="Each dependency: ok, or why it is unreachable")


def _problems(exc: RequestValidationError) -> tuple[str, list[str]]:
    problems = [
        f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}" for error in exc.errors()
    ]
    return "; ".join(problems), problems


def _error(
    status_code: int,
    detail: str,
    problems: list[str] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body = ErrorResponse(detail=detail, problems=problems)
    return JSONResponse(
        status_code=status_code, content=body.model_dump(exclude_none=True), headers=headers
    )
