"""Who validates a dossier's booking proposals (seed 003, "Een dossier instellen – Annoteren").

- `office`: office employees validate, correct and send; client users read.
- `hybrid`: the client corrects the proposals in the portal; an office employee sends them.
- `client`: the client completes, corrects and sends, without the office.

The office (admin, employee, support) may always act. Of the client users, only those who work
the books (client administrator, full access) ever act."""

from typing import Literal

from ledgerline.auth import OFFICE_ROLES, Role

ValidationMode = Literal["office", "hybrid", "client"]
# Correcting: edit, check, hold / release, ask for help. Deciding: send, delete, bulk change.
Action = Literal["correct", "decide"]
DEFAULT_MODE: ValidationMode = "office"
CLIENT_VALIDATORS = frozenset({Role.CLIENT_ADMINISTRATOR, Role.CLIENT_FULL_ACCESS})
ACTING_ROLES = OFFICE_ROLES | CLIENT_VALIDATORS


def refusal(role: Role, mode: ValidationMode, action: Action) -> str | None:
    """Why this caller may not take this action in a dossier validated this way; None: may."""
    if role in OFFICE_ROLES:
        return None
    if role not in CLIENT_VALIDATORS:
        return f"the role {role.value} does not work the worklist"
    if mode == "office":
        return "this dossier's proposals are validated by the office: client users read them"
    if mode == "hybrid" and action == "decide":
        return (
            "this dossier's proposals are validated in hybrid mode: the client corrects them, "
            "an office employee sends or deletes them"
        )
    return None
