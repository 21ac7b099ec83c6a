"""What the identity provider asks when it issues a token: which dossiers a subject may see,
with which role (the `role` and `dossiers` claims)."""

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, HTTPException, status
from ledgerline.auth import CurrentPrincipal, Role
from ledgerline.errors import error_response
from ledgerline.service import CurrentRuntime
from pydantic import BaseModel, ConfigDict, Field

from sync.adapters import office
from sync.domain.office import ClientProfile, EmployeeAccess, client_role, employee_dossiers
from sync.entrypoints.office_api.common import DOSSIER_ID, OFFICE_ID, Subject

router = APIRouter(tags=["office"])

# The identity provider calls with a service token of the office, or a platform operator's.
ACCESS_READERS = frozenset({Role.SERVICE, Role.OPERATOR})


class DossierProfile(BaseModel):
    dossier_id: UUID
    profile: ClientProfile


class SubjectAccess(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "office_id": OFFICE_ID,
                    "subject": "els.peeters@kantoor-janssens.be",
                    "kind": "office",
                    "role": "employee",
                    "dossiers": [DOSSIER_ID],
                    "profiles": [],
                },
                {
                    "office_id": OFFICE_ID,
                    "subject": "jan@bakkerij-peeters.be",
                    "kind": "client",
                    "role": "client_full_access",
                    "dossiers": [DOSSIER_ID],
                    "profiles": [{"dossier_id": DOSSIER_ID, "profile": "client_full_access"}],
                },
            ]
        }
    )

    office_id: UUID
    subject: str
    kind: Literal["office", "client"] = Field(
        description="An employee of the office, or a user of the office's dossiers"
    )
    role: str | None = Field(
        description="The token's `role` claim; for a client user whose profiles differ per "
        "dossier, none: issue a token per dossier with the profile from `profiles`"
    )
    dossiers: list[UUID] = Field(
        description="The token's `dossiers` claim: the active dossiers the subject may see"
    )
    profiles: list[DossierProfile] = Field(description="A client user's profile per dossier")


@router.get(
    "/access/offices/{office_id}/subjects/{subject}",
    response_model=SubjectAccess,
    summary="Which dossiers a subject may see, for the identity provider's token claims",
    description="Called by the identity provider when it issues a token: an office admin sees "
    "every active dossier of the office; an employee or support the dossiers assigned to them "
    "and those of their client groups; a client user the dossiers they are a user of. Only a "
    "service token of the same office (role `service`) or a platform operator may ask.",
    responses={
        403: error_response(
            "Only a service of the office or a platform operator may ask",
            "only the identity provider (a service or operator token) may read access",
        ),
        404: error_response(
            "The subject is neither an employee nor a dossier user of the office",
            "jan@x.be has no access in this office",
        ),
    },
)
async def subject_access(
    office_id: UUID, subject: Subject, principal: CurrentPrincipal, runtime: CurrentRuntime
) -> SubjectAccess:
    if principal.role not in ACCESS_READERS:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            "only the identity provider (a service or operator token) may read access",
        )
    not_found = HTTPException(status.HTTP_404_NOT_FOUND, f"{subject} has no access in this office")
    if principal.role is Role.SERVICE and principal.office_id != office_id:
        raise not_found  # a service token of one office never reads another office's
    async with runtime.pool.acquire() as connection:
        employee = await office.employee(connection, office_id, subject)
        if employee is not None:
            access = EmployeeAccess(
                role=employee["role"],
                assigned=frozenset(employee["dossiers"]),
                via_groups=frozenset(
                    await office.group_dossiers_of(connection, office_id, subject)
                ),
            )
            active = await office.active_dossier_ids(connection, office_id)
            return SubjectAccess(
                office_id=office_id,
                subject=subject,
                kind="office",
                role=employee["role"],
                dossiers=employee_dossiers(access, active),
                profiles=[],
            )
        profiles = await office.client_profiles(connection, office_id, subject)
    if not profiles:
        raise not_found
    return SubjectAccess(
        office_id=office_id,
        subject=subject,
        kind="client",
        role=client_role(profiles),
        dossiers=sorted(profiles),
        profiles=[
            DossierProfile(dossier_id=dossier, profile=profile)  # type: ignore[arg-type]
            for dossier, profile in sorted(profiles.items())
        ],
    )
