"""A transaction PostgreSQL chose as a deadlock's victim was rolled back whole: it runs again
(a merge that met a consumer's batch answered 500 before); any other error is not retried."""

import asyncpg
import pytest
from ledgerline.db import retried_on_deadlock


async def test_a_deadlock_victim_runs_again_and_answers() -> None:
    runs: list[int] = []

    async def operation() -> str:
        runs.append(1)
        if len(runs) == 1:
            raise asyncpg.DeadlockDetectedError("deadlock detected")
        return "merged"

    assert await retried_on_deadlock(operation) == "merged"
    assert len(runs) == 2


async def test_a_lasting_deadlock_and_other_errors_are_raised() -> None:
    runs: list[int] = []

    async def deadlocked() -> None:
        runs.append(1)
        raise asyncpg.DeadlockDetectedError("deadlock detected")

    with pytest.raises(asyncpg.DeadlockDetectedError):
        await retried_on_deadlock(deadlocked, attempts=3)
    assert len(runs) == 3

    async def refused() -> None:
        runs.append(1)
        raise ValueError("not a PDF")

    with pytest.raises(ValueError):
        await retried_on_deadlock(refused)
    assert len(runs) == 4
