"""A service's HTTP API in the test's own process: its app (as `create_app` makes it) with its
lifespan run, and a client whose requests go straight to it."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from ledgerline.service import ServiceDefinition, create_app
from ledgerline.settings import ServiceSettings


class TaskPerRequestTransport(httpx.ASGITransport):
    """httpx's ASGI transport, each request handled in a task of its own as a server does
    (uvicorn: a task per request cycle). httpx runs the app inside the caller's task, and then
    what the request path leaves in that task's context stays with the test: with the plain
    ASGI middleware of `ledgerline.web`, the worklist's conversation tests could no longer stop
    its e-mail notifier at teardown."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await asyncio.create_task(super().handle_async_request(request))


@asynccontextmanager
async def service_client(
    definition: ServiceDefinition, settings: ServiceSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """`async with service_client(definition(), settings) as http:` an HTTP client of the
    service (base URL http://<its name>) while its lifespan runs."""
    app = create_app(definition, settings)
    async with app.router.lifespan_context(app):
        transport = TaskPerRequestTransport(app=app)
        base_url = f"http://{definition.name}"
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http
