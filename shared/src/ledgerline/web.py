"""What every service's HTTP app has: health, readiness, metrics, correlation ids, clear errors."""

import logging
import time
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def install_platform_routes(app: FastAPI, service: str, checks: dict[str, ReadinessCheck]) -> None:
    # Added first, so it runs inside the correlation middleware: its 422s are counted and logged.
    app.add_middleware(RefuseControlCharacters)

    @app.middleware("http")
    async def correlation_and_metrics(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        flow = enter_flow(request.headers.get(CORRELATION_HEADER))
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        REQUESTS.labels(service, request.method, path, str(response.status_code)).inc()
        LATENCY.labels(service, request.method, path).observe(time.perf_counter() - started)
        response.headers[CORRELATION_HEADER] = flow.correlation_id
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        ]
        return JSONResponse(
            status_code=422,
            content={"detail": "; ".join(problems), "problems": problems},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code, content={"detail": exc.detail}, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse(status_code=500, content={"detail": "internal error; see the logs"})

    @app.get("/healthz", tags=["platform"], summary="Alive")
    async def healthz() -> dict[str, str]:
        return {"status": "alive", "service": service}

    @app.get("/readyz", tags=["platform"], summary="Database and broker reachable")
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

    @app.get("/metrics", tags=["platform"], summary="Prometheus metrics")
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
