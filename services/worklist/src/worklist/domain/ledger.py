"""The dossier's ledger master data as the worklist's copy has it (from ledger.synced.v1), with
the look-ups enrichment and validation need. Pure: the adapter loads it, nothing here does I/O."""

import re
from dataclasses import dataclass, field

from ledgerline.events import BookingPeriod, Counterparty, GLAccount, Journal, VatCode

# The seed's suspense account ("999999 - CF INTERNE REKENING"), used when the dossier's chart
# marks none: lines nothing better is known for are booked there and shown in red.
DEFAULT_SUSPENSE_ACCOUNT = "999999"


def compact(value: str | None) -> str | None:
    """VAT numbers and IBANs compared without spaces, dots or case: `BE 0403.019.261`."""
    if not value:
        return None
    return re.sub(r"[^A-Z0-9]", "", value.upper()) or None


@dataclass(frozen=True)
class LedgerData:
    counterparties: tuple[Counterparty, ...] = ()
    accounts: tuple[GLAccount, ...] = ()
    vat_codes: tuple[VatCode, ...] = ()
    journals: tuple[Journal, ...] = ()
    periods: tuple[BookingPeriod, ...] = ()
    _by_code: dict[str, dict[str, object]] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self._by_code.update(
            account={a.code: a for a in self.accounts},
            vat_code={v.code: v for v in self.vat_codes},
            journal={j.code: j for j in self.journals},
            period={p.code: p for p in self.periods},
            counterparty={c.number: c for c in self.counterparties},
        )

    @property
    def empty(self) -> bool:
        """No sync reached the worklist yet: enrichment falls back to the recognised data."""
        return not (self.accounts or self.journals or self.periods)

    def account(self, code: str | None) -> GLAccount | None:
        return self._by_code["account"].get(code or "")  # type: ignore[return-value]

    def vat_code(self, code: str | None) -> VatCode | None:
        return self._by_code["vat_code"].get(code or "")  # type: ignore[return-value]

    def journal(self, code: str | None) -> Journal | None:
        return self._by_code["journal"].get(code or "")  # type: ignore[return-value]

    def period(self, code: str | None) -> BookingPeriod | None:
        return self._by_code["period"].get(code or "")  # type: ignore[return-value]

    def counterparty(self, number: str | None) -> Counterparty | None:
        return self._by_code["counterparty"].get(number or "")  # type: ignore[return-value]

    def suspense_account(self) -> str:
        for account in self.accounts:
            if account.suspense and account.active:
                return account.code
        return DEFAULT_SUSPENSE_ACCOUNT

    def is_suspense(self, code: str | None) -> bool:
        account = self.account(code)
        if account is not None:
            return account.suspense
        return code == DEFAULT_SUSPENSE_ACCOUNT
