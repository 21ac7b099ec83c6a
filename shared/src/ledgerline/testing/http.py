"""A service's HTTP API in the test's own process: its app (as `create_app` makes it) with its
lifespan run, and a client whose requests go straight to it."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from ledgerline.service import ServiceDefinition, create_app
from ledgerline.settings import ServiceSettings


@asynccontextmanager
async def service_client(
    definition: ServiceDefinition, settings: ServiceSettings
) -> AsyncIterator[httpx.AsyncClient]:
    """`async with service_client(definition(), settings) as http:` an HTTP client of the
    service (base URL http://<its name>) while its lifespan runs."""
    app = create_app(definition, settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        base_url = f"http://{definition.name}"
        async with httpx.AsyncClient(transport=transport, base_url=base_url) as http:
            yield http
