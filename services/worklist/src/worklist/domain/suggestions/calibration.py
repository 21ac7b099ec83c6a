"""Confidence that means what it says: the raw agreement of the neighbours is mapped to the
share of the dossier's own past suggestions with that raw score that turned out right.

Before a posted booking is learnt, its lines are suggested from the history before it and the
outcome (right or wrong) is counted in the bin of the raw score; a bin with few outcomes leans
on the raw score itself (a prior worth PRIOR_WEIGHT outcomes)."""

from dataclasses import dataclass, field

BINS = 10
PRIOR_WEIGHT = 4.0


@dataclass
class Calibrator:
    right: list[int] = field(default_factory=lambda: [0] * BINS)
    seen: list[int] = field(default_factory=lambda: [0] * BINS)

    @staticmethod
    def _bin(raw: float) -> int:
        return min(BINS - 1, max(0, int(raw * BINS)))

    def record(self, raw: float, correct: bool) -> None:
        index = self._bin(raw)
        self.seen[index] += 1
        self.right[index] += int(correct)

    def confidence(self, raw: float) -> float:
        index = self._bin(raw)
        return (self.right[index] + PRIOR_WEIGHT * raw) / (self.seen[index] + PRIOR_WEIGHT)
