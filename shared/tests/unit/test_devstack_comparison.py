"""The pipeline benchmark's comparison of consumer-process counts: run order and the interval
it prints around the median ratio."""

import random

from ledgerline.devstack.comparison import alternated_rounds, median_interval


def test_every_second_round_runs_the_counts_in_reverse() -> None:
    assert alternated_rounds([1, 2], 4) == [[1, 2], [2, 1], [1, 2], [2, 1]]
    assert alternated_rounds([1, 2, 4], 2) == [[1, 2, 4], [4, 2, 1]]


def test_a_steady_drift_favours_neither_count_over_the_rounds() -> None:
    # Both counts equally fast, the machine slowing by 1 % per run.
    speed = iter(100 * 0.99**run for run in range(12))
    rounds = [{count: next(speed) for count in round_} for round_ in alternated_rounds([1, 2], 6)]
    ratios = [round(docs_per_second[2] / docs_per_second[1], 4) for docs_per_second in rounds]
    assert ratios == [0.99, round(1 / 0.99, 4)] * 3


def test_too_few_values_give_no_95_percent_interval() -> None:
    assert median_interval([0.9, 1.0, 1.1, 1.2, 1.3]) is None


def test_the_interval_is_between_order_statistics_chosen_by_the_binomial() -> None:
    # Six values: only the extremes cover the median with 95 % (1 - 2/64 = 96.9 %).
    assert median_interval([1.05, 0.9, 1.0, 1.2, 0.95, 1.1]) == (0.9, 1.2)
    # Ten: the second and ninth (1 - 22/1024 = 97.9 %; the third and eighth only 89 %).
    assert median_interval([float(v) for v in range(10, 0, -1)]) == (2.0, 9.0)
    assert median_interval([float(v) for v in range(1, 11)], confidence=0.8) == (3.0, 8.0)


def test_the_interval_holds_the_true_median_as_often_as_it_claims() -> None:
    rng = random.Random(13)
    covered = 0
    trials = 2000
    for _ in range(trials):
        sample = [rng.lognormvariate(0, 0.2) for _ in range(12)]  # true median 1.0
        low, high = median_interval(sample) or (0.0, 0.0)
        covered += low <= 1.0 <= high
    assert covered / trials >= 0.95
