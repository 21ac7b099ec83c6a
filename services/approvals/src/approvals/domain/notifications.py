"""Which approvers get an e-mail now, and what it says. Pure: no I/O.

An approver gets one e-mail listing everything that waits for them, when something new waits for
them since their last e-mail, and at most once per period (an hour): approvals that arrive
within the hour are batched into the next e-mail.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from approvals.domain.rules import money


@dataclass(frozen=True)
class Waiting:
    """One approval that waits for one approver."""

    approver: str
    kind: str  # "invoice" or "payment"
    subject_id: UUID
    dossier_id: UUID
    dossier_name: str
    counterparty: str | None
    amount: Decimal | None
    created_at: datetime


@dataclass(frozen=True)
class Digest:
    approver: str
    items: tuple[Waiting, ...]

    @property
    def subject(self) -> str:
        count = len(self.items)
        return f"{count} approval{'s' if count != 1 else ''} waiting for you"

    def body(self, portal_url: str) -> str:
        lines = [f"{self.subject}:", ""]
        for item in self.items:
            amount = "" if item.amount is None else f" EUR {money(item.amount)}"
            lines.append(
                f"- {item.kind} from {item.counterparty or 'an unknown party'}{amount} "
                f"({item.dossier_name})"
            )
        lines += ["", f"Approve or reject them in the portal: {portal_url}"]
        return "\n".join(lines) + "\n"


def due_digests(
    waiting: Iterable[Waiting],
    last_sent: dict[str, datetime],
    now: datetime,
    every: timedelta = timedelta(hours=1),
) -> list[Digest]:
    """The e-mails to send now: to approvers with something new since their last e-mail, whose
    last e-mail is at least `every` ago (or who never had one)."""
    by_approver: dict[str, list[Waiting]] = {}
    for item in waiting:
        by_approver.setdefault(item.approver, []).append(item)
    digests = []
    for approver, items in sorted(by_approver.items()):
        sent = last_sent.get(approver)
        if sent is not None and (now - sent < every or all(i.created_at <= sent for i in items)):
            continue
        ordered = tuple(sorted(items, key=lambda item: (item.created_at, str(item.subject_id))))
        digests.append(Digest(approver, ordered))
    return digests
