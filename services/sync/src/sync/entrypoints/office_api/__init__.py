"""Office administration (seed 003 "Kantoorinstellingen"): the office's settings, its employees
with their dossiers and client groups, client groups, the users of each dossier (client
profiles), and what the identity provider asks: which dossiers a subject may see.

Tokens stay the way access is decided: the identity provider writes the `role` and `dossiers`
claims from `GET /access/offices/{office_id}/subjects/{subject}`; the lists kept here are what it
reads. Office settings, employees and client groups are for the office's admins only.

One module per area (`settings`, `employees`, `client_groups`, `dossier_users`,
`subject_access`); what they share in `common`.
"""

from fastapi import APIRouter

from sync.entrypoints.office_api import (
    client_groups,
    dossier_users,
    employees,
    settings,
    subject_access,
)

# In this order, the routes (and the OpenAPI document) stay as they were in one router. The
# service mounts each router itself, so tools reading `definition().routers` see every route.
ROUTERS: tuple[APIRouter, ...] = (
    settings.router,
    employees.router,
    client_groups.router,
    dossier_users.router,
    subject_access.router,
)
