"""Office and dossier administration rules (seed 003 "Kantoorinstellingen", "Dossierbeheer").
Pure: the adapters read and write, the entrypoints answer; these functions decide.

- Who may activate dossiers: the office's admins, or its employees too (office setting).
  Support never: a support profile cannot change dossier settings.
- A dossier's payment module can be on only when the office allows the payment module.
- An office keeps at least one admin among its employees.
- Which dossiers a subject may see (what the identity provider writes in the token's
  `dossiers` claim): an admin every active dossier of the office; an employee or support the
  dossiers assigned to them and those of their client groups; a client user their dossiers.
- Several dossier codes separated by `;` activate several dossiers, all or nothing.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Literal
from uuid import UUID

from ledgerline.auth import CLIENT_ROLES, Role

EmployeeRole = Literal["admin", "employee", "support"]
ClientProfile = Literal[
    "client_administrator",
    "client_full_access",
    "client_document_processing",
    "client_document_processing_archive",
    "client_full_feedback",
    "client_document_delivery",
]
DossierActivationBy = Literal["admins", "employees"]
Validation = Literal["office", "hybrid", "client"]

# The six dossier-user profiles are the client roles tokens carry (ledgerline.auth).
assert {role.value for role in CLIENT_ROLES} == set(ClientProfile.__args__)  # type: ignore[attr-defined]

MAX_CODES_PER_ACTIVATION = 50


class OfficeRuleViolation(Exception):
    """A request the office's rules refuse; `status` is the HTTP status that says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def dossier_codes(text: str) -> list[str]:
    """The dossier codes of an activation: `;`-separated, blanks around them ignored."""
    codes = [code.strip() for code in text.split(";")]
    if any(not code for code in codes):
        raise OfficeRuleViolation(422, f"dossier_code {text!r} has an empty code between ';'")
    duplicates = sorted({code for code in codes if codes.count(code) > 1})
    if duplicates:
        raise OfficeRuleViolation(422, "dossier_code names a code twice: " + ", ".join(duplicates))
    if len(codes) > MAX_CODES_PER_ACTIVATION:
        raise OfficeRuleViolation(
            422, f"at most {MAX_CODES_PER_ACTIVATION} dossier codes per activation"
        )
    return codes


def check_may_activate(role: Role, activation_by: DossierActivationBy) -> None:
    if role is Role.ADMIN:
        return
    if role is Role.EMPLOYEE and activation_by == "employees":
        return
    who = "an office admin" if activation_by == "admins" else "an office admin or employee"
    raise OfficeRuleViolation(
        403, f"only {who} may activate dossiers in this office (office setting dossier_activation)"
    )


def check_payment_module(requested: bool | None, office_allows: bool) -> None:
    if requested and not office_allows:
        raise OfficeRuleViolation(
            409,
            "the office does not have the payment module: a dossier's payment module can only be "
            "switched on when the office setting payment_module_allowed is on",
        )


def check_keeps_an_admin(
    admins: Iterable[str], subject: str, new_role: EmployeeRole | None
) -> None:
    """`subject` becomes `new_role` (None: removed); refused when no admin would remain."""
    remaining = set(admins) - {subject}
    if new_role == "admin":
        remaining.add(subject)
    if not remaining and subject in set(admins):
        raise OfficeRuleViolation(409, f"{subject} is the office's last admin and must stay admin")


@dataclass(frozen=True)
class EmployeeAccess:
    role: EmployeeRole
    assigned: frozenset[UUID]
    via_groups: frozenset[UUID]


def employee_dossiers(access: EmployeeAccess, active: Iterable[UUID]) -> list[UUID]:
    """The active dossiers an employee may see: all for an admin; else assigned and groups'."""
    active_ids = set(active)
    if access.role == "admin":
        return sorted(active_ids)
    return sorted((access.assigned | access.via_groups) & active_ids)


def client_role(profiles: Mapping[UUID, str]) -> str | None:
    """The role for a client user's token: their profile when every dossier gives the same;
    None when profiles differ (the identity provider issues a token per dossier then)."""
    distinct = set(profiles.values())
    return distinct.pop() if len(distinct) == 1 else None


# ------------------------------------------------------------------ booking periods


@dataclass(frozen=True)
class Period:
    code: str
    start: date
    end: date
    status: str


def periods_to_close(periods: Iterable[Period], new_active: str) -> list[str]:
    """A new active period closes every open period before it (seed: "Nieuwe actieve
    boekingsperiode instellen"). The new one must be a known open period of the dossier."""
    known = {period.code: period for period in periods}
    target = known.get(new_active)
    if target is None:
        raise OfficeRuleViolation(
            422, f"new_active_period {new_active} is not a booking period of the dossier"
        )
    if target.status != "open":
        raise OfficeRuleViolation(
            409, f"booking period {new_active} is closed and cannot become the active period"
        )
    return sorted(
        period.code
        for period in known.values()
        if period.end < target.start and period.status == "open"
    )
