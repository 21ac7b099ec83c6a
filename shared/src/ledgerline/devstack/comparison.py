"""How the pipeline benchmark compares consumer-process counts on a machine whose speed moves.

Runs go in rounds, every other round in reverse order (1, 2 then 2, 1 then 1, 2 ...): within a
round each count is measured next to the others, and a machine that speeds up or slows down
during the runs favours the later count in one round and the earlier in the next, so the
median of the rounds' ratios is not pulled one way. Rounds share no run, so their ratios are
independent measurements, and the median gets a distribution-free confidence interval."""

from collections.abc import Sequence
from math import comb


def alternated_rounds(counts: Sequence[int], rounds: int) -> list[list[int]]:
    """`rounds` rounds of `counts`, every second one reversed (ABBA order)."""
    return [list(counts) if index % 2 == 0 else list(reversed(counts)) for index in range(rounds)]


def median_interval(
    values: Sequence[float], confidence: float = 0.95
) -> tuple[float, float] | None:
    """The narrowest interval between two order statistics that holds the median of the
    population `values` were drawn from with at least `confidence`, whatever its distribution
    (the sign test's interval: the median lies below each value with probability 1/2). None
    when there are too few values for that confidence (fewer than six for 95 %)."""
    ordered = sorted(values)
    n = len(ordered)
    # Largest k whose interval [x_k, x_(n+1-k)] still covers the median with `confidence`:
    # P(k <= B <= n-k) with B ~ Binomial(n, 1/2).
    best: int | None = None
    for k in range(1, n // 2 + 1):
        inside = sum(comb(n, i) for i in range(k, n - k + 1)) / 2**n
        if inside >= confidence:
            best = k
        else:
            break
    if best is None:
        return None
    return ordered[best - 1], ordered[n - best]
