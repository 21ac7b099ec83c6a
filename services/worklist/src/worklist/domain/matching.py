"""Which of the dossier's counterparties an invoice is from (purchases) or to (sales).

By VAT number first (what the seed's recognition keys on), then by IBAN, then by the name. Names
are compared with rapidfuzz after dropping legal forms ("NV", "BV", "SRL", ...): a token-sort
ratio of at least NAME_THRESHOLD picks the best; a tie between two counterparties picks none,
since a wrong counterparty is worse than a new one the employee chooses."""

import re
from dataclasses import dataclass
from typing import Literal

from ledgerline.events import Counterparty
from rapidfuzz import fuzz, utils

from worklist.domain.ledger import LedgerData, compact

MatchedBy = Literal["vat", "iban", "name"]
NAME_THRESHOLD = 90.0

LEGAL_FORMS = re.compile(
    r"\b(nv|bv|bvba|sprl|srl|sa|cv|cvba|vzw|asbl|comm\s?v|gcv|ltd|limited|gmbh|bv\s?ba|inc|llc|sarl)\b"
)


@dataclass(frozen=True)
class CounterpartyMatch:
    counterparty: Counterparty | None
    matched_by: MatchedBy | None
    score: float  # 100 for an exact VAT number or IBAN; the name ratio otherwise

    @property
    def known(self) -> bool:
        return self.counterparty is not None


NO_MATCH = CounterpartyMatch(None, None, 0.0)


def _name_key(name: str) -> str:
    return LEGAL_FORMS.sub(" ", utils.default_process(name)).strip()


def match_counterparty(
    ledger: LedgerData,
    kind: Literal["customer", "supplier"],
    *,
    vat: str | None,
    iban: str | None,
    name: str | None,
) -> CounterpartyMatch:
    candidates = [party for party in ledger.counterparties if party.kind == kind]
    wanted_vat = compact(vat)
    if wanted_vat:
        for party in candidates:
            if compact(party.vat_number) == wanted_vat:
                return CounterpartyMatch(party, "vat", 100.0)
    wanted_iban = compact(iban)
    if wanted_iban:
        for party in candidates:
            if wanted_iban in {compact(i) for i in party.ibans}:
                return CounterpartyMatch(party, "iban", 100.0)
    if name and _name_key(name):
        key = _name_key(name)
        scored = sorted(
            ((fuzz.token_sort_ratio(key, _name_key(p.name)), p) for p in candidates),
            key=lambda pair: pair[0],
            reverse=True,
        )
        if scored and scored[0][0] >= NAME_THRESHOLD:
            if len(scored) > 1 and scored[1][0] == scored[0][0]:
                return NO_MATCH
            return CounterpartyMatch(scored[0][1], "name", round(scored[0][0], 1))
    return NO_MATCH
